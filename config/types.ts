/**
 * The environment model: one typed object per environment is the only place
 * where dev, stg and prod differ. Charts receive slices of it.
 */

/** The image tags we pin ourselves (their head values: config/versions.ts IMAGE_TAGS, which satisfies this). */
export interface ImageTags {
  /** go-httpbin, the demo backend's app version. */
  readonly httpbin: string;
  /** curl: the demo frontend's and load generator's, and the platform Jobs'. */
  readonly curl: string;
  readonly kongGateway: string;
  readonly kongIngressController: string;
  /** The nginx in front of Loki and Mimir. */
  readonly nginxUnprivileged: string;
}

/** What an environment runs: the tags of our pinned images and the version of every upstream component. */
export interface Release {
  /** Tags of the images we pin (IMAGE_TAGS): the demo's apps (httpbin, curl) and our tags over upstream charts' moving ones. */
  readonly images: ImageTags;
  /** By upstream component name (argocd/upstream-components.ts): the chart version, or the git tag of a manifest folder. */
  readonly components: Readonly<Record<string, string>>;
}

/** The Pod Security Standards levels, from least to most restricted. */
export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** A Kubernetes resource quantity such as `250m`, `2`, `512Mi`. Checked at load time. */
export type Quantity = string;

export interface CpuMemory {
  readonly cpu: Quantity;
  readonly memory: Quantity;
}

export interface ResourceSizes {
  readonly requests: CpuMemory;
  readonly limits: CpuMemory;
}

/** An image tag, pinned (`v1.2.3`) or floating (`latest`, allowed outside prod). */
export interface WorkloadSettings {
  readonly replicas: number;
  readonly imageTag: string;
  readonly resources: ResourceSizes;
}

export interface LoadGeneratorSettings {
  readonly enabled: boolean;
  readonly imageTag: string;
  /** East-west calls straight to backend.demo.svc. */
  readonly eastWestRequests: number;
  /** North-south calls through the Kong proxy with `Host: api.<domain>`. */
  readonly northSouthRequests: number;
  readonly resources: ResourceSizes;
}

/**
 * Seed 10-3's Strangler Fig steps for one service, in the seed's order. Kong's
 * upstream moves from the DC to Kubernetes one service at a time, and rolls
 * back by pointing it at the DC again.
 */
export type MigrationStage =
  /** Step 2: Kubernetes runs the service with no traffic; Kong's upstream stays on the DC. */
  | { readonly name: 'deployed' }
  /** Step 3: a temporary host (`<temporaryHost>.<domain>`) reaches Kubernetes only, for internal checks; the public route stays on the DC. */
  | { readonly name: 'internal-check'; readonly temporaryHost: string }
  /** Step 4: the per-service switch, as a share of requests (100 is switched). */
  | { readonly name: 'switching'; readonly kubernetesPercent: number }
  /** Step 4's rollback: every request to the DC again, and the alert (or person) that asked for it. */
  | { readonly name: 'rolled-back'; readonly reason: string }
  /** Step 5: the DC servers are returned; the route sends to Kubernetes only and the DC Service is gone. */
  | { readonly name: 'dc-retired' };

export type MigrationStageName = MigrationStage['name'];

/** A service on its way from the DC to Kubernetes (seed 10-3). */
export interface MigratedService {
  /** The Kubernetes Service in the demo namespace that takes the traffic over (a route's backend). */
  readonly service: string;
  /** Where Kong sent the service's traffic before the move: a DC server's IPv4 address and port. */
  readonly dcUpstream: { readonly address: string; readonly port: number };
  /** Where the move stands in this environment: `config/migration-state.json`, which a rollback commit changes. */
  readonly stage: MigrationStage;
}

export interface DemoSettings {
  readonly backend: WorkloadSettings;
  readonly frontend: WorkloadSettings;
  readonly loadGenerator: LoadGeneratorSettings;
  /** Services on their way from the DC to Kubernetes, each behind a weighted route, in the seed's migration order (lowest risk first). */
  readonly migration: readonly MigratedService[];
}

