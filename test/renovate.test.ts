import * as fs from 'fs';
import * as path from 'path';
import { UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { IMAGE_TAGS, VERSIONS } from '../config/versions';
import { importUrls } from '../verify/checks/crd-import';
import { copyWorkingTree } from '../verify/engines/working-tree';
import { TOOLS } from '../verify/tools/catalog';
import { ROOT, tempDir } from './helpers';
import { COUPLED_PINS, coupledPinProblems } from '../verify/checks/coupled-pins';
import { ExtractedDependency, extractDependencies, renovateGroups } from '../verify/engines/renovate';

/**
 * renovate.json read by Renovate itself (`renovate --platform=local
 * --dry-run=extract`, offline: it extracts, it looks nothing up): every pin
 * of the project is found, so a dependency bot can keep each one current.
 * The pins come from where the project reads them: the upstream charts and
 * git sources, the version and image-tag tables, the tool catalog, the CRD
 * import URLs.
 */
/** A copy of the working tree, so a test can break one file without touching the checkout. */
function copyOfTree(): string {
  const dir = path.join(tempDir('renovate-'), 'repo');
  copyWorkingTree(ROOT, dir);
  return dir;
}

const extract = (repo: string) => extractDependencies(ROOT, repo, tempDir('renovate-base-'));

/** Every pin, as `<where>: <name> <version>`, that no extracted dependency carries. */
function missingPins(deps: readonly ExtractedDependency[]): string[] {
  // `v1.2.3`, `1.2.3` and a pip `==1.2.3` are the same pin.
  const bare = (v: string) => v.replace(/^==/, '').replace(/^v/, '');
  const has = (version: string, where: (d: ExtractedDependency) => boolean) =>
    deps.some((d) => where(d) && d.currentValue !== undefined && bare(d.currentValue) === bare(version));
  const missing: string[] = [];
  for (const u of UPSTREAM_COMPONENTS) {
    const s = u.source;
    if (s.kind === 'helm') {
      // Charts of one release share one pin (Istio's four charts: ISTIO_VERSION), found under one of their names.
      if (!has(s.version, (d) => (d.registryUrls ?? []).some((r) => r.replace(/\/$/, '') === s.repoURL.replace(/\/$/, ''))))
        missing.push(`chart: ${s.chart} ${s.version} (${s.repoURL})`);
    } else if (!has(s.revision, (d) => s.repoURL.includes(`github.com/${d.depName}`))) missing.push(`git source: ${s.repoURL} ${s.revision}`);
  }
  for (const [name, version] of Object.entries({ ...VERSIONS, ...IMAGE_TAGS }))
    if (!has(version, (d) => d.packageFile === 'config/versions.ts')) missing.push(`config/versions.ts: ${name} ${version}`);
  for (const tool of TOOLS) if (!has(tool.version, () => true)) missing.push(`tool: ${tool.name} ${tool.version}`);
  for (const url of importUrls(path.join(ROOT, 'cdk8s.yaml'))) {
    const [, repo, version] = /raw\.githubusercontent\.com\/([^/]+\/[^/]+)\/([^/]+)\//.exec(url) ?? [];
    // A tag with a prefix (Kong/charts' `kong-3.0.2`) is extracted as its version, the prefix stripped by the manager.
    const tagged = (d: ExtractedDependency) => d.packageFile === 'cdk8s.yaml' && d.depName === repo;
    if (
      !has(version, tagged) &&
      !deps.some(
        (d) => tagged(d) && d.currentValue && version.endsWith(d.currentValue) && /^[A-Za-z]+-$/.test(version.slice(0, -d.currentValue.length)),
      )
    )
      missing.push(`cdk8s.yaml: ${url}`);
  }
  return missing;
}

describe("renovate.json, read by Renovate's own extraction", () => {
  let deps: ExtractedDependency[] = [];

  test('every pin is found: charts, git sources, versions, image tags, tools and CRD imports', () => {
    deps = extract(copyOfTree());
    const managers = [...new Set(deps.map((d) => d.manager))].sort();
    expect(managers).toEqual(expect.arrayContaining(['github-actions', 'gomod', 'npm', 'nvm', 'pip_requirements', 'regex']));
    expect(missingPins(deps)).toEqual([]);
    const pins = UPSTREAM_COMPONENTS.length + Object.keys({ ...VERSIONS, ...IMAGE_TAGS }).length + TOOLS.length;
    process.stdout.write(`renovate: ${deps.length} dependencies extracted; all ${pins} project pins found (${managers.join(', ')})\n`);
  });

  test('seeded break: a pin whose annotation is removed is no longer found, and the test names it', () => {
    const repo = copyOfTree();
    const file = path.join(repo, 'config', 'versions.ts');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^\s*\/\/ renovate: datasource=docker depName=curlimages\/curl\n/m, ''));
    expect(missingPins(extract(repo))).toEqual([`config/versions.ts: curl ${IMAGE_TAGS.curl}`]);
  });

  test("every set of pins the tests require to move together lands in one pull request, by Renovate's own package rules", () => {
    const groups = renovateGroups(ROOT, ROOT, deps);
    expect(coupledPinProblems(deps, groups)).toEqual([]);
    const sizes = COUPLED_PINS.map((set) => `${set.name} ${groups.filter((g) => g === set.name).length}`);
    process.stdout.write(`renovate: coupled groups (dependencies in each): ${sizes.join(', ')}\n`);
  });

  test('seeded break: a rule that no longer names the Go module splits Cilium, and the test names the pull requests', () => {
    const repo = copyOfTree();
    const file = path.join(repo, 'renovate.json');
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('"github.com/cilium/cilium"', '"github.com/cilium/cilium-not"'));
    expect(coupledPinProblems(deps, renovateGroups(ROOT, repo, deps))).toEqual([
      expect.stringMatching(
        /^cilium: split over 2 pull request\(s\).*cilium: .*\(no group: a pull request of its own\): github\.com\/cilium\/cilium v/,
      ),
    ]);
  });

  test('every action of every workflow is pinned by digest, with its tag beside it for Renovate to keep current', () => {
    const actions = deps.filter((d) => d.manager === 'github-actions' && d.depType === 'action');
    expect(actions.length).toBeGreaterThan(0);
    expect(
      actions
        .filter((d) => !/^[0-9a-f]{40}$/.test(d.currentDigest ?? '') || !/^v\d/.test(d.currentValue ?? ''))
        .map((d) => `${d.packageFile}: ${d.depName}`),
    ).toEqual([]);
  });
});
