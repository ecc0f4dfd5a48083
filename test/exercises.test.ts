import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENTS } from '../config/environments';
import { EXERCISES } from '../verify/exercises/catalog';
import { exerciseListing } from '../verify/exercises/listing';
import { exerciseParams, runExercise, stepConnection } from '../verify/exercises/runner';
import { seedCommands, verbatim, verbatimProblems } from '../verify/exercises/seed-commands';
import { Exercise } from '../verify/exercises/types';
import { ROOT, tempDir } from './helpers';

/**
 * The exercise catalog against the seed and the README, and the runner's
 * rules on stub tools. The exercises themselves run against the real engines
 * in the e2e suite (test/e2e.test.ts).
 */
const SEED = path.resolve(ROOT, '../shared/seed/000_afc7ab03ac0def0a.txt');

const run = (...args: string[]) =>
  spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/exercise.ts', ...args], { cwd: ROOT, encoding: 'utf8' });

describe("the seed's exercises as data", () => {
  test('every exercise of the seed is in the catalog, and section 14', () => {
    const seed = fs.readFileSync(SEED, 'utf8');
    const headings = [...seed.matchAll(/^#### 실습 (\d+-\d+)/gm)].map((m) => m[1]);
    const helm = [...seed.matchAll(/^### 실습 (\d+-\d+)\./gm)].map((m) => m[1]);
    expect(EXERCISES.map((e) => e.id)).toEqual([...headings, ...helm, '14']);
  });

  test("README's exercise table is `npm run exercise -- --list`", () => {
    const listed = run('--list');
    expect({ status: listed.status, stderr: listed.stderr }).toEqual({ status: 0, stderr: '' });
    expect(listed.stdout.trim()).toBe(exerciseListing(EXERCISES));
    expect(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')).toContain(exerciseListing(EXERCISES));
  });

  test('every lab is a registered Kind lab environment, and every parameter a step names has a value or a step that captures it', () => {
    for (const exercise of EXERCISES) {
      for (const lab of exercise.labs)
        expect({ exercise: exercise.id, lab, light: ENVIRONMENTS[lab]?.features.light }).toEqual({ exercise: exercise.id, lab, light: true });
      const params = exerciseParams(ENVIRONMENTS[exercise.labs[0]]);
      // STARTED: the runner's own, when the exercise began; N: a repeated step's count.
      const known = new Set([...Object.keys(params), 'STARTED']);
      for (const step of exercise.steps) {
        const text = JSON.stringify([step.run, step.stdin ?? null, step.says, step.output?.source ?? '', step.absent?.source ?? '']);
        for (const [, name] of text.matchAll(/\$\{([A-Z_]+)\}/g))
          expect({ exercise: exercise.id, step: step.says, name, known: known.has(name) || (name === 'N' && !!step.repeat) }).toMatchObject({
            known: true,
          });
        if (step.capture) known.add(step.capture);
      }
    }
  });

  test("every step that is the seed's is the seed's own command, word for word and heredoc for heredoc; every seed command is a step or says why not", () => {
    const seed = seedCommands(fs.readFileSync(SEED, 'utf8'));
    expect([...seed.keys()].sort()).toEqual(EXERCISES.map((e) => e.id).sort());
    expect(verbatimProblems(EXERCISES, seed, exerciseParams(ENVIRONMENTS.dev))).toEqual([]);
    // What differs for the reader, each with its reason in the listing.
    expect(EXERCISES.filter((e) => !verbatim(e)).map((e) => e.id)).toEqual(['2-3', '11-2', '11-4']);
  });

  test("seeded breaks: a step that is not the seed's word for word, a heredoc that differs, a seed command dropped without a reason", () => {
    const seed = seedCommands(fs.readFileSync(SEED, 'utf8'));
    const params = exerciseParams(ENVIRONMENTS.dev);
    const edit = (id: string, change: (e: Exercise) => Exercise) => EXERCISES.map((e) => (e.id === id ? change(e) : e));
    const flag = edit('2-1', (e) => ({
      ...e,
      steps: e.steps.map((s, i) => (i === 0 ? { ...s, run: [...s.run.slice(0, -1), '--max-time', '5', s.run.at(-1)!] } : s)),
    }));
    expect(verbatimProblems(flag, seed, params)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^2-1: 'kubectl exec -n demo deploy\/frontend -- curl -sf --max-time 5 .* is not a command of the seed's exercise/),
      ]),
    );
    const heredoc = edit('6-1', (e) => ({
      ...e,
      steps: e.steps.map((s, i) => (i === 0 ? { ...s, stdin: { ...(s.stdin as object), metadata: { name: 'other', namespace: 'demo' } } } : s)),
    }));
    expect(verbatimProblems(heredoc, seed, params)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^6-1: .*baseline: a compliant pod is created/)]),
    );
    const dropped = edit('4-1', (e) => ({ ...e, notRun: [] }));
    expect(verbatimProblems(dropped, seed, params)).toEqual(["4-1: the seed's 'sleep 5' is neither a step nor listed as not run"]);
  });

  test('bad input is one line and exit 2: an unknown id, an exercise on the wrong lab', () => {
    for (const args of [['9-9'], ['2-3', '--env', 'dev'], []]) {
      const r = run(...args);
      expect({ args, status: r.status, lines: r.stderr.trim().split('\n').length }).toEqual({ args, status: 2, lines: 1 });
    }
  });
});

