import { ClusterSettings, EnforcementAction, GitSource, PolicyKey, ResourceSizes } from '../types';
import { scaleResources } from '../quantity';

/** The repository Argo CD tracks. Forks change this one line. */
export const LAB_GIT: GitSource = {
  repoURL: 'https://github.com/example-org/kind-parity-platform.git',
  targetRevision: 'main',
};

/** Seed section 9: backend (httpbin) CPU 100-200m, memory 128-256Mi. */
export const SEED_BACKEND_RESOURCES: ResourceSizes = {
  requests: { cpu: '100m', memory: '128Mi' },
  limits: { cpu: '200m', memory: '256Mi' },
};

/** The curl client: the seed gives none, so it gets the smallest useful box. */
export const SEED_CLIENT_RESOURCES: ResourceSizes = {
  requests: { cpu: '10m', memory: '16Mi' },
  limits: { cpu: '100m', memory: '64Mi' },
};

export const SEED_LOAD_GENERATOR_RESOURCES: ResourceSizes = {
  requests: { cpu: '50m', memory: '32Mi' },
  limits: { cpu: '200m', memory: '64Mi' },
};

/** Seed section 8: LimitRange defaults, the same in the lab and in production. */
export const LAB_CONTAINER_DEFAULTS: ResourceSizes = {
  requests: { cpu: '250m', memory: '512Mi' },
  limits: { cpu: '2', memory: '4Gi' },
};

/** Seed section 11-3: stg doubles and prod quadruples the demo resources. */
export const times = (factor: number, sizes: ResourceSizes): ResourceSizes => scaleResources(sizes, factor);

/** Seed section 6: every policy denies. */
export const DENY_ALL: Readonly<Record<PolicyKey, EnforcementAction>> = {
  denyPrivileged: 'deny',
  requireLabels: 'deny',
  requireNonRoot: 'deny',
  requireResourceLimits: 'deny',
};

export const SEED_REQUIRED_LABELS = ['app', 'env', 'team'] as const;

/** Seed section 0: Kind, 1 control plane + 2 workers, Kubernetes v1.35.0. */
export function labCluster(env: string): ClusterSettings {
  const name = `lab-${env}`;
  return { name, nodeImage: 'kindest/node:v1.35.0', workers: 2, apiServerHost: `${name}-control-plane`, apiServerPort: 6443 };
}
