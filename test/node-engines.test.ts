import * as fs from 'fs';
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