describe('the runner, on stub tools', () => {
  /** A stub kubectl: prints its arguments and stdin, exits with the code in the file `code` (a test flips it). */
  function stub(): { tools: { kubectl: string; helm: string; curl: string }; dir: string } {
    const dir = tempDir('exercise-stub-');
    const tool = path.join(dir, 'kubectl');
    fs.writeFileSync(tool, `#!/bin/sh\necho "args: $*"\ncat\necho "$*" >> "${dir}/calls"\nexit $(cat "${dir}/code" 2>/dev/null || echo 0)\n`, {
      mode: 0o755,
    });
    return { tools: { kubectl: tool, helm: tool, curl: tool }, dir };
  }
  const exercise = (steps: Exercise['steps']): Exercise => ({ id: 't', title: 't', labs: ['dev'], steps, deviations: [] });

  test('a refusal the seed expects passes, an admission it does not expect fails; later steps are skipped, clean-ups still run', async () => {
    const { tools, dir } = stub();
    fs.writeFileSync(path.join(dir, 'code'), '0');
    const result = await runExercise(
      exercise([
        { says: 'refused', run: ['kubectl', 'apply'], stdin: { kind: 'Pod' }, expect: 'fails', judge: 'Gatekeeper' },
        { says: 'next', run: ['kubectl', 'get'], expect: 'succeeds', judge: 'API server' },
        { says: 'clean up', run: ['kubectl', 'delete'], expect: 'succeeds', judge: 'API server', cleanup: true },
      ]),
      { params: {}, tools, dataplane: true },
    );
    expect(result.steps.map((s) => s.outcome)).toEqual(['fail', 'skipped', 'pass']);
    expect(result.outcome).toBe('fail');
    expect(result.steps[0].saw).toMatch(/^exit 0: args: apply/);
  });

  test('output is matched with parameters; a capture feeds a later step; a dataplane step is reported, never run', async () => {
    const { tools, dir } = stub();
    const result = await runExercise(
      exercise([
        { says: 'names', run: ['kubectl', 'get', '${ENV}'], expect: 'succeeds', output: /args: get ${ENV}$/m, capture: 'FIRST', judge: 'API server' },
        { says: 'uses', run: ['kubectl', 'delete', '${FIRST}'], expect: 'succeeds', output: /args: delete args: get dev/, judge: 'API server' },
        { says: 'traffic', run: ['curl', 'http://x'], expect: 'succeeds', judge: 'a dataplane' },
      ]),
      { params: { ENV: 'dev' }, tools, dataplane: false },
    );
    expect(result.steps.map((s) => s.outcome)).toEqual(['pass', 'pass', 'needs a dataplane']);
    expect(result.outcome).toBe('partial');
    expect(fs.readFileSync(path.join(dir, 'calls'), 'utf8')).not.toMatch(/http:\/\/x/);
  });

  test('`within` asks again until a controller has acted, and gives up with what it saw last', async () => {
    const { tools, dir } = stub();
    fs.writeFileSync(path.join(dir, 'code'), '1');
    setTimeout(() => fs.writeFileSync(path.join(dir, 'code'), '0'), 1000);
    const late = await runExercise(exercise([{ says: 'eventually', run: ['kubectl', 'get'], expect: 'succeeds', within: 20, judge: 'Argo CD' }]), {
      params: {},
      tools,
      dataplane: true,
    });
    expect(late.outcome).toBe('pass');
    fs.writeFileSync(path.join(dir, 'code'), '1');
    const never = await runExercise(exercise([{ says: 'never', run: ['kubectl', 'get'], expect: 'succeeds', within: 1, judge: 'Argo CD' }]), {
      params: {},
      tools,
      dataplane: true,
    });
    expect(never.steps[0]).toMatchObject({ outcome: 'fail', saw: expect.stringMatching(/^exit 1: args: get/) });
  }, 30_000);

  test("where no dataplane runs, a curl is judged by policy: the seed's outcome must be the verdict, down to how it fails", async () => {
    const { tools } = stub();
    const verdicts: Record<string, { allowed: boolean; refusal?: 'timeout' | 'http-403'; text: string }> = {
      'http://ok/': { allowed: true, text: 'allowed' },
      'http://drop/': { allowed: false, refusal: 'timeout', text: "denied (destination's ingress)" },
      'http://l7/': { allowed: false, refusal: 'http-403', text: 'denied (L7 proxy refuses the request: 403)' },
    };
    const seen: unknown[] = [];
    const judgeConnection = async (c: Parameters<NonNullable<Parameters<typeof runExercise>[1]['judgeConnection']>>[0]) => {
      seen.push(c);
      return verdicts[c.url];
    };
    const curl = (url: string, ...flags: string[]) => ['kubectl', 'exec', '-n', 'demo', 'deploy/frontend', '--', 'curl', '-sf', ...flags, url];
    const run = (steps: Exercise['steps']) => runExercise(exercise(steps), { params: {}, tools, dataplane: false, judgeConnection });
    const ok = await run([
      { says: 'reaches', run: curl('http://ok/'), expect: 'succeeds', judge: 'a dataplane' },
      { says: 'times out', run: curl('http://drop/'), expect: 'fails', refusal: 'timeout', judge: 'a dataplane' },
      { says: '403', run: curl('http://l7/', '-X', 'POST'), expect: 'fails', refusal: 'http-403', judge: 'a dataplane' },
    ]);
    expect(ok.steps.map((st) => st.outcome)).toEqual(['policy', 'policy', 'policy']);
    expect(seen[2]).toEqual({ from: { namespace: 'demo', target: 'deploy/frontend' }, url: 'http://l7/', method: 'POST' });
    // The catalog against the engines: an expectation the verdict contradicts fails, and so does the wrong way to fail.
    const contradicted = await run([{ says: 'expected to pass', run: curl('http://drop/'), expect: 'succeeds', judge: 'a dataplane' }]);
    expect(contradicted.steps[0]).toMatchObject({ outcome: 'fail', saw: expect.stringMatching(/^refused \(timeout\) by policy/) });
    const wrongWay = await run([
      { says: 'a 403, not a timeout', run: curl('http://drop/'), expect: 'fails', refusal: 'http-403', judge: 'a dataplane' },
    ]);
    expect(wrongWay.steps[0].outcome).toBe('fail');
    // What an admitted call answers is the workload's: a status or a body to check leaves the step to a dataplane.
    const answered = await run([
      { says: 'Tempo has traces', run: curl('http://ok/'), expect: 'succeeds', status: 200, json: () => undefined, judge: 'a dataplane' },
    ]);
    expect(answered.steps[0]).toMatchObject({
      outcome: 'needs a dataplane',
      saw: expect.stringMatching(/^allowed by policy, what it answers needs a dataplane/),
    });
  });

  test("a curl's connection is read from the seed's command: from a pod or this machine, its method and Host header", () => {
    expect(
      stepConnection(['kubectl', 'exec', '-n', 'demo', 'test-cnp', '--', 'curl', '-sf', '--max-time', '5', 'http://backend.demo.svc/status/200']),
    ).toEqual({
      from: { namespace: 'demo', target: 'test-cnp' },
      url: 'http://backend.demo.svc/status/200',
      method: 'GET',
    });
    expect(stepConnection(['curl', '-s', '-H', 'Host: api.lab-dev.local', 'http://kong/x'])).toEqual({
      from: 'this machine',
      url: 'http://kong/x',
      method: 'GET',
      hostHeader: 'api.lab-dev.local',
    });
    expect(stepConnection(['kubectl', 'get', 'pods'])).toBeUndefined();
  });

  test('a repeated step runs its count, a capture is decoded, a pipe feeds the next command, and a status the seed reads is asked of curl', async () => {
    const { tools, dir } = stub();
    const result = await runExercise(
      exercise([
        { says: 'five', run: ['kubectl', 'get', 'n=${N}'], repeat: 5, expect: 'succeeds', judge: 'API server' },
        { says: 'secret', run: ['kubectl', 'printf'], stdin: { x: 1 }, expect: 'succeeds', capture: 'RAW', judge: 'API server' },
        {
          says: 'piped',
          run: ['kubectl', 'create'],
          pipe: ['kubectl', 'apply', '-f', '-'],
          expect: 'succeeds',
          output: /args: apply -f -/,
          judge: 'API server',
        },
        { says: 'status', run: ['curl', 'http://x/'], expect: 'succeeds', status: 200, judge: 'API server' },
      ]),
      { params: {}, tools, dataplane: true },
    );
    const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8');
    expect(calls.split('\n').slice(0, 5)).toEqual(['get n=1', 'get n=2', 'get n=3', 'get n=4', 'get n=5']);
    expect(calls.trim().endsWith('http://x/ --write-out \n__kpp_http_code__=%{http_code}')).toBe(true);
    // The stub prints no status: the step that reads one fails, naming what it saw.
    expect(result.steps.map((st) => st.outcome)).toEqual(['pass', 'pass', 'pass', 'fail']);
    expect(result.steps[3].saw).toMatch(/HTTP none, not 200/);
    fs.writeFileSync(path.join(dir, 'secret'), `${Buffer.from('s3cret').toString('base64')}\n`);
    const decoded = await runExercise(
      exercise([
        { says: 'b64', run: ['cat', path.join(dir, 'secret')], expect: 'succeeds', capture: 'PASS', decode: 'base64', judge: 'API server' },
        { says: 'uses', run: ['kubectl', 'use', '${PASS}'], expect: 'succeeds', output: /args: use s3cret$/m, judge: 'API server' },
      ]),
      { params: {}, tools, dataplane: true },
    );
    expect(decoded.outcome).toBe('pass');
  });
});
