/**
 * The flow table: every connection the platform needs, and the connections
 * that must be refused, per environment. It is the traffic fact that the
 * rendered policies (topology/index.ts: demoTraffic, monitoringTraffic, and
 * charts/backend-network-policies.ts) must implement; npm test asks Cilium's
 * own policy engine for each flow's verdict (test/network-policies.test.ts).
 */
import { lgtmEndpoints, lgtmInCluster } from '../argocd/values/lgtm';
import { EnvironmentConfig } from '../config';
import { NAMESPACES } from '../lib/namespaces';
import { BACKEND_CONTAINER_PORT, HBONE_PORT, OTEL_COLLECTOR_NAME, OTLP_PORTS, SEED_TEST_POD } from '../lib/traffic';
import { CLUSTER_DNS_POD, GRAFANA_POD, KONG_PROXY_CONTAINER_PORT, KONG_PROXY_POD_LABELS, UPSTREAM_SERVICES } from '../lib/upstream';
import { BACKEND_SELECTOR, frontendTier } from './index';

/**
 * A pod: those of the render are found by `pods` (which must select exactly one
 * workload of the namespace, whose full labels and ServiceAccount then count);
 * a pod nobody renders carries `startedBy`, and its labels are all it has.
 */
export interface FlowPod {
  readonly name: string;
  readonly namespace: string;
  readonly pods: Readonly<Record<string, string>>;
  readonly startedBy?: string;
  readonly serviceAccount?: string;
}

/** The API server, as Cilium sees it after translating the kubernetes Service: an entity, not an address. */
export interface FlowEntity {
  readonly name: string;
  readonly entity: 'kube-apiserver';
}

/** An address outside the cluster's pods. */
export interface FlowAddress {
  readonly name: string;
  readonly address: string;
}

export type FlowEndpoint = FlowPod | FlowEntity | FlowAddress;

export interface Flow {
  readonly from: FlowEndpoint;
  readonly to: FlowEndpoint;
  /** The pod's port, as policies see it once Cilium has translated the Service. */
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly expect: 'allowed' | 'denied';
  /** For a refused flow, the side whose policy must refuse it, where that is the point (seed 2-1: the backend's own policy). */
  readonly refusedAt?: 'ingress';
  /** The request, where the destination's policy has HTTP rules: the proxy judges it. */
  readonly http?: { readonly method: string; readonly path: string };
  /** What the flow is for, or why it is refused; the seed's exercise where it has one. */
  readonly why: string;
  /**
   * The seed's exercise steps (`2-1.6`: exercise 2-1, step 6) whose outcome needs a dataplane but whose
   * policy verdict is this flow's: Cilium's engine judges it in npm test, a step that succeeds as allowed.
   */
  readonly seedSteps?: readonly string[];
}

const pod = (name: string, namespace: string, pods: Readonly<Record<string, string>>, extra: Partial<FlowPod> = {}): FlowPod => ({
  name,
  namespace,
  pods,
  ...extra,
});

const FRONTEND = pod('frontend', NAMESPACES.demo, { app: 'frontend' });
const LOAD_GENERATOR = pod('load-generator', NAMESPACES.demo, { app: 'load-generator' });
const BACKEND = pod('backend', NAMESPACES.demo, BACKEND_SELECTOR);
const KONG_PROXY = pod('kong-proxy', NAMESPACES.kong, KONG_PROXY_POD_LABELS);
const COLLECTOR = pod('otel-collector', NAMESPACES.monitoring, { 'app.kubernetes.io/name': OTEL_COLLECTOR_NAME });
const ALERTMANAGER = pod('alertmanager', NAMESPACES.monitoring, { 'app.kubernetes.io/name': 'alertmanager' });
const GRAFANA = pod('grafana', NAMESPACES.monitoring, GRAFANA_POD.labels);
const LOKI = pod('loki', NAMESPACES.monitoring, { 'app.kubernetes.io/name': 'loki', 'app.kubernetes.io/component': 'single-binary' });
const TEMPO = pod('tempo', NAMESPACES.monitoring, { 'app.kubernetes.io/name': 'tempo' });
const KUBE_STATE_METRICS = pod('kube-state-metrics', UPSTREAM_SERVICES.kubeStateMetrics.namespace, {
  'app.kubernetes.io/name': 'kube-state-metrics',
});
const ALLOY = pod('alloy', NAMESPACES.monitoringAgents, { 'app.kubernetes.io/name': 'alloy' });
const CLUSTER_DNS = pod('kube-dns', CLUSTER_DNS_POD.namespace, CLUSTER_DNS_POD.labels, {
  startedBy: "kubeadm: Kind's CoreDNS, which no chart of ours renders",
  serviceAccount: 'coredns',
});
/** The mimir-distributed chart is not in the chart mirror (verify/checks/unavailable-charts.ts): its gateway's labels, as its templates set them. */
const MIMIR_GATEWAY = pod(
  'mimir-gateway',
  NAMESPACES.monitoring,
  { 'app.kubernetes.io/name': 'mimir', 'app.kubernetes.io/instance': 'mimir', 'app.kubernetes.io/component': 'gateway' },
  { startedBy: 'the mimir-distributed chart, which the chart mirror lacks', serviceAccount: 'mimir' },
);
const SEED_2_1_TEST_POD = pod(`${SEED_TEST_POD.name} (seed 2-1)`, NAMESPACES.demo, SEED_TEST_POD.labels, {
  startedBy: 'seed exercise 2-1',
  serviceAccount: SEED_TEST_POD.serviceAccount,
});
const STRANGER = pod('stranger', 'default', { app: 'stranger' }, { startedBy: 'any pod of a namespace the platform does not own' });
const KUBE_APISERVER: FlowEntity = { name: 'kube-apiserver', entity: 'kube-apiserver' };
/** Where external LGTM endpoints resolve (TEST-NET-3: an address outside every cluster). */
const EXTERNAL = { name: 'external (203.0.113.10)', address: '203.0.113.10' };
/** Istio ambient SNATs the kubelet's probes to this link-local address. */
const AMBIENT_PROBES = { name: 'kubelet probe (ambient)', address: '169.254.7.127' };