/** Hard limits of the `demo` namespace ResourceQuota (seed section 8). */
export interface QuotaSettings {
  readonly requestsCpu: Quantity;
  readonly limitsCpu: Quantity;
  readonly requestsMemory: Quantity;
  readonly limitsMemory: Quantity;
  readonly pods: number;
}

export interface PlatformSettings {
  readonly quota: QuotaSettings;
  /** LimitRange defaults injected into containers that declare no resources. */
  readonly containerDefaults: ResourceSizes;
  readonly backendPdbMinAvailable: number;
}

/** The seed's setup.sh switches, kept as data so every render is reproducible. */
/** Gatekeeper's enforcement modes (seed lab 6-2). */
export type EnforcementAction = 'deny' | 'warn' | 'dryrun';

/** The four seed policies by key; the keys of POLICY_TEMPLATES in policies/templates.ts. */
export type PolicyKey = 'denyPrivileged' | 'requireLabels' | 'requireNonRoot' | 'requireResourceLimits';

/** How the platform's UIs face users through the Kong Gateway (seed section 3). */
export interface ExposureSettings {
  /**
   * Routes attach to the HTTPS listener only, and plain HTTP answers every
   * host with a redirect to HTTPS, so no login travels in clear text. Off, the
   * lab also serves plain HTTP, as the seed's walkthrough does.
   */
  readonly httpsOnly: boolean;
  /** Publish the UIs that have no login of their own, Hubble UI and Kong Manager; the lab only. */
  readonly unauthenticatedUis: boolean;
  /** Argo CD's local `admin` account; production signs in through SSO (Dex or OIDC) instead. */
  readonly argocdAdminAccount: boolean;
}

export interface SecuritySettings {
  readonly exposure: ExposureSettings;
  /** enforcementAction of each Constraint. */
  readonly enforcementActions: Readonly<Record<PolicyKey, EnforcementAction>>;
  /** Labels K8sRequireLabels demands (seed: app, env, team). */
  readonly requiredLabels: readonly string[];
  /** `backend-allow-frontend-only` (seed lab 2-1). */
  readonly backendL3L4Policy: boolean;
  /**
   * `backend-l7-http-policy` (seed lab 2-3). Cilium cannot parse HTTP inside
   * Istio mTLS, so this needs `features.skipIstio`; validation enforces it.
   */
  readonly backendL7Policy: boolean;
  /** Who applies the backend's ingress policies of seed 2-1 and 2-3, chosen per environment with its reason. */
  readonly backendPolicies: BackendPolicies;
  /** What Argo CD does with the seed's hand edits of what it owns (4-1, 6-2), chosen per environment with its reason. */
  readonly handEdits: HandEdits;
  /** The Pod Security level enforced in demo, chosen per environment with its reason; restricted is always warned and audited. */
  readonly demoPodSecurity: DemoPodSecurity;
  /** What Argo CD's `default` project admits, chosen per environment with its reason. */
  readonly defaultProject: DefaultProjectSetting;
  /** What the API server itself does with a violation of the Gatekeeper policies, chosen per environment with its reason. */
  readonly apiServerGuardrails: ApiServerGuardrails;
}

/** What a ValidatingAdmissionPolicyBinding does with a violation: refuse it, warn the client, or record it in the audit log. */
export type ValidationAction = 'Deny' | 'Warn' | 'Audit';

/**
 * The Gatekeeper policies enforced by the API server too, as ValidatingAdmissionPolicies in CEL
 * (policies/templates.ts), so a guardrail holds while Gatekeeper's webhook is down (its
 * failurePolicy is Ignore). The API server runs these before any webhook: where they deny, their
 * message answers, not Gatekeeper's. A Constraint set to warn or dryrun is never enforced harder
 * here (Warn, Audit).
 */
export interface ApiServerGuardrails {
  /** For Constraints that deny. Deny and Warn cannot go together (the API server refuses it). */
  readonly validationActions: readonly ValidationAction[];
  /** One line: why these actions here. */
  readonly why: string;
}

/**
 * Argo CD creates `default` unrestricted, and every child of ours names its own
 * project. Seed 5-1, 5-2 and 11-4 create Applications in `default`: the lab
 * opens it to exactly those (their repositories, this environment's own git
 * source, their namespaces); elsewhere it admits nothing.
 */
