// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';

/** Distroless `nonroot` user: any numeric UID works, and a numeric one lets kubelet verify runAsNonRoot. */
export const NON_ROOT_UID = 65532;

/** Pod-level context that satisfies K8sRequireNonRoot (it checks the pod, as the seed's message says). */
export function restrictedPodSecurityContext(): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NON_ROOT_UID,
    runAsGroup: NON_ROOT_UID,
    fsGroup: NON_ROOT_UID,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level context: never privileged, no escalation, no capabilities, read-only root. */
export function restrictedContainerSecurityContext(): k8s.SecurityContext {
  return {
    privileged: false,
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ['ALL'] },
  };
}

/**
 * Scratch space per container (logs, /tmp if mounted). Bounded so one pod
 * filling a node's disk is evicted alone instead of taking the node down.
 */
export const EPHEMERAL_STORAGE = { request: '64Mi', limit: '256Mi' } as const;

interface Sizes {
  requests: { cpu: string; memory: string };
  limits: { cpu: string; memory: string };
}

/** CPU and memory, as the environment config sizes them. */
export function resourceRequirements(sizes: Sizes): k8s.ResourceRequirements {
  const q = k8s.Quantity.fromString;
  return {
    requests: { cpu: q(sizes.requests.cpu), memory: q(sizes.requests.memory) },
    limits: { cpu: q(sizes.limits.cpu), memory: q(sizes.limits.memory) },
  };
}

/** What our containers declare: CPU and memory from the config, plus bounded scratch space. */
export function containerResources(sizes: Sizes): k8s.ResourceRequirements {
  const base = resourceRequirements(sizes);
  const q = k8s.Quantity.fromString;
  return {
    requests: { ...base.requests, 'ephemeral-storage': q(EPHEMERAL_STORAGE.request) },
    limits: { ...base.limits, 'ephemeral-storage': q(EPHEMERAL_STORAGE.limit) },
  };
}

/**
 * The ServiceAccount of one of our workloads, with no token: none of them calls
 * the API server, and an unmounted token is one less credential in the pod.
 * Its pods set `automountServiceAccountToken: false` as well, as the restricted
 * checks read the pod.
 */
export function tokenlessServiceAccount(scope: Construct, name: string, namespace: string, labels: Record<string, string>): k8s.KubeServiceAccount {
  return new k8s.KubeServiceAccount(scope, 'sa', { metadata: { name, namespace, labels }, automountServiceAccountToken: false });
}
