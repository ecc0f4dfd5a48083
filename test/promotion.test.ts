import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { IMAGE_TAGS } from '../config/versions';
import { copyWorkingTree } from '../verify/engines/working-tree';
import { ROOT, tempDir } from './helpers';

/**
 * Seed 10-2's order, run as a user runs it in a clone: Renovate (here, an edit) changes the head
 * of the branch, which only dev runs; `npm run promote` moves that release to stg, then to prod,
 * each as its own change. Every step asserts which files git sees changed, so "the target changes
 * and nothing else does" is what git says, not what the command says. The promotion table is
 * written to .build/reports/promotion.md.
 */
const NEW_KONG = '3.9.2';

let clone = '';
const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' }).trim();
const run = (script: string, ...args: string[]) =>
  spawnSync(process.execPath, [path.join(clone, 'lib', 'run-ts.js'), script, ...args], { cwd: clone, encoding: 'utf8' });
const changedFiles = () =>
  execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], { cwd: clone, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3))
    .sort();
const environmentsOf = (files: readonly string[]) => [...new Set(files.flatMap((f) => (f.startsWith('dist/') ? [f.split('/')[1]] : [])))].sort();
const commit = (message: string) => {
  git('add', '-A');
  git('commit', '-q', '-m', message);
};
const setHeadTag = (name: keyof typeof IMAGE_TAGS, from: string, to: string) => {
  const file = path.join(clone, 'config', 'versions.ts');
  const text = fs.readFileSync(file, 'utf8');
  const line = `${name}: '${from}'`;
  expect(text).toContain(line);
  fs.writeFileSync(file, text.replace(line, `${name}: '${to}'`));
};

const rows: string[] = [];
const record = (command: string, files: readonly string[], outcome: string) =>
  rows.push(
    `| \`${command}\` | ${environmentsOf(files).join(', ') || 'none'} | ${files.length}: ${files.filter((f) => !f.startsWith('dist/')).join(', ') || '-'} | ${outcome} |`,
  );

beforeAll(() => {
  clone = path.join(tempDir('promotion-'), 'repo');
  copyWorkingTree(ROOT, clone);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: clone });
  git('config', 'user.name', 'promotion-test');
  git('config', 'user.email', 'promotion-test@lab.local');
  commit('the working tree');
}, 60_000);

afterAll(() => {
  fs.mkdirSync(path.join(ROOT, '.build', 'reports'), { recursive: true });
  fs.writeFileSync(
    path.join(ROOT, '.build', 'reports', 'promotion.md'),
    ['| command | environments changed | files changed (besides dist/) | outcome |', '|---|---|---|---|', ...rows, ''].join('\n'),
  );
});