const urlPort = (url: string) => Number(new URL(url).port || (url.startsWith('https:') ? 443 : 80));

/** Every flow of the environment, intended and refused. */
export function flowTable(env: EnvironmentConfig): Flow[] {
  const mesh = !env.features.skipIstio;
  const l7 = env.security.backendL7Policy;
  const tcp = (from: FlowEndpoint, to: FlowEndpoint, port: number, expect: Flow['expect'], why: string, http?: Flow['http']): Flow => ({
    from,
    to,
    port,
    protocol: 'TCP',
    expect,
    why,
    ...(http ? { http } : {}),
  });
  const get = (path: string) => (l7 ? { method: 'GET', path } : undefined);
  const tier = frontendTier(env).map((labels) => (labels.app === 'load-generator' ? LOAD_GENERATOR : FRONTEND));
  const e = lgtmEndpoints(env);
  const rollbackReceiver = env.observability.rollbackReceiver;
  const receiver = rollbackReceiver && {
    name: `rollback receiver (${rollbackReceiver.cidr})`,
    address: rollbackReceiver.cidr.split('/')[0],
    url: rollbackReceiver.url,
  };
  const external = lgtmInCluster(env)
    ? []
    : [...new Set([urlPort(e.mimirPush), Number(e.tempoOtlpGrpc.split(':').pop())])].map((port) =>
        tcp(COLLECTOR, EXTERNAL, port, 'allowed', 'the collector exports to the external LGTM endpoints'),
      );
  return [
    // The demo app (seed sections 2, 3 and 14).
    ...tier.map((client) => ({
      ...tcp(client, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'the frontend tier calls the API (seed 2-1)', get('/get')),
      ...(client === FRONTEND ? { seedSteps: l7 ? ['2-3.3'] : ['2-1.1', '2-1.5', '2-2.2', '2-2.5'] } : {}),
    })),
    tcp(KONG_PROXY, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'the Gateway routes api.<domain> to the backend (seed 3)'),
    ...tier.map((client) =>
      tcp(client, KONG_PROXY, KONG_PROXY_CONTAINER_PORT, 'allowed', 'the frontend tier calls the API through the Gateway (seed 14)'),
    ),
    ...(mesh
      ? [
          tcp(KONG_PROXY, BACKEND, HBONE_PORT, 'allowed', 'ambient: the Gateway reaches the backend through HBONE'),
          ...tier.map((client) => tcp(client, BACKEND, HBONE_PORT, 'allowed', 'ambient: the frontend tier reaches the backend through HBONE')),
          tcp(AMBIENT_PROBES, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', "ambient: the kubelet's probes, SNATed by ztunnel"),
        ]
      : []),
    ...(l7
      ? [
          {
            ...tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'seed 2-3: GET of an allowed path passes', get('/status/200')),
            seedSteps: ['2-1.1', '2-1.5', '2-2.2', '2-2.5', '2-3.2'],
          },
          {
            ...tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'seed 2-3: POST is refused by the L7 policy', {
              method: 'POST',
              path: '/post',
            }),
            seedSteps: ['2-3.4'],
          },
          {
            ...tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'seed 2-3: /delay/.* is refused by the L7 policy', get('/delay/1')),
            seedSteps: ['2-3.5'],
          },
        ]
      : []),
    // The seed's point: the backend's own policy refuses the test pod, whatever its egress allows.
    {
      ...tcp(SEED_2_1_TEST_POD, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'seed 2-1: only the frontend reaches the backend', get('/status/200')),
      refusedAt: 'ingress',
      seedSteps: ['2-1.6'],
    },
    ...(mesh ? [{ ...tcp(SEED_2_1_TEST_POD, BACKEND, HBONE_PORT, 'denied', 'seed 2-1, through HBONE'), refusedAt: 'ingress' as const }] : []),
    { ...tcp(STRANGER, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'default deny in demo'), refusedAt: 'ingress' },
    tcp(KONG_PROXY, BACKEND, 9090, 'denied', 'the Gateway reaches only the API port'),
    tcp(BACKEND, EXTERNAL, 443, 'denied', 'the demo app does not reach the internet'),
    tcp(BACKEND, KUBE_APISERVER, 6443, 'denied', 'the demo app does not read the Kubernetes API'),
    // DNS and telemetry.
    { from: BACKEND, to: CLUSTER_DNS, port: CLUSTER_DNS_POD.port, protocol: 'UDP', expect: 'allowed', why: 'DNS from demo' },
    { from: COLLECTOR, to: CLUSTER_DNS, port: CLUSTER_DNS_POD.port, protocol: 'TCP', expect: 'allowed', why: 'DNS from monitoring' },
    { from: BACKEND, to: CLUSTER_DNS, port: 5353, protocol: 'UDP', expect: 'denied', why: 'only the DNS port' },
    tcp(BACKEND, COLLECTOR, OTLP_PORTS.grpc, 'allowed', 'OTLP gRPC to the collector (seed 7-1)'),
    tcp(FRONTEND, COLLECTOR, OTLP_PORTS.http, 'allowed', 'OTLP HTTP to the collector (seed 7-1)'),
    tcp(KONG_PROXY, COLLECTOR, OTLP_PORTS.http, 'allowed', "the Gateway's traces to the collector"),
    tcp(COLLECTOR, EXTERNAL, 22, 'denied', 'the collector reaches only the export ports'),
    ...(lgtmInCluster(env)
      ? [
          tcp(COLLECTOR, TEMPO, OTLP_PORTS.grpc, 'allowed', 'the collector exports traces to Tempo'),
          tcp(COLLECTOR, LOKI, 3100, 'allowed', 'the collector exports logs to Loki'),
          tcp(ALLOY, LOKI, 3100, 'allowed', 'Alloy pushes node logs to Loki (seed 7)'),
          tcp(ALLOY, MIMIR_GATEWAY, 8080, 'allowed', 'Alloy pushes metrics to Mimir (seed 7)'),
          tcp(GRAFANA, LOKI, 3100, 'allowed', 'Grafana queries Loki'),
        ]
      : external),
    // The UIs and the Kubernetes API.
    tcp(KONG_PROXY, GRAFANA, GRAFANA_POD.port, 'allowed', 'the Gateway publishes grafana.<domain> (seed 3)'),
    tcp(ALERTMANAGER, GRAFANA, GRAFANA_POD.port, 'allowed', 'within monitoring'),
    tcp(GRAFANA, KUBE_APISERVER, 6443, 'allowed', "Grafana's sidecar reads dashboards from the API"),
    tcp(KUBE_STATE_METRICS, KUBE_APISERVER, 6443, 'allowed', 'kube-state-metrics watches the API'),
    tcp(ALLOY, KUBE_STATE_METRICS, UPSTREAM_SERVICES.kubeStateMetrics.ports.http, 'allowed', 'Alloy scrapes kube-state-metrics (seed 7)'),
    { ...tcp(STRANGER, GRAFANA, GRAFANA_POD.port, 'denied', 'default deny in monitoring'), refusedAt: 'ingress' },
    tcp(FRONTEND, GRAFANA, GRAFANA_POD.port, 'denied', 'the demo app does not reach Grafana'),
    tcp(GRAFANA, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'monitoring does not reach the demo app'),
    ...(lgtmInCluster(env) ? [tcp(GRAFANA, EXTERNAL, 443, 'denied', 'in-cluster backends: no egress to the internet')] : []),
    // Seed 10-3's automatic rollback: Alertmanager alone calls the receiver, on its port alone.
    ...(receiver
      ? [
          tcp(ALERTMANAGER, receiver, urlPort(receiver.url), 'allowed', 'seed 10-3: Alertmanager calls the rollback receiver'),
          tcp(ALERTMANAGER, receiver, 22, 'denied', 'the receiver is reached on its webhook port only'),
          tcp(GRAFANA, receiver, urlPort(receiver.url), 'denied', 'only Alertmanager calls the rollback receiver'),
        ]
      : []),
  ];
}

export const flowLabel = (f: Flow): string =>
  `${f.from.name} -> ${f.to.name}:${f.port}/${f.protocol}${f.http ? ` ${f.http.method} ${f.http.path}` : ''}`;
