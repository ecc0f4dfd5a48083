import { UPSTREAM_COMPONENTS } from '../../argocd/upstream-components';
import { ExtractedDependency } from '../engines/renovate';

/**
 * Pins that the tests require to move together, so a dependency bot must
 * bump them in one pull request: a bump of one alone fails CI. Each member is
 * recognised among Renovate's extracted dependencies by where the project
 * keeps it, so a member that is no longer extracted is caught too.
 */
export type PinMember =
  /** An upstream component's chart or git source, as argocd/upstream-components.ts pins it. */
  | { readonly upstream: string }
  /** A repository cdk8s.yaml imports CRDs from, at a tag. */
  | { readonly crdImport: string }
  /** A dependency of config/versions.ts, by its Renovate depName. */
  | { readonly versions: string }
  /** A tool's committed go.mod: one module of it, or every module it requires or replaces. */
  | { readonly goMod: string; readonly module?: string };

export interface CoupledPins {
  readonly name: string;
  /** The check that fails when one member moves without the others. */
  readonly requiredBy: string;
  readonly members: readonly PinMember[];
}

export const COUPLED_PINS: readonly CoupledPins[] = [
  {
    name: 'cilium',
    requiredBy: 'test/pins.test.ts (CRD import at the chart version; cilium-policy built from the chart version)',
    members: [{ upstream: 'cilium' }, { crdImport: 'cilium/cilium' }, { goMod: 'cilium-policy', module: 'github.com/cilium/cilium' }],
  },
  {
    name: 'istio',
    requiredBy: "test/pins.test.ts (CRD import at the charts' version); istioctl analyzes the charts' resources",
    members: [{ upstream: 'istio-base' }, { crdImport: 'istio/istio' }, { goMod: 'istioctl', module: 'istio.io/istio' }],
  },
  {
    name: 'argo-cd',
    requiredBy: "test/pins.test.ts (CRD import at the release; the argocd tool's go.mod requires the release, its replaces are Argo CD's own)",
    members: [{ versions: 'argoproj/argo-cd' }, { crdImport: 'argoproj/argo-cd' }, { upstream: 'argocd' }, { goMod: 'argocd' }],
  },
  {
    name: 'kubernetes',
    requiredBy: "test/pins.test.ts (the kubernetes tool's go.mod requires the catalog's version; its k8s.io/* replaces follow it)",
    members: [{ versions: 'k8s.io/kubernetes' }, { goMod: 'kubernetes' }],
  },
  {
    name: 'kong',
    requiredBy: 'test/pins.test.ts (CRD import at the kong chart the ingress chart vendors)',
    members: [{ upstream: 'kong' }, { crdImport: 'Kong/charts' }],
  },
  {
    name: 'gatekeeper',
    requiredBy: 'test/pins.test.ts (CRD import at the chart version)',
    members: [{ upstream: 'gatekeeper' }, { crdImport: 'open-policy-agent/gatekeeper' }],
  },
  {
    name: 'gateway-api',
    requiredBy: 'test/pins.test.ts (CRD import at the git source Argo CD syncs)',
    members: [{ upstream: 'gateway-api-crds' }, { crdImport: 'kubernetes-sigs/gateway-api' }],
  },
];

const trim = (url: string) => url.replace(/\/$/, '');

export function describeMember(m: PinMember): string {
  if ('upstream' in m) return `the ${m.upstream} upstream pin (argocd/upstream-components.ts)`;
  if ('crdImport' in m) return `the ${m.crdImport} CRD import (cdk8s.yaml)`;
  if ('versions' in m) return `${m.versions} (config/versions.ts)`;
  return m.module ? `${m.module} (verify/tools/go/${m.goMod}/go.mod)` : `every module of verify/tools/go/${m.goMod}/go.mod`;
}

export function isMember(m: PinMember, d: ExtractedDependency): boolean {
  if ('upstream' in m) {
    const component = UPSTREAM_COMPONENTS.find((u) => u.name === m.upstream);
    if (!component) throw new Error(`COUPLED_PINS names an upstream component '${m.upstream}' that argocd/upstream-components.ts does not have`);
    const s = component.source;
    if (d.packageFile !== 'argocd/upstream-components.ts') return false;
    // Charts of one release share one pin (Istio's four: ISTIO_VERSION), extracted once, under the first chart's name.
    if (s.kind === 'helm') return d.currentValue === s.version && (d.registryUrls ?? []).some((r) => trim(r) === trim(s.repoURL));
    return d.currentValue === s.revision && s.repoURL.includes(`github.com/${d.depName}`);
  }
  if ('crdImport' in m) return d.packageFile === 'cdk8s.yaml' && d.depName === m.crdImport;
  if ('versions' in m) return d.packageFile === 'config/versions.ts' && d.depName === m.versions;
  return d.packageFile === `verify/tools/go/${m.goMod}/go.mod` && (m.module ? d.depName === m.module : d.depType !== 'golang' && d.depName !== 'go');
}

const ALONE = '(no group: a pull request of its own)';
const label = (d: ExtractedDependency) => `${d.depName} ${d.currentValue ?? ''} (${d.packageFile})`.replace('  ', ' ');

/**
 * Where Renovate's grouping breaks a coupled set: a member it no longer
 * extracts, members that would land in different pull requests (or in none
 * of the set's group), and a dependency outside the set in its group.
 */
export function coupledPinProblems(
  deps: readonly ExtractedDependency[],
  groups: ReadonlyArray<string | undefined>,
  sets: readonly CoupledPins[] = COUPLED_PINS,
): string[] {
  const problems: string[] = [];
  for (const set of sets) {
    const members = new Set<number>();
    for (const m of set.members) {
      const found = deps.flatMap((d, i) => (isMember(m, d) ? [i] : []));
      if (found.length === 0) problems.push(`${set.name}: Renovate extracts no dependency that is ${describeMember(m)}`);
      for (const i of found) members.add(i);
    }
    const byGroup = new Map<string, string[]>();
    for (const i of members) {
      const group = groups[i] ?? ALONE;
      byGroup.set(group, [...(byGroup.get(group) ?? []), label(deps[i])]);
    }
    const named = [...byGroup.keys()];
    if (named.length > 1 || (named.length === 1 && groups[[...members][0]] === undefined))
      problems.push(
        `${set.name}: split over ${named.length} pull request(s), though ${set.requiredBy} needs them in one: ${[...byGroup]
          .map(([g, ds]) => `${g}: ${ds.slice(0, 3).join(', ')}${ds.length > 3 ? ` and ${ds.length - 3} more` : ''}`)
          .join('; ')}`,
      );
    const group = groups[[...members][0]];
    if (group !== undefined) {
      const strays = deps.filter((_, i) => groups[i] === group && !members.has(i)).map(label);
      if (strays.length > 0) problems.push(`${set.name}: its group '${group}' also takes ${strays.join(', ')}`);
    }
  }
  return problems;
}
