import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { IMAGE_TAGS, VERSIONS } from '../config/versions';
import { importUrls } from '../verify/checks/crd-import';
import { copyWorkingTree } from '../verify/engines/working-tree';
import { TOOLS } from '../verify/tools/catalog';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * renovate.json read by Renovate itself (`renovate --platform=local
 * --dry-run=extract`, offline: it extracts, it looks nothing up): every pin
 * of the project is found, so a dependency bot can keep each one current.
 * The pins come from where the project reads them: the upstream charts and
 * git sources, the version and image-tag tables, the tool catalog, the CRD
 * import URLs.
 */
interface Dependency {
  readonly manager: string;
  readonly packageFile: string;
  readonly depName?: string;
  readonly currentValue?: string;
  readonly registryUrls?: readonly string[];
}

/** A copy of the working tree, so a test can break one file without touching the checkout. */
function copyOfTree(): string {
  const dir = path.join(tempDir('renovate-'), 'repo');
  copyWorkingTree(ROOT, dir);
  return dir;
}

function extract(repo: string): Dependency[] {
  const run = spawnSync(toolPath('renovate'), ['--platform=local', '--dry-run=extract', '--onboarding=false', '--require-config=optional'], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', RENOVATE_BASE_DIR: tempDir('renovate-base-') },
  });
  const records = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map(
      (l) => JSON.parse(l) as { packageFiles?: Record<string, Array<{ packageFile: string; deps?: Dependency[] }>>; level?: number; msg?: string },
    );
  const found = records.find((r) => r.packageFiles);
  if (run.status !== 0 || !found)
    throw new Error(
      `renovate extracted nothing (exit ${run.status}): ${
        records
          .filter((r) => (r.level ?? 0) >= 50)
          .map((r) => r.msg)
          .join('; ') || run.stderr.slice(-500)
      }`,
    );
  return Object.entries(found.packageFiles!).flatMap(([manager, files]) =>
    files.flatMap((f) => (f.deps ?? []).map((d) => ({ ...d, manager, packageFile: f.packageFile }))),
  );
}

/** Every pin, as `<where>: <name> <version>`, that no extracted dependency carries. */
function missingPins(deps: readonly Dependency[]): string[] {
  // `v1.2.3`, `1.2.3` and a pip `==1.2.3` are the same pin.
  const bare = (v: string) => v.replace(/^==/, '').replace(/^v/, '');
  const has = (version: string, where: (d: Dependency) => boolean) =>
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
    if (!has(version, (d) => d.packageFile === 'cdk8s.yaml' && d.depName === repo)) missing.push(`cdk8s.yaml: ${url}`);
  }
  return missing;
}

describe("renovate.json, read by Renovate's own extraction", () => {
  let deps: Dependency[] = [];

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
});
