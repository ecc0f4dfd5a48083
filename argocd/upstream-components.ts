import { EnvironmentConfig } from '../config';
import { ApplicationSpecIgnoreDifferences } from '../imports/argoproj.io';
import { SYNC_WAVES } from '../lib/waves';
import { argocdValues } from './values/argocd';
import { ciliumValues } from './values/cilium';
import { gatekeeperValues } from './values/gatekeeper';
import { istioBaseValues, istioCniValues, istiodValues, ztunnelValues } from './values/istio';
import { kongValues } from './values/kong';

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
];
