/**
 * The flow table: every connection the platform needs, and the connections
 * that must be refused, per environment, at the port the caller dials (the
 * pod's port, once Cilium has translated the Service). It is the traffic fact
 * that the rendered policies (topology/index.ts: demoTraffic,
 * monitoringTraffic, and charts/backend-network-policies.ts) and the mesh
 * (charts/mesh-security.ts) must implement together: npm test asks Cilium's
 * own policy engine, behind the mesh's rule (verify/engines/mesh-rules.ts: HBONE
 * between meshed pods, STRICT mTLS, the backend's AuthorizationPolicy), for
 * each flow's verdict (test/network-policies.test.ts).
 *
 * Where the reader applies the backend's policies (security.backendPolicies),
 * the table also holds the states the seed's exercises bring: after seed 2-1's
 * policy, and after 2-3's policy file.
 */
import { lgtmInCluster } from '../../argocd/values/lgtm';
import { EnvironmentConfig } from '../../config';
import { NAMESPACES } from '../../lib/namespaces';
import { BACKEND_CONTAINER_PORT, OTEL_COLLECTOR_NAME, OTLP_PORTS } from '../../lib/traffic';
import { SEED_TEST_POD } from '../exercises/seed-manifests';
import { ARGOCD_PODS, CLUSTER_DNS_POD, GRAFANA_POD, KONG_PROXY_CONTAINER_PORT, KONG_PROXY_POD_LABELS, UPSTREAM_SERVICES } from '../../lib/upstream';
import { BACKEND_SELECTOR } from '../../topology/index';
import { UNKNOWN_EXTERNAL_ADDRESS } from '../engines/connections';
import { AMBIENT_PROBE_ADDRESS } from '../engines/mesh-rules';

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

/** A Cilium entity: the API server after Cilium translated the kubernetes Service, or the world outside. */
export interface FlowEntity {
  readonly name: string;
  readonly entity: 'kube-apiserver' | 'world';
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
  /** The pod's port the caller dials, as policies see it once Cilium has translated the Service; inside the mesh Cilium sees HBONE's instead. */
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly expect: 'allowed' | 'denied';
  /** For a refused flow, what must refuse it, where that is the point (seed 2-1: the backend's own policy). */
  readonly refusedBy?: 'egress' | 'ingress' | 'mesh' | 'proxy';
  /** The request, where the destination's policy has HTTP rules: the proxy judges it. */
  readonly http?: { readonly method: string; readonly path: string };
  /** What the flow is for, or why it is refused; the seed's exercise where it has one. */
  readonly why: string;
}