export type DefaultProjectSetting =
  | { readonly admits: 'nothing'; readonly why: string }
  | {
      readonly admits: 'seed-exercises';
      /** Repositories besides this environment's own git source (which holds 11-4's chart). */
      readonly repositories: readonly string[];
      /** The only namespaces its Applications may deploy to. */
      readonly namespaces: readonly string[];
      readonly why: string;
    };

/**
 * Seed 2-1 and 2-3 first show the backend reachable (test-cnp's 200, POST allowed), then apply the
 * policy that closes it. Policies add up: an allow in place first can never be taken back by the
 * exercise's policy, so the "before" needs the backend's ingress selected by no policy at all.
 * `argocd`: the policies sync with the platform, and the backend admits only its callers from the
 * first sync. `reader`: the backend's ingress stays open (only the default deny of its callers'
 * egress stands) until the reader applies 2-1's policy or `lab/01-cilium/policies/backend-l7-policy.yaml`.
 */
export interface BackendPolicies {
  readonly appliedBy: 'argocd' | 'reader';
  /** One line: why here. */
  readonly why: string;
}

/**
 * Seed 4-1 removes demo's ambient label and 6-2 patches a Constraint's enforcementAction by hand;
 * selfHeal would undo either within seconds. `reverts`: it does (production). `keeps`: the owning
 * Applications ignore exactly those fields (ignoreDifferences with RespectIgnoreDifferences), so the
 * edit stays until the reader undoes it, as the seed does.
 */
export interface HandEdits {
  readonly argocd: 'reverts' | 'keeps';
  /** One line: why here. */
  readonly why: string;
}

/**
 * What Pod Security enforces where the seed's exercises create pods. The seed's test
 * pods (2-1's test-cnp, 6-1's busybox pods) set runAsNonRoot and no seccomp profile or
 * capability drop, which restricted refuses, and Pod Security answers before Gatekeeper:
 * the lab enforces less so that the exercises see the seed's answers, prod enforces restricted.
 */
export interface DemoPodSecurity {
  readonly enforce: PodSecurityLevel;
  /** One line: why this level here. */
  readonly why: string;
}

export interface FeatureSwitches {
  /** `--light`: the smallest footprint that still works on a laptop Kind cluster. */
  readonly light: boolean;
  /** `--skip-istio`: render nothing that belongs to, or refers to, Istio. */
  readonly skipIstio: boolean;
}

/** The cluster the environment runs on; the lab runs every environment on Kind. */
export interface ClusterSettings {
  /** Kind cluster name; nodes are `<name>-control-plane`, `<name>-worker`, ... */
  readonly name: string;
  /** Kind node image (the seed's Kubernetes: VERSIONS.kubernetesNode). */
  readonly nodeImage: string;
  readonly workers: number;
  /** API server address Cilium uses, since there is no kube-proxy to reach the Service VIP. */
  readonly apiServerHost: string;
  readonly apiServerPort: number;
  /**
   * The loopback address Kind publishes the lab's host ports on (80, 443, Kong Manager's 30329).
   * One per Kind lab, so two labs run side by side on one machine; the hosts line points there.
   */
  readonly hostAddress: string;
}

/** Replica counts and modes of the upstream charts. */
export interface UpstreamSettings {
  readonly ciliumOperatorReplicas: number;
  /** Argo CD server, application controller, repo server and ApplicationSet replicas (seed 5 and 10-1: 1 in the lab, 2 each in prod). */
  readonly argocdReplicas: number;
  /** Serve the Argo CD UI over plain HTTP behind Kong (lab only). */
  readonly argocdServerInsecure: boolean;
  /** How often Argo CD compares git with the cluster without a webhook (`timeout.reconciliation`, Argo CD's default 180s). */
  readonly argocdReconciliationTimeout: string;
  /** Kong gateway (proxy) replicas (seed 3 and 10: 1 in the lab, 2 behind the L4 switch's VIP in production). */
  readonly kongReplicas: number;
  /** Gatekeeper controller-manager replicas (seed Q&A: 3 or more in production). */
  readonly gatekeeperReplicas: number;
  /** istiod replicas: a fixed count, no autoscaler (ignored with skipIstio). */
  readonly istiodReplicas: number;
}

