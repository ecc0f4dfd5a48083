import * as fs from 'fs';
import * as path from 'path';
import { UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { VERSIONS } from '../config/versions';
import * as YAML from 'yaml';
import { chartArchive, chartArchiveMember, importPinProblems, importUrls, ImportPin } from '../verify/checks/crd-import';
import { chartMirror } from '../verify/engines/mirrors';
import { GoModuleRecipe, TOOLS } from '../verify/tools/catalog';
import { ROOT } from './helpers';

/** The version the render pins for an upstream component: its chart version or its git revision. */
function pinnedVersion(name: string): string {
  const component = UPSTREAM_COMPONENTS.find((u) => u.name === name);
  if (!component) throw new Error(`no upstream component ${name}`);
  return component.source.kind === 'helm' ? component.source.version : component.source.revision;
}

/** The `kong` chart the pinned `ingress` chart vendors, as its Chart.lock in the mirrored archive says. */
function vendoredKongChart(): string {
  const mirror = chartMirror();
  if (!mirror) throw new Error('no chart mirror (../shared/charts): the vendored kong chart version is read from it');
  const lock = YAML.parse(chartArchiveMember(mirror, chartArchive('kong'), 'ingress/Chart.lock')) as {
    dependencies: Array<{ name: string; version: string }>;
  };
  return lock.dependencies.find((d) => d.name === 'kong')!.version;
}

/** Each repository cdk8s.yaml imports CRDs from, and where its version is pinned. */
const PINS: readonly ImportPin[] = [
  { repository: 'cilium/cilium', version: pinnedVersion('cilium') },
  { repository: 'kubernetes-sigs/gateway-api', version: pinnedVersion('gateway-api-crds') },
  { repository: 'istio/istio', version: pinnedVersion('istio-base') },
  // The chart is not the app: the CRDs come from the app's release.
  { repository: 'argoproj/argo-cd', version: VERSIONS.argocd },
  { repository: 'open-policy-agent/gatekeeper', version: pinnedVersion('gatekeeper') },
  // Kong's CRDs ship in the kong chart, tagged `kong-<version>` in Kong/charts.
  { repository: 'Kong/charts', version: `kong-${vendoredKongChart()}` },
];

describe("cdk8s.yaml's CRD imports follow the pins", () => {
  const urls = importUrls(path.join(ROOT, 'cdk8s.yaml'));

  test('every import URL is at the version the render deploys', () => {
    expect(importPinProblems(urls, PINS)).toEqual([]);
    expect(urls.length).toBeGreaterThanOrEqual(PINS.length);
  });

  test('a URL one patch off, or from a repository without a pin, is caught', () => {
    const cilium = urls.find((u) => u.includes('/cilium/cilium/'))!;
    const off = cilium.replace(`/v${pinnedVersion('cilium')}/`, '/v1.19.0/');
    expect(importPinProblems([off], PINS)).toEqual([`${off}: imports v1.19.0, but the render pins ${pinnedVersion('cilium')}`]);
    expect(importPinProblems(['https://raw.githubusercontent.com/example/crds/v1/x.yaml'], PINS)).toEqual([
      expect.stringContaining('no pinned version for its repository'),
    ]);
  });
});

/** `module version` of every requirement of a go.mod. */
const requirements = (goMod: string) => [...goMod.matchAll(/^\s*(?:require\s+)?(\S+)\s+(v\S+)/gm)].map((m) => `${m[1]} ${m[2]}`);
const requiring = (goMod: string, version: string) => requirements(goMod).filter((r) => r.endsWith(` ${version}`));

describe('tools built from a committed Go module build the version the catalog names', () => {
  test.each(TOOLS.filter((t) => t.recipe.kind === 'go-module').map((t) => [t.name, t] as const))(
    "%s: its go.mod requires a module at the catalog's version",
    (_, tool) => {
      const goMod = fs.readFileSync(path.join(ROOT, 'verify', 'tools', 'go', (tool.recipe as GoModuleRecipe).dir, 'go.mod'), 'utf8');
      expect(requiring(goMod, tool.version)).not.toEqual([]);
    },
  );

  test('a catalog version that no go.mod requires is caught', () => {
    const goMod = 'module x\n\nrequire istio.io/istio v0.0.0-20260826214018-9739e10eb9d7\n';
    expect(requiring(goMod, 'v0.0.0-20260826214018-9739e10eb9d7')).toEqual(['istio.io/istio v0.0.0-20260826214018-9739e10eb9d7']);
    expect(requiring(goMod, 'v1.29.0')).toEqual([]);
  });
});
