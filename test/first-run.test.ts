import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { CheckFailure } from '../config/errors';
import { describeError } from '../lib/command';
import { copyWorkingTree } from '../verify/engines/working-tree';
import { pathFromToolsOutput } from '../verify/tools/tool-path';
import { ROOT, tempDir } from './helpers';

/**
 * A new user's second clone: the per-user tool cache is warm, but the clone
 * has no `.tools/` links, no `.build/`, no `.hydrated/`. Every command of the
 * README's command table runs once, as typed, and succeeds. npm test links
 * every tool before any suite runs, so without this a command that only works
 * once the links exist (the e2e's `argocd-repo-server`, issue 28) stays hidden.
 * The clone sits beside a link to ../shared, as a clone of the project sits
 * beside the mirrors; it shares node_modules (npm ci is not what is tested).
 */
const INTERNAL_ERROR = /this is a bug/;

interface Step {
  readonly command: string;
  readonly args: readonly string[];
  /** A line the command prints when it did its work. */
  readonly says: RegExp;
}

const STEPS: readonly Step[] = [
  { command: 'verify/scripts/tools.ts', args: ['--list'], says: /^argocd\s+v3\.3\.2/m },
  { command: 'main.ts', args: [], says: /^synth: \d+ environments .*files written to dist\//m },
  { command: 'verify/scripts/diff.ts', args: ['--env', 'dev'], says: /^diff: no changes in dev$/m },
  { command: 'verify/scripts/hydrate.ts', args: ['--env', 'dev'], says: /^hydrate: dev: \d+ rendered, 0 failed/m },
  { command: 'verify/scripts/validate-schemas.ts', args: ['--env', 'dev'], says: /^validate: (\d+) of \1 objects valid in dev/m },
  { command: 'verify/scripts/scan.ts', args: ['--env', 'dev'], says: /^scan: kube-score found .*0 new, 0 stale/m },
  { command: 'verify/scripts/images.ts', args: ['--env', 'dev'], says: /quay\.io\/cilium/ },
  { command: 'verify/scripts/exercise.ts', args: ['--list'], says: /^\| 2-1 \| /m },
  {
    command: 'verify/scripts/import-crds.ts',
    args: ['--mirror', '../shared/crds', '--out', '.build/imports'],
    says: /^import: wrote .*\.build\/imports from mirror/m,
  },
  { command: 'verify/scripts/cluster.ts', args: ['up'], says: /cluster: running in the background/ },
  { command: 'verify/scripts/cluster.ts', args: ['status'], says: /cluster: (\d+) of \1 processes running/ },
  { command: 'verify/scripts/cluster.ts', args: ['down'], says: /cluster: stopped \d+ processes/ },
  // The fresh clone's own path: its tool links, Argo CD's processes, the repo-server reading its git. The bootstrap to
  // Synced and Healthy, and everything after, is the e2e suite's (test/e2e.test.ts), which runs the same code.
  {
    command: 'verify/scripts/e2e.ts',
    args: ['--env', 'dev', '--until', 'first-application'],
    says: /e2e: root-\S+ created its first child Application \(\S+\) [\d.]+ s after the start/,
  },
];

describe('first run in a fresh clone that shares the warm tool cache', () => {
  const parent = tempDir('first-run-');
  const clone = path.join(parent, 'clone');
  const timings: string[] = [];

  beforeAll(() => {
    copyWorkingTree(ROOT, clone);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, stdio: 'ignore' });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('-c', 'user.name=first-run', '-c', 'user.email=first-run@kind-parity-platform.test', 'commit', '-q', '-m', 'clone');
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
    fs.symlinkSync(path.resolve(ROOT, '../shared'), path.join(parent, 'shared'));
  });

  afterAll(() => {
    // A cluster left by a failed step is stopped by its own PIDs (cluster down reads .cluster/state.json).
    if (fs.existsSync(path.join(clone, '.cluster')))
      spawnSync(process.execPath, ['lib/run-ts.js', 'verify/scripts/cluster.ts', 'down'], { cwd: clone });
    fs.mkdirSync(path.join(ROOT, '.build', 'reports'), { recursive: true });
    fs.writeFileSync(path.join(ROOT, '.build', 'reports', 'first-run.md'), ['| command | seconds |', '|---|---|', ...timings, ''].join('\n'));
  });

  test('the clone has no tool links to start with', () => {
    expect(fs.existsSync(path.join(clone, '.tools'))).toBe(false);
  });

  test.each(STEPS.map((s) => [`${s.command} ${s.args.join(' ')}`.trim(), s] as const))('%s', (name, step) => {
    const env = { ...process.env };
    // The clone's own .tools/bin, as a user's shell has it; the cache stays the per-user one.
    delete env.KPP_TOOLS_LINK_DIR;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['lib/run-ts.js', step.command, ...step.args], {
      cwd: clone,
      env,
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
      timeout: 900_000,
    });
    timings.push(`| \`${name}\` | ${((Date.now() - started) / 1000).toFixed(1)} |`);
    const output = `${result.stdout}\n${result.stderr}`;
    expect({ exit: result.status, internalError: INTERNAL_ERROR.test(output), tail: result.status === 0 ? '' : output.slice(-2000) }).toEqual({
      exit: 0,
      internalError: false,
      tail: '',
    });
    expect(output).toMatch(step.says);
  });
});