/** Replica counts of the LGTM stack: the smallest working set in light mode, HA in prod. */
export interface ObservabilityReplicas {
  readonly collector: number;
  readonly mimirDistributor: number;
  readonly mimirIngester: number;
  readonly mimirQuerier: number;
  readonly mimirQueryFrontend: number;
  readonly mimirStoreGateway: number;
  readonly mimirCompactor: number;
  readonly mimirRuler: number;
  readonly mimirGateway: number;
  readonly loki: number;
  readonly tempo: number;
  readonly grafana: number;
}

/**
 * Where Mimir keeps its blocks. Mimir's filesystem backend is for a single
 * process; separate ingesters, store-gateways, compactor and queriers must
 * share an object store: the chart's own MinIO in the lab, an S3-compatible
 * service in production.
 */
export type ObjectStorage =
  | { readonly kind: 'minio' }
  | {
      readonly kind: 's3';
      /** `host[:port]` of the S3-compatible endpoint, without scheme. */
      readonly endpoint: string;
      readonly region: string;
      /** Buckets are `<prefix>-blocks`, `<prefix>-ruler`, `<prefix>-alertmanager`. */
      readonly bucketPrefix: string;
      /** Secret in the monitoring namespace with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, created outside git. */
      readonly credentialsSecret: string;
    };

/** Loki's memcached caches; the chart's default of 8 GiB per chunks cache does not fit a lab node. */
export interface LokiCacheSettings {
  readonly enabled: boolean;
  readonly chunksMemoryMb: number;
  readonly resultsMemoryMb: number;
}

/**
 * Where the LGTM backends run. Seed 10-1 and 10-3: production keeps Mimir,
 * Loki and Tempo outside Kubernetes on purpose, so monitoring survives a
 * cluster outage; the lab runs them in the cluster.
 */
export type ObservabilityBackends =
  | { readonly location: 'in-cluster' }
  | {
      readonly location: 'external';
      /** Mimir's base URL: `/api/v1/push`, `/otlp`, `/prometheus` and the ruler API live under it. */
      readonly mimir: string;
      /** Loki's base URL: `/loki/api/v1/push` and `/otlp` live under it. */
      readonly loki: string;
      /** Tempo's OTLP gRPC endpoint, `host:port`. */
      readonly tempoOtlpGrpc: string;
      /** Tempo's query URL (Grafana's datasource). */
      readonly tempoQuery: string;
    };

export interface ObservabilitySettings {
  readonly backends: ObservabilityBackends;
  readonly replicas: ObservabilityReplicas;
  readonly mimirStorage: ObjectStorage;
  readonly lokiCaches: LokiCacheSettings;
  /** Spread Mimir ingesters and store-gateways over three zones (needs 3+ replicas). */
  readonly zoneAwareReplication: boolean;
  /** grafana.com dashboards by gnetId (seed 12-5); off when the cluster cannot reach the internet. */
  readonly onlineDashboards: boolean;
  /** Retention of metrics and logs (seed: 7 days). */
  readonly retention: string;
  /**
   * Kong traces every request of each route to the collector (seed 7-1): the traces Tempo shows per
   * service, and the RED metrics the collector derives from them, which the rollback rules read.
   * Off, Kong only passes trace context through.
   */
  readonly gatewayTraces: boolean;
  /**
   * Seed 10-3's automatic rollback: where Alertmanager sends rollback alerts. The receiver
   * (`npm run rollback-receiver`) runs beside the git clone Argo CD reads, and commits the
   * rollback a person would make; without it, rollback alerts only show in Grafana.
   */
  readonly rollbackReceiver?: RollbackReceiver;
}

export interface RollbackReceiver {
  /** Alertmanager's webhook URL for the receiver. */
  readonly url: string;
  /** The receiver's address as Cilium sees it (an IPv4 CIDR): Alertmanager's egress allows it on the URL's port. */
  readonly cidr: string;
}