describe('releases per environment, promoted dev -> stg -> prod (seed 10-2)', () => {
  test("a change of the branch's pins (Renovate's) changes only dev and its variant", () => {
    setHeadTag('kongGateway', IMAGE_TAGS.kongGateway, NEW_KONG);
    expect(run('main.ts').status).toBe(0);
    const files = changedFiles();
    record(`edit IMAGE_TAGS.kongGateway -> ${NEW_KONG}; npm run synth`, files, 'dev runs the head');
    expect(environmentsOf(files)).toEqual(['dev', 'dev-no-mesh']);
    expect(files).toContain('dist/dev/apps/application-kong.yaml');
    expect(files.filter((f) => !f.startsWith('dist/'))).toEqual(['config/versions.ts']);
    commit('renovate: kong 3.9.2');
  }, 60_000);

  test("the stale check holds per environment: a hand edit of prod's release without synth names dist/prod only", () => {
    const file = path.join(clone, 'config', 'releases.json');
    const original = fs.readFileSync(file, 'utf8');
    const releases = JSON.parse(original) as Record<string, { images: Record<string, string> }>;
    releases.prod.images.kongGateway = NEW_KONG;
    fs.writeFileSync(file, `${JSON.stringify(releases, null, 2)}\n`);
    const check = run('main.ts', '--check');
    fs.writeFileSync(file, original);
    expect(check.status).toBe(2);
    expect(check.stderr).toMatch(/^synth: error: dist\/.* differs? from a fresh synth in 1 file\(s\) \(~prod\/apps\/application-kong\.yaml\)/);
    expect(check.stderr).not.toMatch(/~(dev|stg)/);
  }, 60_000);

  test.each([
    ['--from', 'dev', '--to', 'prod', /refused: prod before stg has dev's release; promote it to stg first/],
    ['--from', 'prod', '--to', 'stg', /refused: stg comes before prod in the seed's order/],
    ['--from', 'stg', '--to', 'stg', /--from and --to are both stg/],
    ['--from', 'dev-no-mesh', '--to', 'stg', /--from 'dev-no-mesh' is not one of dev, stg, prod/],
  ])(
    'refused, one line, nothing changed: promote %s %s %s %s',
    (...args) => {
      const says = args.pop() as RegExp;
      const result = run('ops/scripts/promote.ts', ...(args as string[]));
      record(`npm run promote -- ${args.join(' ')}`, changedFiles(), `refused, exit ${result.status}`);
      expect({ exit: result.status, lines: result.stderr.trim().split('\n').length, stdout: result.stdout, changed: changedFiles() }).toEqual({
        exit: 2,
        lines: 1,
        stdout: '',
        changed: [],
      });
      expect(result.stderr).toMatch(says);
    },
    60_000,
  );

  test("an uncommitted edit of the head's pins is not dev's release: refused, one line naming the file, nothing else changed", () => {
    setHeadTag('httpbin', IMAGE_TAGS.httpbin, 'v9.9.9');
    const result = run('ops/scripts/promote.ts', '--from', 'dev', '--to', 'stg');
    const changed = changedFiles();
    git('checkout', '--', 'config/versions.ts');
    record('edit IMAGE_TAGS.httpbin, uncommitted; npm run promote -- --from dev --to stg', changed, `refused, exit ${result.status}`);
    expect({ exit: result.status, lines: result.stderr.trim().split('\n').length, stdout: result.stdout, changed }).toEqual({
      exit: 2,
      lines: 1,
      stdout: '',
      changed: ['config/versions.ts'],
    });
    expect(result.stderr).toMatch(/^promote: error: refused: config\/versions\.ts has uncommitted changes, and a release is read from them/);
  }, 60_000);

  test('dev -> stg changes stg alone, and prints the rendered diff', () => {
    const result = run('ops/scripts/promote.ts', '--from', 'dev', '--to', 'stg');
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const files = changedFiles();
    record('npm run promote -- --from dev --to stg', files, 'promoted');
    expect(environmentsOf(files)).toEqual(['stg']);
    expect(files).toEqual(['config/releases.json', 'dist/stg/apps/application-kong.yaml']);
    expect(result.stdout).toMatch(new RegExp(`^\\+\\s+tag: ${NEW_KONG.replace(/\./g, '\\.')}$`, 'm'));
    expect(result.stdout).toMatch(/promote: dev's release to stg \(images\.kongGateway 3\.9\.1 -> 3\.9\.2\): 2 files changed/);
    commit('promote: dev to stg');
    const again = run('ops/scripts/promote.ts', '--from', 'dev', '--to', 'stg');
    record('npm run promote -- --from dev --to stg (again)', changedFiles(), `refused, exit ${again.status}`);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/refused: stg already runs dev's release; nothing to promote/);
  }, 60_000);

  test('stg -> prod changes prod alone', () => {
    const result = run('ops/scripts/promote.ts', '--from', 'stg', '--to', 'prod');
    expect(result.status).toBe(0);
    const files = changedFiles();
    record('npm run promote -- --from stg --to prod', files, 'promoted');
    expect(files).toEqual(['config/releases.json', 'dist/prod/apps/application-kong.yaml']);
    expect(JSON.parse(fs.readFileSync(path.join(clone, 'config', 'releases.json'), 'utf8')).prod.images.kongGateway).toBe(NEW_KONG);
    commit('promote: stg to prod');
    expect(run('main.ts', '--check').status).toBe(0);
  }, 60_000);

  test("a release the target's rules refuse (a floating app tag, where stg pins every tag) is refused and undone", () => {
    setHeadTag('httpbin', IMAGE_TAGS.httpbin, 'latest');
    expect(run('main.ts').status).toBe(0);
    commit('a floating tag at the head');
    const result = run('ops/scripts/promote.ts', '--from', 'dev', '--to', 'stg');
    record('npm run promote -- --from dev --to stg (httpbin: latest at the head)', changedFiles(), `refused, exit ${result.status}`);
    expect({ exit: result.status, lines: result.stderr.trim().split('\n').length, changed: changedFiles() }).toEqual({
      exit: 2,
      lines: 1,
      changed: [],
    });
    expect(result.stderr).toMatch(
      /refused: stg does not render with dev's release \(.*demo\.backend\.imageTag.*pinned.*\); config\/releases\.json is as it was/,
    );
  }, 60_000);
});