/** A state of the cluster the seed's exercises bring: the render plus what the reader applied. */
export interface ExerciseState {
  readonly name: string;
  /** What the reader changed, by the seed's step: a policy applied, or demo taken out of the mesh. */
  readonly applies: 'seed 2-1 policy' | 'seed 2-3 policy file' | 'seed 4-1 ambient label removed';
  readonly flows: readonly Flow[];
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
const argocdPod = (name: keyof typeof ARGOCD_PODS, flowName: string) => pod(flowName, NAMESPACES.argocd, ARGOCD_PODS[name].labels);
const ARGOCD_SERVER = argocdPod('server', 'argocd-server');
const ARGOCD_REPO_SERVER = argocdPod('repoServer', 'argocd-repo-server');
const ARGOCD_REDIS = argocdPod('redis', 'argocd-redis');
const ARGOCD_DEX = argocdPod('dex', 'argocd-dex-server');
const ARGOCD_CONTROLLER = argocdPod('applicationController', 'argocd-application-controller');
const ARGOCD_APPSET = argocdPod('applicationSetController', 'argocd-applicationset-controller');
const ARGOCD_NOTIFICATIONS = argocdPod('notificationsController', 'argocd-notifications-controller');
const KUBE_APISERVER: FlowEntity = { name: 'kube-apiserver', entity: 'kube-apiserver' };
/** Where external LGTM endpoints resolve (TEST-NET-3: an address outside every cluster). */
const EXTERNAL = { name: `external (${UNKNOWN_EXTERNAL_ADDRESS})`, address: UNKNOWN_EXTERNAL_ADDRESS };
/** Istio ambient SNATs the kubelet's probes to this link-local address. */
const AMBIENT_PROBES = { name: `kubelet probe (ambient, ${AMBIENT_PROBE_ADDRESS})`, address: AMBIENT_PROBE_ADDRESS };

const urlPort = (url: string) => Number(new URL(url).port || (url.startsWith('https:') ? 443 : 80));

const tcp = (from: FlowEndpoint, to: FlowEndpoint, port: number, expect: Flow['expect'], why: string, extra: Partial<Flow> = {}): Flow => ({
  from,
  to,
  port,
  protocol: 'TCP',
  expect,
  why,
  ...extra,
});

/**
 * The backend's callers that no config names: the frontend (with the L7 policy, a GET of an allowed path) and the
 * kubelet's probes. The load generator's calls and the Gateway's route are configured, so derived
 * (./configured-connections.ts).
 */
function backendCallers(env: EnvironmentConfig, l7: boolean): Flow[] {
  const get = (path: string) => (l7 ? { http: { method: 'GET', path } } : {});
  return [
    tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'the frontend calls the API (seed 2-1)', get('/get')),
    ...(env.features.skipIstio
      ? []
      : [tcp(AMBIENT_PROBES, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', "ambient: the kubelet's probes, SNATed by ztunnel")]),
  ];
}

/** Argo CD's own traffic: what its components need, and what the isolation of its namespace refuses. */
function argocdFlows(env: EnvironmentConfig): Flow[] {
  const [server, repo, redis, dex] = [
    ARGOCD_PODS.server.ports[0],
    ARGOCD_PODS.repoServer.ports[0],
    ARGOCD_PODS.redis.ports[0],
    ARGOCD_PODS.dex.ports[0],
  ];
  const fleetPorts = [...new Set((env.fleet?.clusters ?? []).map((c) => urlPort(c.server)))];
  return [
    tcp(STRANGER, ARGOCD_SERVER, server, 'denied', "any other pod: Argo CD's API in plain HTTP is the Gateway's alone", { refusedBy: 'ingress' }),
    tcp(FRONTEND, ARGOCD_SERVER, server, 'denied', 'the demo app does not reach Argo CD'),
    tcp(ARGOCD_NOTIFICATIONS, ARGOCD_REPO_SERVER, repo, 'allowed', 'the notifications controller reads the repo-server'),
    tcp(ARGOCD_DEX, ARGOCD_REPO_SERVER, repo, 'denied', 'Dex has no business with the repo-server', { refusedBy: 'ingress' }),
    tcp(ARGOCD_DEX, ARGOCD_REDIS, redis, 'denied', 'only the server, the repo-server and the controller use redis', { refusedBy: 'ingress' }),
    tcp(ARGOCD_CONTROLLER, ARGOCD_DEX, dex, 'denied', 'only the server calls Dex', { refusedBy: 'ingress' }),
    tcp(ARGOCD_CONTROLLER, KUBE_APISERVER, 6443, 'allowed', 'the application controller applies and watches'),
    tcp(ARGOCD_SERVER, KUBE_APISERVER, 6443, 'allowed', 'the server reads Applications and resources'),
    tcp(ARGOCD_APPSET, KUBE_APISERVER, 6443, 'allowed', 'the ApplicationSet controller writes Applications'),
    tcp(ARGOCD_REPO_SERVER, EXTERNAL, 80, 'denied', 'sources are fetched over HTTPS only'),
    tcp(ARGOCD_SERVER, EXTERNAL, 443, 'allowed', 'the server reaches the identity provider (oidc.config)'),
    tcp(ARGOCD_DEX, EXTERNAL, 443, 'allowed', "Dex reaches the identity provider's connector"),
    tcp(ARGOCD_REDIS, EXTERNAL, 443, 'denied', 'redis reaches nothing outside'),
    tcp(ARGOCD_SERVER, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'Argo CD does not reach the workloads it deploys'),
    ...fleetPorts.map((port) =>
      tcp(ARGOCD_CONTROLLER, EXTERNAL, port, 'allowed', "the application controller runs the fleet's clusters (their API servers)"),
    ),
    ...(fleetPorts.includes(6443)
      ? []
      : [tcp(ARGOCD_CONTROLLER, EXTERNAL, 6443, 'denied', 'no fleet: the controller reaches its own API server only')]),
    { from: ARGOCD_REPO_SERVER, to: CLUSTER_DNS, port: CLUSTER_DNS_POD.port, protocol: 'UDP', expect: 'allowed', why: 'DNS from argocd' },
  ];
}

/** Every flow of the environment as it syncs, intended and refused. */
export function flowTable(env: EnvironmentConfig): Flow[] {
  const mesh = !env.features.skipIstio;
  const byReader = env.security.backendPolicies.appliedBy === 'reader';
  // The L7 policy is in the cluster from the first sync only where Argo CD applies it.
  const l7 = env.security.backendL7Policy && !byReader;
  const rollbackReceiver = env.observability.rollbackReceiver;
  const receiver = rollbackReceiver && {
    name: `rollback receiver (${rollbackReceiver.cidr})`,
    address: rollbackReceiver.cidr.split('/')[0],
    url: rollbackReceiver.url,
  };
  // Where the reader applies the backend's policies, its ingress is open until they do: the seed's "before" (2-1 step 1).
  // Only the mesh still refuses what comes in plaintext from outside it.
  const open = (from: FlowPod, port: number, why: string): Flow =>
    mesh && from.namespace !== NAMESPACES.demo && from.namespace !== NAMESPACES.kong
      ? tcp(from, BACKEND, port, 'denied', `${why}; the mesh refuses plaintext to the backend (STRICT)`, { refusedBy: 'mesh' })
      : tcp(from, BACKEND, port, 'allowed', `${why}: seed 2-1's "before", an open backend until the reader applies its policy`);
  return [
    // The demo app (seed sections 2, 3 and 14).
    ...backendCallers(env, l7),
    ...(l7
      ? [
          tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'seed 2-3: GET of an allowed path passes', {
            http: { method: 'GET', path: '/status/200' },
          }),
          tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'seed 2-3: POST is refused by the L7 policy', {
            http: { method: 'POST', path: '/post' },
            refusedBy: 'proxy',
          }),
        ]
      : []),
    // Seed 14's check from the frontend, typed by the reader (the load generator's own calls are configured, so derived).
    tcp(FRONTEND, KONG_PROXY, KONG_PROXY_CONTAINER_PORT, 'allowed', 'the frontend calls the API through the Gateway (seed 14)'),
    byReader
      ? open(SEED_2_1_TEST_POD, BACKEND_CONTAINER_PORT, 'seed 2-1 step 1: test-cnp reaches the backend')
      : // The seed's point: the backend's own policy refuses the test pod, whatever its egress allows.
        tcp(SEED_2_1_TEST_POD, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'seed 2-1: only the frontend reaches the backend', {
          refusedBy: 'ingress',
          ...(l7 ? { http: { method: 'GET', path: '/status/200' } } : {}),
        }),
    byReader
      ? open(STRANGER, BACKEND_CONTAINER_PORT, 'a pod of another namespace')
      : tcp(STRANGER, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'default deny in demo', { refusedBy: 'ingress' }),
    // Inside HBONE Cilium sees 15008 only: the backend's AuthorizationPolicy keeps the Gateway on the API port.
    byReader && !mesh
      ? open(KONG_PROXY, 9090, 'the Gateway on another port')
      : tcp(KONG_PROXY, BACKEND, 9090, 'denied', 'the Gateway reaches only the API port', mesh ? { refusedBy: 'mesh' } : {}),
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
    // Mimir's gateway is configured in the collector, Alloy, Grafana and Tempo, but its chart is not in the mirror, so
    // its Service resolves to nothing here (verify/checks/connection-exceptions.ts): its callers are judged here instead.
    ...(lgtmInCluster(env)
      ? [
          tcp(COLLECTOR, MIMIR_GATEWAY, 8080, 'allowed', 'the collector exports metrics to Mimir (seed 7)'),
          tcp(ALLOY, MIMIR_GATEWAY, 8080, 'allowed', 'Alloy pushes metrics to Mimir (seed 7)'),
          tcp(GRAFANA, MIMIR_GATEWAY, 8080, 'allowed', 'Grafana queries Mimir'),
          tcp(TEMPO, MIMIR_GATEWAY, 8080, 'allowed', "Tempo's metrics generator writes span metrics to Mimir"),
        ]
      : []),
    // The UIs and the Kubernetes API.
    tcp(ALERTMANAGER, GRAFANA, GRAFANA_POD.port, 'allowed', 'within monitoring'),
    tcp(GRAFANA, KUBE_APISERVER, 6443, 'allowed', "Grafana's sidecar reads dashboards from the API"),
    tcp(KUBE_STATE_METRICS, KUBE_APISERVER, 6443, 'allowed', 'kube-state-metrics watches the API'),
    tcp(ALLOY, KUBE_STATE_METRICS, UPSTREAM_SERVICES.kubeStateMetrics.ports.http, 'allowed', 'Alloy scrapes kube-state-metrics (seed 7)'),
    tcp(STRANGER, GRAFANA, GRAFANA_POD.port, 'denied', 'default deny in monitoring', { refusedBy: 'ingress' }),
    tcp(FRONTEND, GRAFANA, GRAFANA_POD.port, 'denied', 'the demo app does not reach Grafana'),
    tcp(GRAFANA, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'monitoring does not reach the demo app'),
    // Grafana reaches grafana.com over HTTPS where it downloads seed 12-4's dashboards, and nothing else outside.
    // With external LGTM backends, every pod of monitoring reaches their ports (to-external-lgtm).
    ...(!lgtmInCluster(env)
      ? []
      : env.observability.onlineDashboards
        ? [tcp(GRAFANA, EXTERNAL, 80, 'denied', 'Grafana reaches the internet over HTTPS only, for grafana.com dashboards')]
        : [tcp(GRAFANA, EXTERNAL, 443, 'denied', 'dashboards come as ConfigMaps: no egress to the internet')]),
    // Argo CD (the argocd namespace): the Gateway alone reaches the API server; each component admits its callers only.
    ...argocdFlows(env),
    // Seed 10-3's automatic rollback: Alertmanager alone calls the receiver, on its port alone.
    ...(receiver
      ? [
          tcp(ALERTMANAGER, receiver, 22, 'denied', 'the receiver is reached on its webhook port only'),
          tcp(GRAFANA, receiver, urlPort(receiver.url), 'denied', 'only Alertmanager calls the rollback receiver'),
        ]
      : []),
  ];
}

/**
 * The states the seed's exercises bring where the reader applies the backend's policies: the seed's
 * outcome at each, which Cilium's engine and the mesh rule must give with the reader's policy in place.
 */
export function exerciseStates(env: EnvironmentConfig): ExerciseState[] {
  const mesh = !env.features.skipIstio;
  // Seed 4-1 step 2: demo leaves the mesh, the frontend and the backend with it; plaintext must not pass.
  const outOfMesh: ExerciseState = {
    name: "after seed 4-1's `kubectl label ns demo istio.io/dataplane-mode-`",
    applies: 'seed 4-1 ambient label removed',
    flows: [
      tcp(
        FRONTEND,
        BACKEND,
        BACKEND_CONTAINER_PORT,
        'denied',
        'seed 4-1 step 3: out of the mesh, plaintext to the backend times out: only HBONE is admitted',
        {
          refusedBy: 'egress',
        },
      ),
    ],
  };
  if (env.security.backendPolicies.appliedBy !== 'reader') return mesh ? [outOfMesh] : [];
  const probes = mesh ? [tcp(AMBIENT_PROBES, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', "ambient: the kubelet's probes, SNATed by ztunnel")] : [];
  const afterSeedPolicy: ExerciseState = {
    name: "after seed 2-1's backend-allow-frontend-only",
    applies: 'seed 2-1 policy',
    flows: [
      tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'seed 2-1 step 3: frontend -> backend, still 200'),
      tcp(
        SEED_2_1_TEST_POD,
        BACKEND,
        BACKEND_CONTAINER_PORT,
        'denied',
        'seed 2-1 step 3: test-cnp times out (same ServiceAccount, refused by its label)',
        {
          refusedBy: 'ingress',
        },
      ),
      tcp(KONG_PROXY, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', "the seed's policy admits the Kong namespace"),
      ...(env.demo.loadGenerator.enabled
        ? [
            tcp(
              LOAD_GENERATOR,
              BACKEND,
              BACKEND_CONTAINER_PORT,
              'denied',
              "the seed's policy names app=frontend only: the load generator's east-west calls wait for its clean-up",
              {
                refusedBy: 'ingress',
              },
            ),
          ]
        : []),
      ...probes,
    ],
  };
  const afterL7File: ExerciseState = {
    name: 'after lab/01-cilium/policies/backend-l7-policy.yaml',
    applies: 'seed 2-3 policy file',
    flows: [
      tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'seed 2-3 step 3: GET /status/200 passes', {
        http: { method: 'GET', path: '/status/200' },
      }),
      tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', 'seed 2-3 step 3: GET /get passes', { http: { method: 'GET', path: '/get' } }),
      tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'seed 2-3 step 3: POST /post is refused (403)', {
        http: { method: 'POST', path: '/post' },
        refusedBy: 'proxy',
      }),
      tcp(FRONTEND, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'seed 2-3 step 3: GET /delay/1 is refused (403): no rule names /delay/.*', {
        http: { method: 'GET', path: '/delay/1' },
        refusedBy: 'proxy',
      }),
      tcp(KONG_PROXY, BACKEND, BACKEND_CONTAINER_PORT, 'allowed', "the file keeps the Gateway's route"),
      tcp(SEED_2_1_TEST_POD, BACKEND, BACKEND_CONTAINER_PORT, 'denied', 'the L7 policy admits the frontend tier and the Gateway only', {
        refusedBy: 'ingress',
        http: { method: 'GET', path: '/get' },
      }),
      ...probes,
    ],
  };
  return [afterSeedPolicy, ...(env.security.backendL7Policy ? [afterL7File] : []), ...(mesh ? [outOfMesh] : [])];
}

export const flowLabel = (f: Flow): string =>
  `${f.from.name} -> ${f.to.name}:${f.port}/${f.protocol}${f.http ? ` ${f.http.method} ${f.http.path}` : ''}`;
