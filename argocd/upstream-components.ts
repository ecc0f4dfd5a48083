import { EnvironmentConfig, Release, UserError } from '../config';
import { RELEASES_FILE } from '../config/releases';
import { IMAGE_TAGS } from '../config/versions';
import { ApplicationSpecIgnoreDifferences } from '../imports/argoproj.io';
import { deepMerge, ImageKey, imageOverrides, mirroredRepository } from '../lib/images';
import { BOOTSTRAP_SECRETS, MIMIR_RULES } from '../lib/upstream';
import { NAMESPACES } from '../lib/namespaces';
import { Component, GroupKind } from '../lib/component';
import { SYNC_WAVES } from '../lib/waves';
import { argocdValues } from './values/argocd';
import { ciliumValues } from './values/cilium';
import { gatekeeperValues } from './values/gatekeeper';
import { grafanaValues } from './values/grafana';
import { istioBaseValues, istioCniValues, istiodValues, ztunnelValues } from './values/istio';
import { kongValues } from './values/kong';
import { alloyValues, kubeStateMetricsValues, lgtmEndpoints, lgtmInCluster, lokiValues, mimirValues, tempoValues } from './values/lgtm';

/** An upstream component that is a Helm chart: what the bootstrap installs by hand. */
export type HelmUpstream = UpstreamComponent & { readonly source: HelmChartSource };

/** A pinned Helm chart with values from a typed builder. */
export interface HelmChartSource<V = unknown> {
  readonly kind: 'helm';
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
  readonly releaseName: string;
  readonly values: (env: EnvironmentConfig) => V;
  /** Where the chart's values hold its images, for the air-gap registry (lib/images.ts). */
  readonly imageKeys: readonly ImageKey[];
}

/** Plain manifests from a pinned tag of an upstream git repository. */
export interface GitDirectorySource {
  readonly kind: 'git';
  readonly repoURL: string;
  readonly path: string;
  readonly revision: string;
}

/** An upstream component, delivered as an Argo CD Application. Its images come from its Helm render. */
export interface UpstreamComponent extends Component {
  readonly source: HelmChartSource | GitDirectorySource;
  /** Large CRDs exceed the client-side apply annotation limit (262144 bytes). */
  readonly serverSideApply: boolean;
  /** Fields the component's own controllers rewrite (webhook CA bundles). */
  readonly ignoreDifferences?: readonly ApplicationSpecIgnoreDifferences[];
  /** Namespaces besides its own that the chart renders objects into; the AppProject must allow them (checked against the renders). */
  readonly otherNamespaces?: readonly string[];
  /**
   * The cluster-scoped kinds the chart renders: its AppProject whitelists
   * exactly these. The control-plane test compares them with what the API
   * server says the render holds, so the list cannot drift.
   */
  readonly clusterKinds: readonly GroupKind[];
}

