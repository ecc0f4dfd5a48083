import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENTS } from '../config/environments';
import { EXERCISES } from '../verify/exercises/catalog';
import { exerciseListing } from '../verify/exercises/listing';
import { exerciseParams, runExercise } from '../verify/exercises/runner';
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
      const params = exerciseParams(ENVIRONMENTS[exercise.labs[0]], ROOT);
      const known = new Set(Object.keys(params));
      for (const step of exercise.steps) {
        const text = JSON.stringify([step.run, step.stdin ?? null, step.says, step.output?.source ?? '', step.absent?.source ?? '']);
        for (const [, name] of text.matchAll(/\$\{([A-Z_]+)\}/g))
          expect({ exercise: exercise.id, step: step.says, name, known: known.has(name) }).toMatchObject({ known: true });
        if (step.capture) known.add(step.capture);
      }
    }
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
});
