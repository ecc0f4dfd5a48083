import { EnvironmentConfig } from '../config';
import { ApplicationSpecIgnoreDifferences } from '../imports/argoproj.io';
import { SYNC_WAVES } from '../lib/waves';
import { argocdValues } from './values/argocd';
import { ciliumValues } from './values/cilium';
import { gatekeeperValues } from './values/gatekeeper';
import { istioBaseValues, istioCniValues, istiodValues, ztunnelValues } from './values/istio';
import { kongValues } from './values/kong';
import { grafanaValues } from './values/grafana';
import { alloyValues, kubeStateMetricsValues, LGTM_ENDPOINTS, lokiValues, mimirValues, tempoValues } from './values/lgtm';
import { MIMIR_RULES } from '../charts/mimir-rules';
import { MONITORING_NAMESPACE } from '../lib/upstream';

/** A pinned Helm chart with values from a typed builder. */
export interface HelmChartSource<V = unknown> {
  readonly kind: 'helm';
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
  readonly releaseName: string;
  readonly values: (env: EnvironmentConfig) => V;
}

/** Plain manifests from a pinned tag of an upstream git repository. */
export interface GitDirectorySource {
  readonly kind: 'git';
  readonly repoURL: string;
  readonly path: string;
  readonly revision: string;
}

/** An upstream component, delivered as an Argo CD Application. */
export interface UpstreamComponent {
  readonly name: string;
  readonly namespace: string;
  readonly wave: number;
  readonly enabled: (env: EnvironmentConfig) => boolean;
  readonly source: HelmChartSource | GitDirectorySource;
  /** Large CRDs exceed the client-side apply annotation limit (262144 bytes). */
  readonly serverSideApply: boolean;
  /** Fields the component's own controllers rewrite (webhook CA bundles). */
  readonly ignoreDifferences?: readonly ApplicationSpecIgnoreDifferences[];
  readonly namespaceLabels?: (env: EnvironmentConfig) => Record<string, string>;
  /** Every image the pinned version deploys (seed section 12-2), for mirroring. */
  readonly images: readonly string[];
}

const helm = <V>(source: Omit<HelmChartSource<V>, 'kind'>): HelmChartSource => ({ kind: 'helm', ...source });

/** Webhook configurations whose caBundle the component's controller injects at runtime. */
const webhookCaBundles = (failurePolicyToo: boolean): ApplicationSpecIgnoreDifferences[] =>
  ['ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration'].map((kind) => ({
    group: 'admissionregistration.k8s.io',
    kind,
    jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle', ...(failurePolicyToo ? ['.webhooks[]?.failurePolicy'] : [])],
  }));

const withIstio = (env: EnvironmentConfig) => !env.features.skipIstio;
const always = () => true;
const ISTIO_REPO = 'https://istio-release.storage.googleapis.com/charts';
const GRAFANA_REPO = 'https://grafana.github.io/helm-charts';
const ISTIO_VERSION = '1.29.0';