const RBAC = [
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
] as const;
const CRD = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' } as const;
const WEBHOOKS = [
  { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
  { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
] as const;

const helm = <V>(source: Omit<HelmChartSource<V>, 'kind'>): HelmChartSource => ({ kind: 'helm', ...source });

/** The values an Application carries: the typed values plus the registry mixin. */
export function helmValues(source: HelmChartSource, env: EnvironmentConfig): unknown {
  return deepMerge(source.values(env), imageOverrides(source.imageKeys, env.registry));
}

/** Webhook configurations whose caBundle the component's controller injects at runtime. */
const webhookCaBundles = (failurePolicyToo: boolean): ApplicationSpecIgnoreDifferences[] =>
  ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].map((kind) => ({
    group: 'admissionregistration.k8s.io',
    kind,
    jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle', ...(failurePolicyToo ? ['.webhooks[]?.failurePolicy'] : [])],
  }));

/**
 * `preserveUnknownFields: false` is the v1 default, so the API server does not
 * store it; a chart that writes it leaves its CRDs OutOfSync forever (Argo CD FAQ).
 */
const crdPreserveUnknownFields: ApplicationSpecIgnoreDifferences = {
  group: 'apiextensions.k8s.io',
  kind: 'CustomResourceDefinition',
  jqPathExpressions: ['.spec.preserveUnknownFields'],
};

const withIstio = (env: EnvironmentConfig) => !env.features.skipIstio;
const always = () => true;
const ISTIO_REPO = 'https://istio-release.storage.googleapis.com/charts';
const GRAFANA_REPO = 'https://grafana.github.io/helm-charts';
// renovate: datasource=helm depName=base registryUrl=https://istio-release.storage.googleapis.com/charts
const ISTIO_VERSION = '1.29.0';
const ISTIO_HUB: ImageKey = { shape: 'hub', at: 'global', hub: 'docker.io/istio' };
const repository = (at: string, image: string, also?: (registry: string) => Record<string, unknown>): ImageKey => ({
  shape: 'repository',
  at,
  repository: image,
  ...(also ? { also } : {}),
});
const registry = (at: string): ImageKey => ({ shape: 'registry', at });
/** Cilium pins its images by digest; a mirrored copy is addressed by tag. */
const cilium = (at: string, image: string) => repository(at, image, () => ({ useDigest: false }));

/** Cilium: setup.sh installs it with Helm before Argo CD, which then adopts the release. */
export const CILIUM: HelmUpstream = {
  name: 'cilium',
  namespace: NAMESPACES.kubeSystem,
  wave: SYNC_WAVES.cilium,
  enabled: always,
  // Same release name and values as the bootstrap's helm install, so Argo CD adopts it.
  otherNamespaces: ['cilium-secrets'],
  source: helm({
    repoURL: 'https://helm.cilium.io/',
    chart: 'cilium',
    // renovate: datasource=helm depName=cilium registryUrl=https://helm.cilium.io/
    version: '1.19.1',
    releaseName: 'cilium',
    values: ciliumValues,
    imageKeys: [
      cilium('image', 'quay.io/cilium/cilium'),
      cilium('operator.image', 'quay.io/cilium/operator'),
      cilium('hubble.relay.image', 'quay.io/cilium/hubble-relay'),
      cilium('hubble.ui.backend.image', 'quay.io/cilium/hubble-ui-backend'),
      cilium('hubble.ui.frontend.image', 'quay.io/cilium/hubble-ui'),
      cilium('envoy.image', 'quay.io/cilium/cilium-envoy'),
      cilium('certgen.image', 'quay.io/cilium/certgen'),
    ],
  }),
  serverSideApply: false,
  clusterKinds: [{ group: '', kind: 'Namespace' }, ...RBAC],
};

/** Argo CD: setup.sh installs it with Helm, then it manages itself from the same values. */
export const ARGOCD: HelmUpstream = {
  name: 'argocd',
  namespace: NAMESPACES.argocd,
  wave: SYNC_WAVES.argocd,
  enabled: always,
  // Argo CD manages itself from here on, with the values the bootstrap installed it with.
  source: helm({
    repoURL: 'https://argoproj.github.io/argo-helm',
    chart: 'argo-cd',
    // renovate: datasource=helm depName=argo-cd registryUrl=https://argoproj.github.io/argo-helm
    version: '9.4.5',
    releaseName: 'argocd',
    values: argocdValues,
    imageKeys: [
      repository('global.image', 'quay.io/argoproj/argocd'),
      repository('dex.image', 'ghcr.io/dexidp/dex'),
      repository('redis.image', 'ecr-public.aws.com/docker/library/redis'),
    ],
  }),
  serverSideApply: true,
  clusterKinds: [CRD, ...RBAC],
};

/** The seed's upstream components (sections 0, 1 and 12), pinned. */
export const UPSTREAM_COMPONENTS: readonly UpstreamComponent[] = [
  CILIUM,
  {
    name: 'gateway-api-crds',
    namespace: NAMESPACES.kubeSystem,
    wave: SYNC_WAVES.gatewayApiCrds,
    enabled: always,
    source: {
      kind: 'git',
      repoURL: 'https://github.com/kubernetes-sigs/gateway-api.git',
      path: 'config/crd/standard',
      // renovate: datasource=github-tags depName=kubernetes-sigs/gateway-api
      revision: 'v1.5.0',
    },
    serverSideApply: true,
    clusterKinds: [
      CRD,
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' },
    ],
  },
  {
    name: 'istio-base',
    namespace: NAMESPACES.istio,
    wave: SYNC_WAVES.istioBase,
    enabled: withIstio,
    source: helm({ repoURL: ISTIO_REPO, chart: 'base', version: ISTIO_VERSION, releaseName: 'istio-base', values: istioBaseValues, imageKeys: [] }),
    serverSideApply: true,
    clusterKinds: [CRD, { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' }],
    ignoreDifferences: webhookCaBundles(true),
  },
  {
    name: 'kong',
    namespace: NAMESPACES.kong,
    wave: SYNC_WAVES.kong,
    enabled: always,
    source: helm({
      repoURL: 'https://charts.konghq.com',
      chart: 'ingress',
      // renovate: datasource=helm depName=ingress registryUrl=https://charts.konghq.com
      version: '0.22.0',
      releaseName: 'kong',
      values: kongValues,
      imageKeys: [repository('controller.ingressController.image', 'kong/kubernetes-ingress-controller'), repository('gateway.image', 'kong')],
    }),
    serverSideApply: true,
    // IngressClass only when the cluster serves it, as Argo CD tells Helm (verify/engines/kubernetes-apis.ts).
    clusterKinds: [CRD, ...RBAC, { group: 'networking.k8s.io', kind: 'IngressClass' }],
    // Fix #7: Kong joins the mesh so its identity can be allowed on the backend.
  },
  {
    name: 'istiod',
    namespace: NAMESPACES.istio,
    wave: SYNC_WAVES.istiod,
    enabled: withIstio,
    source: helm({
      repoURL: ISTIO_REPO,
      chart: 'istiod',
      version: ISTIO_VERSION,
      releaseName: 'istiod',
      values: istiodValues,
      imageKeys: [ISTIO_HUB],
    }),
    serverSideApply: false,
    clusterKinds: [...RBAC, ...WEBHOOKS],
    ignoreDifferences: webhookCaBundles(true),
  },
  {
    name: 'istio-cni',
    namespace: NAMESPACES.istio,
    wave: SYNC_WAVES.istioCni,
    enabled: withIstio,
    source: helm({
      repoURL: ISTIO_REPO,
      chart: 'cni',
      version: ISTIO_VERSION,
      releaseName: 'istio-cni',
      values: istioCniValues,
      imageKeys: [ISTIO_HUB],
    }),
    serverSideApply: false,
    clusterKinds: [...RBAC],
  },
  {
    name: 'ztunnel',
    namespace: NAMESPACES.istio,
    wave: SYNC_WAVES.ztunnel,
    enabled: withIstio,
    // ztunnel reads `hub` at the top level, not under `global`.
    source: helm({
      repoURL: ISTIO_REPO,
      chart: 'ztunnel',
      version: ISTIO_VERSION,
      releaseName: 'ztunnel',
      values: ztunnelValues,
      imageKeys: [{ shape: 'hub', at: '', hub: 'docker.io/istio' }],
    }),
    serverSideApply: false,
    clusterKinds: [],
  },
  ARGOCD,
  {
    name: 'gatekeeper',
    namespace: NAMESPACES.gatekeeper,
    wave: SYNC_WAVES.gatekeeper,
    enabled: always,
    source: helm({
      repoURL: 'https://open-policy-agent.github.io/gatekeeper/charts',
      chart: 'gatekeeper',
      // renovate: datasource=helm depName=gatekeeper registryUrl=https://open-policy-agent.github.io/gatekeeper/charts
      version: '3.21.1',
      releaseName: 'gatekeeper',
      values: gatekeeperValues,
      imageKeys: [
        repository('image', 'openpolicyagent/gatekeeper', (r) => ({ crdRepository: mirroredRepository('openpolicyagent/gatekeeper-crds', r) })),
        repository('postInstall.labelNamespace.image', 'openpolicyagent/gatekeeper-crds'),
        repository('postUpgrade.labelNamespace.image', 'openpolicyagent/gatekeeper-crds'),
        repository('postInstall.probeWebhook.image', 'curlimages/curl'),
        repository('preUninstall.deleteWebhookConfigurations.image', 'openpolicyagent/gatekeeper-crds'),
      ],
    }),
    serverSideApply: true,
    clusterKinds: [CRD, ...RBAC, ...WEBHOOKS],
    ignoreDifferences: [...webhookCaBundles(false), crdPreserveUnknownFields],
  },
  {
    name: 'kube-state-metrics',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: always,
    // Source of the CrashLoopBackOff rollback criterion (kube_pod_container_status_waiting_reason).
    source: helm({
      repoURL: 'https://prometheus-community.github.io/helm-charts',
      chart: 'kube-state-metrics',
      // renovate: datasource=helm depName=kube-state-metrics registryUrl=https://prometheus-community.github.io/helm-charts
      version: '5.33.2',
      releaseName: 'kube-state-metrics',
      values: kubeStateMetricsValues,
      imageKeys: [registry('image')],
    }),
    serverSideApply: false,
    clusterKinds: [...RBAC],
  },
  {
    name: 'mimir',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: lgtmInCluster,
    source: helm({
      repoURL: GRAFANA_REPO,
      chart: 'mimir-distributed',
      // renovate: datasource=helm depName=mimir-distributed registryUrl=https://grafana.github.io/helm-charts
      version: '6.0.5',
      releaseName: 'mimir',
      values: (env) =>
        mimirValues(env, lgtmEndpoints(env), { configMap: MIMIR_RULES.configMap, directory: MIMIR_RULES.directory, tenant: MIMIR_RULES.tenant }),
      // Not in the chart mirror, so unverified by Helm here: the keys follow the chart's documented values.
      imageKeys: [
        repository('image', 'docker.io/grafana/mimir'),
        registry('gateway.nginx.image'),
        repository('rollout_operator.image', 'docker.io/grafana/rollout-operator'),
        repository('minio.image', 'quay.io/minio/minio'),
      ],
    }),
    serverSideApply: true,
    // Not in the chart mirror, so not checked by a render: the rollout-operator subchart's RBAC and webhooks.
    clusterKinds: [...RBAC, ...WEBHOOKS],
  },
  {
    name: 'loki',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: lgtmInCluster,
    source: helm({
      repoURL: GRAFANA_REPO,
      chart: 'loki',
      // renovate: datasource=helm depName=loki registryUrl=https://grafana.github.io/helm-charts
      version: '6.53.0',
      releaseName: 'loki',
      values: lokiValues,
      imageKeys: [
        registry('loki.image'),
        registry('lokiCanary.image'),
        registry('gateway.image'),
        registry('sidecar.image'),
        repository('memcached.image', 'memcached'),
        repository('memcachedExporter.image', 'prom/memcached-exporter'),
      ],
    }),
    serverSideApply: false,
    clusterKinds: [...RBAC],
  },
  {
    name: 'tempo',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: lgtmInCluster,
    source: helm({
      repoURL: GRAFANA_REPO,
      chart: 'tempo',
      // renovate: datasource=helm depName=tempo registryUrl=https://grafana.github.io/helm-charts
      version: '1.24.4',
      releaseName: 'tempo',
      values: (env) => tempoValues(env, lgtmEndpoints(env)),
      imageKeys: [registry('tempo')],
    }),
    serverSideApply: false,
    clusterKinds: [],
  },
  {
    name: 'alloy',
    namespace: NAMESPACES.monitoringAgents,
    wave: SYNC_WAVES.observability,
    enabled: always,
    source: helm({
      repoURL: GRAFANA_REPO,
      chart: 'alloy',
      // renovate: datasource=helm depName=alloy registryUrl=https://grafana.github.io/helm-charts
      version: '1.6.0',
      releaseName: 'alloy',
      values: (env) => alloyValues(lgtmEndpoints(env)),
      imageKeys: [registry('image'), registry('configReloader.image')],
    }),
    serverSideApply: false,
    clusterKinds: [CRD, ...RBAC],
  },
  {
    name: 'grafana',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: always,
    source: helm({
      repoURL: GRAFANA_REPO,
      chart: 'grafana',
      // renovate: datasource=helm depName=grafana registryUrl=https://grafana.github.io/helm-charts
      version: '10.5.15',
      releaseName: 'grafana',
      values: (env) => grafanaValues(env, lgtmEndpoints(env), NAMESPACES.monitoring, BOOTSTRAP_SECRETS.grafanaAdmin.name),
      imageKeys: [registry('image'), registry('sidecar.image'), registry('downloadDashboardsImage'), registry('initChownData.image')],
    }),
    serverSideApply: false,
    clusterKinds: [...RBAC],
  },
];

/** The version a component pins at the head of the branch: its chart version, or its git tag. */
const headVersion = (u: UpstreamComponent): string => (u.source.kind === 'helm' ? u.source.version : u.source.revision);

/** The release at the head of the branch: what dev runs, and what `npm run promote -- --from dev` copies. */
export const headRelease = (components: readonly UpstreamComponent[] = UPSTREAM_COMPONENTS): Release => ({
  images: { ...IMAGE_TAGS },
  components: Object.fromEntries(components.map((u) => [u.name, headVersion(u)] as const).sort(([a], [b]) => a.localeCompare(b))),
});

/** The release `env` runs: the head of the branch, or its pinned one, which must name exactly the registered components. */
export function releaseOf(env: EnvironmentConfig, components: readonly UpstreamComponent[] = UPSTREAM_COMPONENTS): Release {
  if (env.release === 'head') return headRelease(components);
  const release = env.release;
  const names = components.map((u) => u.name);
  const missing = names.filter((n) => !(n in release.components));
  const extra = Object.keys(release.components).filter((n) => !names.includes(n));
  if (missing.length > 0 || extra.length > 0)
    throw new UserError(
      `${RELEASES_FILE}: ${env.name}'s release ${missing.length > 0 ? `has no version for ${missing.join(', ')}` : `names ${extra.join(', ')}, which no upstream component is`}; promote a release that has them (npm run promote -- --to ${env.name})`,
    );
  return release;
}

/** The version of `u` that `env` runs: a chart version, or a git tag. */
export const componentVersion = (u: UpstreamComponent, env: EnvironmentConfig): string =>
  // The head's version is the component's own pin: no release to assemble for every component.
  env.release === 'head' ? headVersion(u) : releaseOf(env).components[u.name];
