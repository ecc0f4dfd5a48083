import * as esbuild from 'esbuild';
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';
import * as semver from 'semver';
import { ROOT } from './helpers';

/**
 * The Node versions package.json admits are ones every direct dependency
 * admits too, so `npm ci && npm test` cannot fail on a Node that `engines`
 * allows (ESLint 10 needs ^20.19, ^22.13 or >=24); `.nvmrc` names one of them.
 */
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const project = readJson(path.join(ROOT, 'package.json'));
const ours: string = project.engines.node;

/** The direct dependencies whose own `engines.node` does not admit every version `range` admits. */
function narrowerDependencies(range: string): string[] {
  return Object.keys({ ...project.dependencies, ...project.devDependencies }).flatMap((name) => {
    const theirs: string | undefined = readJson(path.join(ROOT, 'node_modules', name, 'package.json')).engines?.node;
    return theirs && !semver.subset(range, theirs) ? [`${name} needs ${theirs}`] : [];
  });
}

describe('engines.node and .nvmrc', () => {
  test(`${ours} is admitted by every direct dependency`, () => {
    expect(narrowerDependencies(ours)).toEqual([]);
  });

  test('a range wider than a dependency admits is caught (the old >=20 against ESLint 10)', () => {
    expect(narrowerDependencies('>=20')).toEqual(expect.arrayContaining([expect.stringMatching(/^eslint needs /)]));
  });

  test('.nvmrc pins one Node version inside the range', () => {
    const pinned = fs.readFileSync(path.join(ROOT, '.nvmrc'), 'utf8').trim();
    expect(semver.valid(pinned)).toBe(pinned);
    expect(semver.satisfies(pinned, ours)).toBe(true);
  });
});

describe('what the commands a user runs import at run time is a dependency, so `npm ci --omit=dev` keeps them working', () => {
  /** The packages an entry point imports, as esbuild (the runner of every npm script) resolves its bundle. */
  const packagesOf = (entry: string): string[] => {
    const built = esbuild.buildSync({
      entryPoints: [path.join(ROOT, entry)],
      bundle: true,
      platform: 'node',
      packages: 'external',
      metafile: true,
      write: false,
      logLevel: 'silent',
    });
    const names = Object.values(built.metafile.inputs).flatMap((input) =>
      input.imports
        .filter((i) => i.external && /^[@a-z]/.test(i.path) && !i.path.startsWith('node:') && !builtinModules.includes(i.path))
        .map((i) =>
          i.path
            .split('/')
            .slice(0, i.path.startsWith('@') ? 2 : 1)
            .join('/'),
        ),
    );
    return [...new Set(names)].sort();
  };
  const runtime = Object.keys(project.dependencies);

  test.each(['main.ts', 'ops/scripts/promote.ts', 'ops/scripts/rollback.ts', 'ops/scripts/rollback-receiver.ts'])('%s', (entry) => {
    expect(packagesOf(entry).filter((name) => !runtime.includes(name))).toEqual([]);
  });

  test('the runner itself (lib/run-ts.js bundles every entry with esbuild)', () => {
    expect(fs.readFileSync(path.join(ROOT, 'lib/run-ts.js'), 'utf8')).toContain("require('esbuild')");
    expect(runtime).toContain('esbuild');
  });

  test('seeded break: with the diff library back among the devDependencies, as it was, promote is found wanting it', () => {
    const asBefore = runtime.filter((name) => name !== 'diff');
    expect(packagesOf('ops/scripts/promote.ts').filter((name) => !asBefore.includes(name))).toEqual(['diff']);
  });
});
