import { KubeObject } from '../../lib/synth';

/**
 * How Argo CD (gitops-engine) treats a manifest, written down once for the
 * hydration, the control-plane apply order and the e2e checks.
 */

export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail' | 'PostDelete';

const annotations = (object: KubeObject): Record<string, string> => ((object.metadata.annotations ?? {}) as Record<string, string>) ?? {};
const csv = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);

const HELM_HOOKS: Readonly<Record<string, SyncPhase>> = {
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};

/**
 * The phases an object runs in; empty when Argo CD never applies it during a
 * sync: `argocd.argoproj.io/hook: Skip`, and Helm hooks it does not support
 * (`test`, `pre-delete`, `pre-rollback`, ...). `crd-install` is a normal resource.
 */
export function syncPhases(object: KubeObject): SyncPhase[] {
  const a = annotations(object);
  const argo = csv(a['argocd.argoproj.io/hook']);
  if (argo.length > 0) {
    const phases = argo.filter((t): t is SyncPhase => ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'PostDelete'].includes(t));
    return argo.includes('Skip') && argo.length === 1 ? [] : phases;
  }
  const helm = csv(a['helm.sh/hook']);
  if (helm.length === 0 || (helm.length === 1 && helm[0] === 'crd-install')) return ['Sync'];
  return [...new Set(helm.map((h) => HELM_HOOKS[h]).filter((p): p is SyncPhase => !!p))];
}

export const isHook = (object: KubeObject): boolean => {
  const a = annotations(object);
  return a['argocd.argoproj.io/hook'] !== undefined || (a['helm.sh/hook'] !== undefined && a['helm.sh/hook'] !== 'crd-install');
};

/** The object's sync wave: Argo CD's annotation, else a Helm hook weight, else 0. */
export function objectWave(object: KubeObject): number {
  const a = annotations(object);
  const raw = a['argocd.argoproj.io/sync-wave'] ?? (isHook(object) ? a['helm.sh/hook-weight'] : undefined);
  const wave = raw === undefined ? 0 : Number.parseInt(raw, 10);
  return Number.isFinite(wave) ? wave : 0;
}

/** gitops-engine's kind order inside one phase and wave (pkg/sync/sync_tasks.go); other kinds follow, by name. */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodSecurityPolicy',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'SecretList',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleList',
  'ClusterRoleBinding',
  'ClusterRoleBindingList',
  'Role',
  'RoleList',
  'RoleBinding',
  'RoleBindingList',
  'Service',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
  'APIService',
];

export function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i === -1 ? KIND_ORDER.length : i;
}