export interface GitSource {
  /** The repository Argo CD tracks: a real remote (your fork), or `file://<nodePath>` for the lab's own clone. */
  readonly repoURL: string;
  readonly targetRevision: string;
  /**
   * The Kind lab only: Argo CD reads the clone that setup.sh runs from, so a local commit is what
   * it syncs, with no fork and no push. Kind mounts the clone at `nodePath` in every node, and the
   * repo-server mounts it there through a PersistentVolume (a hostPath volume in the pod itself would
   * need a privileged namespace). `repoURL` is then `file://<nodePath>`.
   */
  readonly localClone?: LocalClone;
}

export interface LocalClone {
  /** Absolute path of the clone inside the Kind nodes and the repo-server. */
  readonly nodePath: string;
}

/**
 * The air gap of seed section 12 for sources: where Argo CD fetches upstream
 * charts and git repositories when it cannot reach the internet.
 */
export interface SourceMirrors {
  /** Base URL of a Helm repository mirror laid out as `<repoURL without scheme>/` (Harbor's chart repository). */
  readonly charts?: string;
  /** Base URL under which upstream git repositories are mirrored as `<host>/<path>` (an internal GitLab). */
  readonly git?: string;
}

export interface EnvironmentConfig {
  /** A DNS label; `dist/<name>/`, the Kind cluster `lab-<name>` and the domain `lab-<name>.local` follow from it. */
  readonly name: string;
  /** Base domain; hosts are `<service>.<domain>`, e.g. `api.lab-dev.local`. */
  readonly domain: string;
  /** Value of the `team` label that the label policy requires. */
  readonly team: string;
  readonly git: GitSource;
  readonly features: FeatureSwitches;
  /**
   * The environment this one is a rendered variant of, with its own `dist/`
   * folder and root Application: `setup.sh --env <variantOf> --skip-istio`
   * brings up the variant whose `features.skipIstio` is true.
   */
  readonly variantOf?: string;
  /**
   * Air-gapped registry (seed section 12, Harbor). When set, every image this
   * project renders is pulled from `<registry>/<repository>:<tag>` instead.
   */
  readonly registry?: string;
  readonly mirrors?: SourceMirrors;
  /** Reject floating tags such as `latest` (seed 11-3: production pins every tag). */
  readonly pinnedImagesOnly: boolean;
  /**
   * The release the environment runs (config/releases.ts): `head`, the pins of the branch (what
   * Renovate and developers change), or a pinned release, read from config/releases.json, which
   * only `npm run promote` moves (seed 10-2: dev, then stg, then prod). A variant runs its base's.
   */
  readonly release: 'head' | Release;
  readonly cluster: ClusterSettings;
  readonly upstream: UpstreamSettings;
  readonly platform: PlatformSettings;
  readonly security: SecuritySettings;
  readonly observability: ObservabilitySettings;
  readonly demo: DemoSettings;
  /**
   * The management role: this environment's Argo CD also runs other clusters, each from its own
   * dist/<environment>/, through one ApplicationSet (seed 11: environments branch by ApplicationSet).
   */
  readonly fleet?: FleetSettings;
}

/**
 * A cluster the management Argo CD runs. Registering one is this entry; its credentials are an
 * Argo CD cluster Secret created outside git (README: "One Argo CD, many clusters"), labelled
 * `kind-parity-platform/cluster: <name>`, which the ApplicationSet's cluster generator selects.
 */
export interface FleetCluster {
  /** Argo CD's name for the cluster: its Secret's `name`, and the name of its generated Application and AppProject. */
  readonly name: string;
  /** The environment it runs: the folders of dist/<environment>/. */
  readonly environment: string;
  /** Its API server as the management cluster reaches it (`https://host:port`): its AppProject allows only this destination. */
  readonly server: string;
}

export interface FleetSettings {
  readonly clusters: readonly FleetCluster[];
  /**
   * Our rendered components each cluster syncs from the management Argo CD, one source per
   * folder of dist/<environment>/. The child Applications of the App-of-Apps target the cluster
   * they run in, so each cluster's own Argo CD keeps the rest until they render for a remote one.
   */
  readonly components: readonly string[];
}