/**
 * Conditions a user meets and can fix are one line that says what to do,
 * never "this is a bug": a tool that cannot be built (cold cache, no Go), a
 * cached build that no longer matches its record, a mirror that is not there.
 */
describe('known conditions are never reported as a bug', () => {
  const noGoPath = (process.env.PATH ?? '')
    .split(':')
    .filter((dir) => !fs.existsSync(path.join(dir, 'go')))
    .join(':');
  const run = (command: string, args: readonly string[], env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, ['lib/run-ts.js', command, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8' });
  const oneLine = (stderr: string) =>
    stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('tools: building') && !l.includes('cannot be trusted'));

  const cases: ReadonlyArray<{ name: string; setup: () => NodeJS.ProcessEnv; command: string; args: string[]; exit: number; says: RegExp }> = [
    {
      name: 'a cold cache on a machine without Go',
      setup: () => ({ KPP_TOOLS_CACHE: tempDir('cold-cache-'), KPP_TOOLS_LINK_DIR: tempDir('no-links-'), PATH: noGoPath }),
      command: 'verify/scripts/validate-schemas.ts',
      args: ['--env', 'dev'],
      exit: 1,
      says: /^validate: error: Go is not installed; install Go [\d.]+ or newer .* to build kubeconform/,
    },
    {
      name: 'a stale cached build on a machine without Go',
      setup: () => {
        const cache = tempDir('stale-cache-');
        fs.mkdirSync(path.join(cache, 'kubeconform-v0.7.0', 'bin'), { recursive: true });
        fs.writeFileSync(path.join(cache, 'kubeconform-v0.7.0', 'manifest.json'), JSON.stringify({ stamp: 'v0.6.0', binaries: {}, links: {} }));
        return { KPP_TOOLS_CACHE: cache, KPP_TOOLS_LINK_DIR: tempDir('no-links-'), PATH: noGoPath };
      },
      command: 'verify/scripts/validate-schemas.ts',
      args: ['--env', 'dev'],
      exit: 1,
      says: /^validate: error: Go is not installed; install Go/,
    },
    {
      name: 'a CRD mirror that is not there',
      setup: () => ({ CRD_MIRROR: '/nonexistent-crd-mirror' }),
      command: 'verify/scripts/validate-schemas.ts',
      args: ['--env', 'dev'],
      exit: 2,
      says: /^validate: error: CRD_MIRROR=\/nonexistent-crd-mirror: no such folder; point it at the CRD mirror/,
    },
    {
      name: 'an import mirror that is not there',
      setup: () => ({}),
      command: 'verify/scripts/import-crds.ts',
      args: ['--mirror', '/nonexistent-crd-mirror', '--out', '.build/never'],
      exit: 2,
      says: /^import: error: mirror folder \/nonexistent-crd-mirror does not exist/,
    },
  ];

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const result = run(c.command, c.args, c.setup());
    const lines = oneLine(result.stderr);
    expect({ exit: result.status, lines: lines.length, bug: INTERNAL_ERROR.test(result.stderr + result.stdout) }).toEqual({
      exit: c.exit,
      lines: 1,
      bug: false,
    });
    expect(lines[0]).toMatch(c.says);
  });

  test('an internal error still says so: a success without the promised line is our bug, reported as one', () => {
    // The seeded break of issue 28: what the tools command printed for a link of a multi-call binary before the fix.
    const before = { status: 0, stdout: 'argocd=/x/.tools/bin/argocd\n', stderr: '' };
    let error: unknown;
    try {
      pathFromToolsOutput('argocd-repo-server', before);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(CheckFailure);
    expect(describeError(error)).toMatch(/succeeded but printed no argocd-repo-server= line; this is a bug/);
    // A failed build is the tools command's own line, a known condition.
    expect(() => pathFromToolsOutput('helm', { status: 1, stdout: '', stderr: 'tools: error: Go is not installed; install Go 1.26\n' })).toThrow(
      CheckFailure,
    );
    expect(
      pathFromToolsOutput('argocd-repo-server', { ...before, stdout: `${before.stdout}argocd-repo-server=/x/.tools/bin/argocd-repo-server\n` }),
    ).toBe('/x/.tools/bin/argocd-repo-server');
  });
});