/** The seed's upstream components (sections 0, 1 and 12), pinned. */
export const UPSTREAM_COMPONENTS: readonly UpstreamComponent[] = [
  {
    name: 'cilium',
    namespace: 'kube-system',
    wave: SYNC_WAVES.cilium,
    enabled: always,
    // Same release name and values as the bootstrap's helm install, so Argo CD adopts it.
    source: helm({ repoURL: 'https://helm.cilium.io/', chart: 'cilium', version: '1.19.1', releaseName: 'cilium', values: ciliumValues }),
    serverSideApply: false,
    images: [
      'quay.io/cilium/cilium:v1.19.1',
      'quay.io/cilium/operator-generic:v1.19.1',
      'quay.io/cilium/hubble-relay:v1.19.1',
      'quay.io/cilium/hubble-ui-backend:v0.13.3',
      'quay.io/cilium/hubble-ui:v0.13.3',
      'quay.io/cilium/certgen:v0.3.2',
      'quay.io/cilium/cilium-envoy:v1.31.5-1742306043-95dcc258b0448b2ef1445466e60a0e7dcdc6b85f',
    ],
  },
  {
    name: 'gateway-api-crds',
    namespace: 'kube-system',
    wave: SYNC_WAVES.gatewayApiCrds,
    enabled: always,
    source: { kind: 'git', repoURL: 'https://github.com/kubernetes-sigs/gateway-api.git', path: 'config/crd/standard', revision: 'v1.5.0' },
    serverSideApply: true,
    images: [],
  },
  {
    name: 'istio-base',
    namespace: 'istio-system',
    wave: SYNC_WAVES.istioBase,
    enabled: withIstio,
    source: helm({ repoURL: ISTIO_REPO, chart: 'base', version: ISTIO_VERSION, releaseName: 'istio-base', values: istioBaseValues }),
    serverSideApply: true,
    ignoreDifferences: webhookCaBundles(true),
    images: [],
  },
  {
    name: 'kong',
    namespace: 'kong',
    wave: SYNC_WAVES.kong,
    enabled: always,
    source: helm({ repoURL: 'https://charts.konghq.com', chart: 'ingress', version: '0.22.0', releaseName: 'kong', values: kongValues }),
    serverSideApply: true,
    // Fix #7: Kong joins the mesh so its identity can be allowed on the backend.
    namespaceLabels: (env): Record<string, string> => (env.features.skipIstio ? {} : { 'istio.io/dataplane-mode': 'ambient' }),
    images: ['docker.io/kong:3.9', 'docker.io/kong/kubernetes-ingress-controller:3.5'],
  },
  {
    name: 'istiod',
    namespace: 'istio-system',
    wave: SYNC_WAVES.istiod,
    enabled: withIstio,
    source: helm({ repoURL: ISTIO_REPO, chart: 'istiod', version: ISTIO_VERSION, releaseName: 'istiod', values: istiodValues }),
    serverSideApply: false,
    ignoreDifferences: webhookCaBundles(true),
    images: ['docker.io/istio/pilot:1.29.0'],
  },
  {
    name: 'istio-cni',
    namespace: 'istio-system',
    wave: SYNC_WAVES.istioCni,
    enabled: withIstio,
    source: helm({ repoURL: ISTIO_REPO, chart: 'cni', version: ISTIO_VERSION, releaseName: 'istio-cni', values: istioCniValues }),
    serverSideApply: false,
    images: ['docker.io/istio/install-cni:1.29.0'],
  },
  {
    name: 'ztunnel',
    namespace: 'istio-system',
    wave: SYNC_WAVES.ztunnel,
    enabled: withIstio,
    source: helm({ repoURL: ISTIO_REPO, chart: 'ztunnel', version: ISTIO_VERSION, releaseName: 'ztunnel', values: ztunnelValues }),
    serverSideApply: false,
    images: ['docker.io/istio/ztunnel:1.29.0'],
  },
  {
    name: 'argocd',
    namespace: 'argocd',
    wave: SYNC_WAVES.argocd,
    enabled: always,
    // Argo CD manages itself from here on, with the values the bootstrap installed it with.
    source: helm({ repoURL: 'https://argoproj.github.io/argo-helm', chart: 'argo-cd', version: '9.4.5', releaseName: 'argocd', values: argocdValues }),
    serverSideApply: true,
    images: ['quay.io/argoproj/argocd:v3.3.2', 'ghcr.io/dexidp/dex:v2.44.0', 'public.ecr.aws/docker/library/redis:8.2.3-alpine'],
  },
  {
    name: 'gatekeeper',
    namespace: 'gatekeeper-system',
    wave: SYNC_WAVES.gatekeeper,
    enabled: always,
    source: helm({
      repoURL: 'https://open-policy-agent.github.io/gatekeeper/charts',
      chart: 'gatekeeper',
      version: '3.21.1',
      releaseName: 'gatekeeper',
      values: gatekeeperValues,
    }),
    serverSideApply: true,
    ignoreDifferences: webhookCaBundles(false),
    images: ['docker.io/openpolicyagent/gatekeeper:v3.21.1', 'docker.io/openpolicyagent/gatekeeper-crds:v3.21.1'],
  },
  {
    name: 'kube-state-metrics',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: always,
    // Source of the CrashLoopBackOff rollback criterion (kube_pod_container_status_waiting_reason).
    source: helm({
      repoURL: 'https://prometheus-community.github.io/helm-charts',
      chart: 'kube-state-metrics',
      version: '5.33.2',
      releaseName: 'kube-state-metrics',
      values: kubeStateMetricsValues,
    }),
    serverSideApply: false,
    images: ['registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.15.0'],
  },
  {
    name: 'mimir',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: always,
    source: helm({
      repoURL: GRAFANA_REPO,
      chart: 'mimir-distributed',
      version: '6.0.5',
      releaseName: 'mimir',
      values: (env) => mimirValues(env, LGTM_ENDPOINTS, { configMap: MIMIR_RULES.configMap, directory: MIMIR_RULES.directory, tenant: MIMIR_RULES.tenant }),
    }),
    serverSideApply: true,
    images: ['docker.io/grafana/mimir:3.0.1', 'docker.io/nginxinc/nginx-unprivileged:1.29-alpine', 'docker.io/grafana/rollout-operator:v0.32.0'],
  },
  {
    name: 'loki',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: always,
    source: helm({ repoURL: GRAFANA_REPO, chart: 'loki', version: '6.53.0', releaseName: 'loki', values: lokiValues }),
    serverSideApply: false,
    images: ['docker.io/grafana/loki:3.6.5', 'docker.io/grafana/loki-canary:3.6.5', 'docker.io/nginxinc/nginx-unprivileged:1.29-alpine'],
  },
  {
    name: 'tempo',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: always,
    source: helm({ repoURL: GRAFANA_REPO, chart: 'tempo', version: '1.24.4', releaseName: 'tempo', values: (env) => tempoValues(env, LGTM_ENDPOINTS) }),
    serverSideApply: false,
    images: ['docker.io/grafana/tempo:2.9.0'],
  },
  {
    name: 'alloy',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: always,
    source: helm({ repoURL: GRAFANA_REPO, chart: 'alloy', version: '1.6.0', releaseName: 'alloy', values: (env) => alloyValues(env, LGTM_ENDPOINTS) }),
    serverSideApply: false,
    images: ['docker.io/grafana/alloy:v1.13.0', 'quay.io/prometheus-operator/prometheus-config-reloader:v0.81.0'],
  },
  {
    name: 'grafana',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: always,
    source: helm({ repoURL: GRAFANA_REPO, chart: 'grafana', version: '10.5.15', releaseName: 'grafana', values: (env) => grafanaValues(env, LGTM_ENDPOINTS, MONITORING_NAMESPACE) }),
    serverSideApply: false,
    images: ['docker.io/grafana/grafana:12.3.1', 'docker.io/kiwigrid/k8s-sidecar:1.30.9'],
  },
];
