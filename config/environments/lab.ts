import { VERSIONS } from '../versions';
import { labCluster } from '../define';
import { scaleResources } from '../quantity';
import { stageOf } from '../migration-state';
import { EnforcementAction, EnvironmentConfig, GitSource, MigratedService, PolicyKey, ResourceSizes } from '../types';

/** The repository Argo CD tracks outside the Kind lab (stg, prod). Forks change this one line. */
export const LAB_GIT: GitSource = {
  repoURL: 'https://github.com/example-org/kind-parity-platform.git',
  targetRevision: 'main',
};

/** Where Kind mounts the clone that setup.sh runs from, in every node of the lab. */
export const LAB_CLONE_NODE_PATH = '/kind-parity-platform';

/**
 * The Kind lab's source: the clone itself, mounted into the cluster. HEAD is the
 * clone's checked-out branch, so a commit on it is what Argo CD syncs next. A real
 * remote is one value away: `git: LAB_GIT` (or your fork's URL).
 */
export const LAB_LOCAL_GIT: GitSource = {
  repoURL: `file://${LAB_CLONE_NODE_PATH}`,
  targetRevision: 'HEAD',
  localClone: { nodePath: LAB_CLONE_NODE_PATH },
};

/** Seed section 9: backend (httpbin) CPU 100-200m, memory 128-256Mi. */
/** Where the seed's Argo CD exercises read from: 5-1's guestbook (11-4 reads this environment's own git source). */
export const SEED_EXERCISE_REPOSITORIES = { guestbook: 'https://github.com/argoproj/argocd-example-apps' } as const;
/**
 * Where they deploy: 5-1's `test`, and `demo-helm` for 11-2 and 11-4's demo-app chart. The seed
 * installs that chart into `demo` after deleting the raw objects, but here the `demo`
 * Application owns those objects, and two owners of one Deployment revert each other forever.
 */
export const SEED_EXERCISE_NAMESPACES = ['demo-helm', 'test'] as const;

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

/** Seed section 11-3: stg doubles and prod quadruples the demo resources. */
export const times = (factor: number, sizes: ResourceSizes): ResourceSizes => scaleResources(sizes, factor);

/** Seed section 6: every policy denies. */
const DENY_ALL: Readonly<Record<PolicyKey, EnforcementAction>> = {
  denyPrivileged: 'deny',
  requireLabels: 'deny',
  requireNonRoot: 'deny',
  requireResourceLimits: 'deny',
};

/**
 * The services moving from the DC (seed 10-3), in the seed's order, with each one's stage in
 * `env` from config/migration-state.json. The demo backend is the first service moved; its DC
 * upstream is a placeholder in TEST-NET-1 (RFC 5737), which never routes.
 */
export const labMigration = (env: string): MigratedService[] => [
  { service: 'backend', dcUpstream: { address: '192.0.2.10', port: 8080 }, stage: stageOf(env, 'backend') },
];

/**
 * Seed 10-3's automatic rollback in the Kind lab: the receiver runs on the host, beside the clone
 * Argo CD reads, and Alertmanager reaches it through the gateway of Docker's `kind` network
 * (`docker network inspect kind` shows it; 172.18.0.1 unless another network took that range).
 */
export const LAB_ROLLBACK_RECEIVER = { url: 'http://172.18.0.1:9095/alerts', cidr: '172.18.0.1/32' };

/**
 * The seed's lab as every environment starts from it: the light Kind lab
 * (sections 0 to 12) with the seed's own values. Environments override what
 * differs; the name, domain and cluster follow from each environment's name.
 */
export const LAB: EnvironmentConfig = {
  name: 'lab',
  domain: 'lab-lab.local',
  team: 'platform',
  git: LAB_GIT,
  features: { light: true, skipIstio: false },
  pinnedImagesOnly: false,
  release: 'head',
  cluster: labCluster('lab', VERSIONS.kubernetesNode),
  upstream: {
    ciliumOperatorReplicas: 2,
    argocdReplicas: 1,
    argocdServerInsecure: true,
    argocdReconciliationTimeout: '180s',
    kongReplicas: 1,
    gatekeeperReplicas: 1,
    istiodReplicas: 1,
  },
  platform: {
    // Seed section 8: the lab quota.
    quota: { requestsCpu: '4', limitsCpu: '8', requestsMemory: '8Gi', limitsMemory: '16Gi', pods: 20 },
    // Seed section 8: LimitRange defaults, the same in the lab and in production.
    containerDefaults: { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '2', memory: '4Gi' } },
    backendPdbMinAvailable: 1,
  },
  security: {
    // The seed's lab: plain HTTP next to HTTPS, every UI published, the admin login.
    exposure: { httpsOnly: false, unauthenticatedUis: true, argocdAdminAccount: true },
    enforcementActions: DENY_ALL,
    requiredLabels: ['app', 'env', 'team'],
    backendL3L4Policy: true,
    backendL7Policy: false,
    backendPolicies: {
      appliedBy: 'reader',
      why: "seed 2-1 and 2-3 show the backend reachable first, then apply the policy that closes it: the reader's apply is the step",
    },
    handEdits: {
      argocd: 'keeps',
      why: "seed 4-1 removes demo's ambient label and 6-2 switches a Constraint to warn by hand, then puts them back themselves",
    },
    apiServerGuardrails: {
      validationActions: ['Audit'],
      why: "seed 6-1 and 6-2 print Gatekeeper's answers, and the API server's policies would answer first: here they only record",
    },
    demoPodSecurity: {
      enforce: 'privileged',
      why: "the seed's exercise pods (2-1, 6-1, 8-1) must reach Gatekeeper and the quota, whose answers the seed prints; restricted is still warned and audited",
    },
    defaultProject: {
      admits: 'seed-exercises',
      repositories: [SEED_EXERCISE_REPOSITORIES.guestbook],
      namespaces: [...SEED_EXERCISE_NAMESPACES],
      why: "seed 5-1, 5-2 and 11-4 create their Applications in 'default'; only their sources and namespaces",
    },
  },
  observability: {
    backends: { location: 'in-cluster' },
    replicas: {
      collector: 1,
      mimirDistributor: 1,
      mimirIngester: 1,
      mimirQuerier: 1,
      mimirQueryFrontend: 1,
      mimirStoreGateway: 1,
      mimirCompactor: 1,
      mimirRuler: 1,
      mimirGateway: 1,
      loki: 1,
      tempo: 1,
      grafana: 1,
    },
    zoneAwareReplication: false,
    mimirStorage: { kind: 'minio' },
    lokiCaches: { enabled: false, chunksMemoryMb: 256, resultsMemoryMb: 128 },
    onlineDashboards: true,
    retention: '7d',
    gatewayTraces: true,
    rollbackReceiver: LAB_ROLLBACK_RECEIVER,
  },
  demo: {
    backend: { replicas: 2, imageTag: 'latest', resources: SEED_BACKEND_RESOURCES },
    frontend: { replicas: 1, imageTag: 'latest', resources: SEED_CLIENT_RESOURCES },
    loadGenerator: {
      enabled: true,
      imageTag: 'latest',
      eastWestRequests: 50,
      northSouthRequests: 50,
      resources: SEED_LOAD_GENERATOR_RESOURCES,
    },
    migration: labMigration('dev'),
  },
};
