import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Chart } from 'cdk8s';
import { COMPONENTS } from '../components';
import { SEED_LAB_FOLDERS } from '../seed-lab';
import { UserError } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { parseArgs, synth } from '../lib/cli';
import { recoverStaging } from '../lib/output';
import { PlatformChart } from '../lib/platform-chart';
import { ChartComponent, renderEnvironment } from '../lib/synth';
import { readTree, ROOT, tempDir } from './helpers';

/**
 * synth as a process: bad input, --check, --out, and kills at any moment.
 * Apart from synth.test.ts so that npm run test:fast (in-process renders)
 * does not wait for the dozens of processes these start; npm test runs both.
 */
function runSynth(args: string[]) {
  return spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'main.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
}

/** A dist/ with known content, to prove that failures leave it alone. */
function seededDist(): string {
  const out = tempDir('dist-');
  fs.mkdirSync(path.join(out, 'dev', 'demo'), { recursive: true });
  fs.writeFileSync(path.join(out, 'dev', 'demo', 'old.yaml'), 'kind: Old\n');
  return out;
}

describe('atomic writes and bad input', () => {
  test('an unknown --env prints one line, exits non-zero and leaves dist/ untouched', () => {
    const out = seededDist();
    const before = readTree(out);
    const result = runSynth(['--env', 'no-such-env', '--out', out]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `synth: error: unknown environment 'no-such-env': use --env with one of ${Object.keys(ENVIRONMENTS).join(', ')}`,
    ]);
    expect(readTree(out)).toEqual(before);
  });

  test('an unknown flag is rejected with the usage line', () => {
    const result = runSynth(['--environment', 'dev', '--out', tempDir('x-')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^synth: error: unknown argument '--environment'; usage: npm run synth/);
  });

  test('an invalid environment value fails before anything is written', () => {
    const out = seededDist();
    const before = readTree(out);
    const broken = {
      ...ENVIRONMENTS,
      dev: { ...ENVIRONMENTS.dev, demo: { ...ENVIRONMENTS.dev.demo, backend: { ...ENVIRONMENTS.dev.demo.backend, replicas: -1 } } },
    };
    expect(() => synth({ envs: [], outDir: out, check: false }, COMPONENTS, broken)).toThrow(UserError);
    expect(readTree(out)).toEqual(before);
  });

  test('a chart that throws halfway leaves the old tree in place', () => {
    const out = seededDist();
    const before = readTree(out);
    const failing: ChartComponent = {
      name: 'zz-broken',
      namespace: 'demo',
      wave: 99,
      enabled: (env) => env.name === 'prod',
      build: (scope, id) => {
        new Chart(scope, id);
        throw new Error('boom');
      },
    };
    expect(() => synth({ envs: [], outDir: out, check: false }, [...COMPONENTS, failing])).toThrow('boom');
    expect(readTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out)).filter((f) => f.startsWith('.synth-staging-'))).toEqual([]);
  });

  test('a chart that is not a PlatformChart is refused: its objects would miss the common labels', () => {
    // The types refuse it; the cast stands for a component whose author cast past them.
    const plain: ChartComponent = {
      name: 'zz-plain',
      namespace: 'demo',
      wave: 99,
      enabled: () => true,
      build: (scope, id) => new Chart(scope, id) as PlatformChart,
    };
    expect(() => renderEnvironment(ENVIRONMENTS.dev, [...COMPONENTS, plain])).toThrow('zz-plain: its chart must extend PlatformChart');
  });

  test('--env renders one environment and leaves the others alone', () => {
    const out = tempDir('one-env-');
    synth({ envs: [], outDir: out, check: false }, COMPONENTS);
    fs.writeFileSync(path.join(out, 'prod', 'marker'), 'kept');
    const result = runSynth(['--env', 'dev', '--out', out]);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^synth: 1 environments \(dev\), \d+ objects and \d+ plain files, \d+ files written to .*, in \d+ ms$/m);
    expect(fs.readFileSync(path.join(out, 'prod', 'marker'), 'utf8')).toBe('kept');
  });

  test('--check fails on a stale tree and names the file', () => {
    const out = tempDir('check-');
    synth({ envs: [], outDir: out, check: false }, COMPONENTS);
    expect(() => synth({ envs: [], outDir: out, check: true }, COMPONENTS)).not.toThrow();
    fs.appendFileSync(path.join(out, 'dev', 'demo', 'service-backend.yaml'), '# hand edit\n');
    expect(() => synth({ envs: [], outDir: out, check: true }, COMPONENTS)).toThrow(/~dev\/demo\/service-backend\.yaml/);
  });

  test('a folder of an environment that is no longer registered is removed by synth and caught by --check', () => {
    const out = tempDir('stray-');
    synth({ envs: [], outDir: out, check: false }, COMPONENTS);
    fs.cpSync(path.join(out, 'stg'), path.join(out, 'no-such-env'), { recursive: true });
    expect(() => synth({ envs: [], outDir: out, check: true }, COMPONENTS)).toThrow(/-no-such-env\//);
    const result = runSynth(['--out', out]);
    expect(result.stdout).toContain(`(removed ${out}/no-such-env: no such environment)`);
    expect(fs.readdirSync(out).sort()).toEqual(Object.keys(ENVIRONMENTS).sort());
  });

  test('--out never deletes files synth did not write', () => {
    const out = tempDir('foreign-');
    fs.mkdirSync(path.join(out, 'dev'), { recursive: true });
    fs.writeFileSync(path.join(out, 'dev', 'notes.txt'), 'mine');
    const before = readTree(out);
    const result = runSynth(['--env', 'dev', '--out', out]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toEqual([
      `synth: error: ${out}/dev/notes.txt was not written by synth (1 such file(s)); move them out of ${out}/dev or choose another --out`,
    ]);
    expect(readTree(out)).toEqual(before);
  });

  test('--out pointing at a file is one line, exit 2', () => {
    const file = path.join(tempDir('file-'), 'f');
    fs.writeFileSync(file, 'x');
    const result = runSynth(['--out', file]);
    expect([result.status, result.stderr.trim().split('\n')]).toEqual([2, [`synth: error: ${file} is a file, not a folder; give --out a folder`]]);
  });

  test('a synth killed between its two renames is finished by the next run; stale staging is cleaned', () => {
    const out = path.join(tempDir('killed-'), 'dist');
    synth({ envs: [], outDir: out, check: false }, COMPONENTS);
    const complete = readTree(out);
    // The state a SIGKILL leaves after the old tree moved aside: a complete new tree in staging, no tree in place.
    const staging = path.join(path.dirname(out), '.synth-staging-dist-999999');
    fs.mkdirSync(staging);
    fs.renameSync(out, path.join(staging, 'new'));
    fs.writeFileSync(path.join(staging, 'READY'), '');
    // And a staging folder of a run killed while writing.
    fs.mkdirSync(path.join(path.dirname(out), '.synth-staging-dist-999998', 'new', 'dev'), { recursive: true });
    expect(recoverStaging(out)).toEqual(['finished the swap of an interrupted synth (.synth-staging-dist-999999)']);
    expect(readTree(out)).toEqual(complete);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('a real SIGKILL at any moment leaves either the old or the new tree, never a mix, and the next run cleans up', () => {
    const out = path.join(tempDir('sigkill-'), 'dist');
    synth({ envs: [], outDir: out, check: false }, COMPONENTS);
    const fresh = readTree(out);
    const runs: Array<{ delay: number; status: number | null; outcome: string; leftovers: string[]; stderr: string }> = [];
    for (const delay of [0.15, 0.25, 0.35, 0.45, 0.6, 0]) {
      for (const env of ['dev', 'prod']) fs.appendFileSync(path.join(out, env, 'demo', 'service-backend.yaml'), '# old\n');
      const old = readTree(out);
      // A delay of 0: no kill, the run finishes.
      const result = spawnSync(
        'timeout',
        ['-s', 'KILL', delay > 0 ? String(delay) : '0', process.execPath, path.join(ROOT, 'lib/run-ts.js'), 'main.ts', '--out', out],
        { cwd: ROOT, encoding: 'utf8' },
      );
      recoverStaging(out); // what the next run does first
      // The generated folders beside the tree (the seed's lab/ files and chart) are written after it, by the same swap.
      const folders = SEED_LAB_FOLDERS.map((f) => path.join(path.dirname(out), f.path));
      for (const folder of folders) recoverStaging(folder);
      const now = readTree(out);
      const outcome = JSON.stringify(now) === JSON.stringify(fresh) ? 'new' : JSON.stringify(now) === JSON.stringify(old) ? 'old' : 'mixed';
      // What a swap leaves beside each generated folder: its staging and old copies, nothing else.
      const beside = folders.flatMap((folder) =>
        fs.existsSync(path.dirname(folder))
          ? fs
              .readdirSync(path.dirname(folder))
              .filter((f) => !SEED_LAB_FOLDERS.some((g) => path.join(path.dirname(out), g.path).startsWith(path.join(path.dirname(folder), f))))
              .map((f) => path.relative(path.dirname(out), path.join(path.dirname(folder), f)))
          : [],
      );
      const leftovers = [...fs.readdirSync(path.dirname(out)).filter((f) => f !== 'dist' && f !== 'lab'), ...new Set(beside)];
      // One record per run, so a failure says which kill, what the run printed and what it left.
      runs.push({ delay, status: result.status, outcome, leftovers, stderr: result.stderr.trim().split('\n').slice(-2).join(' | ') });
      if (outcome === 'old') synth({ envs: [], outDir: out, check: false }, COMPONENTS);
    }
    expect(runs.filter((r) => r.outcome === 'mixed' || r.leftovers.length > 0)).toEqual([]);
    expect(runs[runs.length - 1]).toMatchObject({ status: 0, outcome: 'new' });
  });

  test('hostile arguments: a repeated --env renders once; __proto__ and constructor are unknown environments', () => {
    const out = tempDir('repeat-');
    const repeated = runSynth(['--env', 'dev', '--env', 'dev', '--out', out]);
    expect([repeated.status, repeated.stderr]).toEqual([0, '']);
    expect(repeated.stdout).toMatch(/^synth: 1 environments \(dev\)/);
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const result = runSynth(['--env', name, '--out', out]);
      expect([result.status, result.stderr.trim().split('\n').length]).toEqual([2, 1]);
      expect(result.stderr).toContain(`unknown environment '${name}'`);
    }
  });

  test('a clone with core.autocrlf=true still checks out LF, so --check compares the same bytes (.gitattributes)', () => {
    const clone = path.join(tempDir('crlf-'), 'repo');
    const git = spawnSync('git', ['-c', 'core.autocrlf=true', 'clone', '-q', '--no-hardlinks', ROOT, clone], { encoding: 'utf8' });
    expect(git.status).toBe(0);
    const files = ['dist/prod/demo/deployment-backend.yaml', 'dist/prod/bootstrap/bootstrap.env', 'ops/bootstrap/setup.sh'];
    expect(files.filter((f) => fs.readFileSync(path.join(clone, f), 'utf8').includes('\r'))).toEqual([]);
  });

  test('argument parsing', () => {
    expect(parseArgs(['--env', 'prod', '--check'])).toEqual({ envs: ['prod'], outDir: 'dist', check: true });
    expect(parseArgs(['--help'])).toBe('help');
    expect(parseArgs(['--env=stg'])).toEqual({ envs: ['stg'], outDir: 'dist', check: false });
    expect(() => parseArgs(['--env'])).toThrow('--env needs a value');
  });

  test('a source that does not compile is one line with its place, exit 2, and nothing written (lib/run-ts.js)', () => {
    const dir = tempDir('broken-source-');
    const entry = path.join(dir, 'broken.ts');
    fs.writeFileSync(entry, 'export const replicas: number = ;\n');
    const before = readTree(path.join(ROOT, 'dist'));
    const result = spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), entry], { cwd: ROOT, encoding: 'utf8' });
    expect({ exit: result.status, lines: result.stderr.trim().split('\n'), stack: /\n\s+at /.test(result.stderr) }).toEqual({
      exit: 2,
      lines: [expect.stringMatching(/^broken: error: \S*broken\.ts:1:32: Unexpected ";"; fix the TypeScript and run again/)],
      stack: false,
    });
    expect(fs.existsSync(path.join(ROOT, '.build', 'broken.js'))).toBe(false);
    expect(readTree(path.join(ROOT, 'dist'))).toEqual(before);
  });

  test('a data file with a JSON syntax error is named with its line, and the fix asked for is the JSON (lib/run-ts.js)', () => {
    const dir = tempDir('broken-json-');
    fs.writeFileSync(path.join(dir, 'releases.json'), '{\n  "stg": { "tag": "1.0" },\n  "prod" { "tag": "1.0" }\n}\n');
    const entry = path.join(dir, 'entry.ts');
    fs.writeFileSync(entry, "import RELEASES from './releases.json';\nconsole.log(RELEASES);\n");
    const result = spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), entry], { cwd: ROOT, encoding: 'utf8' });
    expect({ exit: result.status, lines: result.stderr.trim().split('\n') }).toEqual({
      exit: 2,
      lines: [expect.stringMatching(/^entry: error: \S*releases\.json:3:9: .*; fix the JSON in \S*releases\.json and run again$/)],
    });
  });
});
