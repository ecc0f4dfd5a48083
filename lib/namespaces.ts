// The generated Kubernetes API classes of cdk8s-plus-30 alone, for the ObjectMeta type.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { PodSecurityLevel } from '../config/types';
import { minorOf, VERSIONS } from '../config/versions';

export { NAMESPACES } from './namespace-names';

export type { PodSecurityLevel };

/** A namespace the platform deploys into, and what it admits. */
export interface NamespacePolicy {
  readonly name: string;
  /** The least privileged level that every pod the namespace runs passes: warned and audited, and enforced unless `enforce` says less. */
  readonly podSecurity: PodSecurityLevel;
  /** A lower level to enforce, where the environment's config chooses one with a reason (the lab's demo). */
  readonly enforce?: PodSecurityLevel;
  /** Why the level is what it is: the review reads this, and so does the test. */
  readonly why: string;
  /** HTTPRoutes in this namespace may attach to the Kong Gateway. */
  readonly routes: boolean;
  /** Istio ambient captures the namespace's traffic (seed section 4). */
  readonly ambient: boolean;
}

/**
 * The label a namespace carries when its HTTPRoutes may attach to the Gateway;
 * the Gateway's listeners select it (`allowedRoutes.namespaces.from: Selector`).
 */
export const ROUTE_NAMESPACE_LABEL = { key: 'gateway.kind-parity-platform.io/routes', value: 'allowed' } as const;

/**
 * Pod Security Admission labels: warn and audit at the namespace's level, so
 * `kubectl apply` and the audit log name a violation, and enforce it too unless
 * a lower level is chosen. The version is pinned to the cluster's minor, so an
 * upgrade cannot tighten a level unreviewed.
 */
export function podSecurityLabels(level: PodSecurityLevel, enforce: PodSecurityLevel = level): Record<string, string> {
  const version = `v${minorOf(VERSIONS.kubernetesNode)}`;
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = mode === 'enforce' ? enforce : level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

/** Istio ambient captures the pods of a namespace with this label (seed 4-1 removes it by hand). */
export const AMBIENT_LABEL = { key: 'istio.io/dataplane-mode', value: 'ambient' } as const;

/** Every label the platform sets on a namespace: Pod Security, route attachment and the mesh. */
export function namespaceLabels(policy: NamespacePolicy): Record<string, string> {
  return {
    ...podSecurityLabels(policy.podSecurity, policy.enforce),
    ...(policy.routes ? { [ROUTE_NAMESPACE_LABEL.key]: ROUTE_NAMESPACE_LABEL.value } : {}),
    ...(policy.ambient ? { [AMBIENT_LABEL.key]: AMBIENT_LABEL.value } : {}),
  };
}

/**
 * The one definition of a platform namespace's metadata: the bootstrap creates
 * kong and monitoring with the same. The common labels come from the chart
 * (PlatformChart), in both places.
 */
export function platformNamespaceMetadata(policy: NamespacePolicy): k8s.ObjectMeta {
  return {
    name: policy.name,
    labels: namespaceLabels(policy),
    annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=confirm' },
  };
}
