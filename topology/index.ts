/**
 * The platform's topology: namespaces and their Pod Security levels, Argo CD
 * projects, the Kong gateway and its routes, the traffic each namespace
 * allows, and the collector's settings. components.ts wires charts from it.
 */
import { UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { lgtmEndpoints, lgtmInCluster } from '../argocd/values/lgtm';
import { EnvironmentConfig } from '../config';
import { kubernetesPercentAt } from '../config/migration-state';
import { selectorLabels } from '../lib/labels';
import { sourceURL } from '../lib/sources';
import { NAMESPACES, NamespacePolicy, PodSecurityLevel } from '../lib/namespaces';
import {
  BACKEND_CONTAINER_PORT,
  BACKEND_SERVICE_PORT,
  HBONE_PORT,
  OTEL_COLLECTOR_NAME,
  OTLP_PORTS,
  RouteTarget,
  TrafficPort,
  TrafficRule,
  dcServiceName,
  routeName,
} from '../lib/traffic';
import {
  ALERTMANAGER,
  ARGOCD_PODS,
  CLUSTER_DNS_POD,
  GRAFANA_POD,
  KONG_PROXY_CONTAINER_PORT,
  KONG_PROXY_POD_LABELS,
  UpstreamService,
  UPSTREAM_SERVICES,
} from '../lib/upstream';
import { CollectorSettings } from '../observability/collector-config';

/** The projects: the root's own, the children that reach into kube-system or argocd, and the rest. */
export const ARGOCD_PROJECTS = { root: 'root', system: 'platform-system', platform: 'platform' } as const;
/** Namespaces of the cluster itself: only children of the system project deploy there. */
export const SYSTEM_NAMESPACES = [NAMESPACES.kubeSystem, NAMESPACES.argocd];

/** Seed section 7-1: 512Mi container, memory_limiter at 75%, 30s decision wait, 10% of normal traffic, 2s = slow; exporters to the environment's backends. */
export function collectorSettings(env: EnvironmentConfig): CollectorSettings {
  const e = lgtmEndpoints(env);
  return {
    memoryLimitMib: 512,
    memoryLimiterPercent: 75,
    decisionWait: '30s',
    normalTracesPercent: 10,
    slowTraceThresholdMs: 2000,
    endpoints: { mimirOtlp: e.mimirOtlp, lokiOtlp: e.lokiOtlp, tempoOtlpGrpc: e.tempoOtlpGrpc, tls: e.tls },
  };
}

/** Kong's proxy Service as the upstream `ingress` chart names it (release `kong`). */
export const KONG_PROXY = { name: UPSTREAM_SERVICES.kongProxy.name, namespace: NAMESPACES.kong, port: UPSTREAM_SERVICES.kongProxy.ports.http };

/** Kong on the Gateway API (seed section 3). */
export const KONG_GATEWAY = {
  gatewayClassName: 'kong',
  controllerName: 'konghq.com/kic-gateway-controller',
  namespace: NAMESPACES.kong,
  name: 'kong-gateway',
};

export const BACKEND_SELECTOR = selectorLabels('backend');

/** The collector's OTLP/HTTP traces URL inside the cluster, where Kong sends its spans. */
export const COLLECTOR_TRACES_URL = `http://${OTEL_COLLECTOR_NAME}.${NAMESPACES.monitoring}.svc:${OTLP_PORTS.http}/v1/traces`;

const toUpstream = (host: string, s: UpstreamService & { ports: { http: number } }): RouteTarget => ({
  host,
  service: { namespace: s.namespace, name: s.name, port: s.ports.http },
});

/** A route, whether what it publishes asks for a login of its own, and whether it is a migration's temporary host. */
type PublishedRoute = RouteTarget & { readonly unauthenticated?: true; readonly temporary?: true };

/** Seed section 3: one host per UI, each pointing at its real Service and port; named as the seed's commands name them. */
const ROUTES: readonly PublishedRoute[] = [
  { host: 'api', name: 'demo-api', service: { namespace: NAMESPACES.demo, name: 'backend', port: BACKEND_SERVICE_PORT } },
  toUpstream('grafana', UPSTREAM_SERVICES.grafana),
  toUpstream('argocd', UPSTREAM_SERVICES.argocdServer),
  // Hubble UI shows every flow in the cluster to whoever reaches it.
  { ...toUpstream('hubble', UPSTREAM_SERVICES.hubbleUi), name: 'hubble-ui', unauthenticated: true },
];

/**
 * The routes an environment publishes: no UI without a login of its own unless the environment allows it,
 * and for each service in its internal check (seed 10-3 step 3) a temporary host that reaches Kubernetes only.
 */
export function publishedRoutes(env: EnvironmentConfig): PublishedRoute[] {
  const checks = env.demo.migration.flatMap((m) => {
    const route = ROUTES.find((r) => r.service.namespace === NAMESPACES.demo && r.service.name === m.service);
    return m.stage.name === 'internal-check' && route
      ? [{ host: m.stage.temporaryHost, name: `${routeName(route)}-check`, service: route.service, temporary: true as const }]
      : [];
  });
  return [...ROUTES.filter((r) => !r.unauthenticated || env.security.exposure.unauthenticatedUis), ...checks];
}

/**
 * Every namespace the platform deploys into, with the least privileged Pod
 * Security level its pods pass. The levels of the upstream charts are proven
 * by the control-plane test: the API server admits every pod, without warnings.
 */
export function platformNamespaces(env: EnvironmentConfig): NamespacePolicy[] {
  const chartOwned = new Set(chartOwnedNamespaces());
  const routed = new Set(publishedRoutes(env).map((r) => r.service.namespace));
  // The HTTPS redirect is a route of the Gateway's own namespace.
  if (env.security.exposure.httpsOnly) routed.add(NAMESPACES.kong);
  const ambient = !env.features.skipIstio;
  const policy = (name: string, podSecurity: PodSecurityLevel, why: string, inMesh = false, enforce?: PodSecurityLevel): NamespacePolicy => ({
    name,
    podSecurity,
    ...(enforce && enforce !== podSecurity ? { enforce } : {}),
    why,
    routes: routed.has(name),
    ambient: inMesh && ambient,
  });
  return [
    policy(
      NAMESPACES.kubeSystem,
      'privileged',
      "Cilium's agent runs privileged on the host network with host paths, as do Kind's control-plane pods",
    ),
    ...(ambient
      ? [policy(NAMESPACES.istio, 'privileged', 'istio-cni and ztunnel change pod network namespaces: NET_ADMIN, SYS_ADMIN and host paths')]
      : []),
    policy(NAMESPACES.kong, 'restricted', 'the Kong chart runs non-root, RuntimeDefault seccomp, every capability dropped', true),
    policy(NAMESPACES.argocd, 'restricted', "the Argo CD chart's default security contexts meet restricted"),
    policy(NAMESPACES.gatekeeper, 'restricted', "the Gatekeeper chart's default security contexts meet restricted"),
    policy(
      NAMESPACES.monitoring,
      'baseline',
      'the Loki and Tempo charts set no seccomp profile, which restricted requires; nothing here needs more than baseline',
    ),
    policy(
      NAMESPACES.monitoringAgents,
      'privileged',
      "Alloy's node agent reads container logs from the node through hostPath, which baseline forbids; it is alone here so monitoring stays baseline",
    ),
    policy(
      NAMESPACES.demo,
      'restricted',
      'our own workloads: non-root, no privilege escalation, every capability dropped, RuntimeDefault seccomp',
      true,
      env.security.demoPodSecurity.enforce,
    ),
  ].filter((n) => !chartOwned.has(n.name));
}

/** Namespaces an upstream chart renders itself (Cilium's cilium-secrets, which holds no pods): the chart's to keep, not ours. */
export function chartOwnedNamespaces(): string[] {
  return UPSTREAM_COMPONENTS.filter((u) => u.clusterKinds.some((k) => k.group === '' && k.kind === 'Namespace')).flatMap(
    (u) => u.otherNamespaces ?? [],
  );
}
export const FRONTEND_SA = { namespace: NAMESPACES.demo, name: 'frontend' };

/** Every port of a URL's host, as a NetworkPolicy sees it. */
const urlPort = (url: string) => Number(new URL(url).port || (url.startsWith('https:') ? 443 : 80));
const tcp = (...ports: number[]): TrafficPort[] => ports.map((port) => ({ port, protocol: 'TCP' }));
const DNS_RULE: TrafficRule = {
  name: 'allow-dns',
  pods: {},
  direction: 'egress',
  peers: [{ namespace: CLUSTER_DNS_POD.namespace, pods: CLUSTER_DNS_POD.labels }],
  ports: [
    { port: CLUSTER_DNS_POD.port, protocol: 'UDP' },
    { port: CLUSTER_DNS_POD.port, protocol: 'TCP' },
  ],
};
const sameNamespace = (namespace: string): TrafficRule[] => [
  { name: 'allow-within-namespace-in', pods: {}, direction: 'ingress', peers: [{ namespace }] },
  { name: 'allow-within-namespace-out', pods: {}, direction: 'egress', peers: [{ namespace }] },
];
const KONG_PROXY_PEER = { namespace: NAMESPACES.kong, pods: KONG_PROXY_POD_LABELS };
const COLLECTOR_POD_LABELS = { 'app.kubernetes.io/name': OTEL_COLLECTOR_NAME };

/**
 * The port a meshed pod's call to `port` arrives on at a meshed destination: ambient carries pod-to-pod traffic
 * in HBONE (15008), so with the mesh the app port is left to plaintext, which no meshed caller sends. Admitting
 * HBONE alone keeps the mTLS promise in the policy too (seed 4-1: out of the mesh, the frontend's plaintext
 * call is refused).
 */
export const meshedPort = (env: EnvironmentConfig, port: number): number => (env.features.skipIstio ? port : HBONE_PORT);

/** The pods of demo whose ingress the seed's exercises decide (2-1, 2-3), where the reader applies their policies. */
export function readerOwnedIngress(env: EnvironmentConfig): { readonly app: string; readonly owner: string } | undefined {
  return env.security.backendPolicies.appliedBy === 'reader'
    ? { app: BACKEND_SELECTOR.app, owner: 'seed 2-1 and 2-3, whose policies the reader applies (security.backendPolicies)' }
    : undefined;
}

/** What reaches the demo app and what it reaches, on top of the default deny. */
export function demoTraffic(env: EnvironmentConfig): TrafficRule[] {
  const mesh = !env.features.skipIstio;
  const toBackend = tcp(meshedPort(env, BACKEND_CONTAINER_PORT));
  const byReader = readerOwnedIngress(env) !== undefined;
  const backendPolicies = env.security.backendL3L4Policy || env.security.backendL7Policy;
  return [
    DNS_RULE,
    // Where the reader applies the backend's policies, any pod of demo may call it, as in the seed's lab: whether the
    // backend takes the call is its own policy's answer (seed 2-1's test-cnp reaches it, then no longer).
    ...(byReader
      ? [
          {
            name: 'to-backend',
            pods: {},
            direction: 'egress' as const,
            peers: [{ namespace: NAMESPACES.demo, pods: BACKEND_SELECTOR }],
            ports: toBackend,
          },
        ]
      : // No allow for the whole namespace: rules add up, so one would let every pod in demo reach the backend (the
        // seed's test-cnp pod of lab 2-1) and, as an L4-only allow, void the L7 rules of lab 2-3.
        frontendTier(env).map((pods): TrafficRule => ({
          name: `${pods.app}-to-backend`,
          pods,
          direction: 'egress',
          peers: [{ namespace: NAMESPACES.demo, pods: BACKEND_SELECTOR }],
          ports: toBackend,
        }))),
    // The backend's side is the CiliumNetworkPolicies' (2-1, 2-3), which alone may carry L7 rules and which admit the
    // Gateway too; an environment without them admits the frontend tier and the Gateway here, at L4. Where the reader
    // applies them, nothing here selects the backend's ingress: the seed's "before" is an open backend.
    ...(byReader || backendPolicies
      ? []
      : [
          {
            name: 'backend-from-frontend-tier',
            pods: BACKEND_SELECTOR,
            direction: 'ingress' as const,
            peers: frontendTier(env).map((pods) => ({ namespace: NAMESPACES.demo, pods })),
            ports: toBackend,
          },
          { name: 'backend-from-gateway', pods: BACKEND_SELECTOR, direction: 'ingress' as const, peers: [KONG_PROXY_PEER], ports: toBackend },
        ]),
    // The frontend tier calls the API through the Gateway too: the load generator's traffic, and seed section 14's
    // check from the frontend (`curl -H 'Host: api.<domain>' http://kong-gateway-proxy.kong.svc/status/200`).
    ...frontendTier(env).map((pods): TrafficRule => ({
      name: `${pods.app}-to-gateway`,
      pods,
      direction: 'egress',
      peers: [KONG_PROXY_PEER],
      ports: tcp(meshedPort(env, KONG_PROXY_CONTAINER_PORT)),
    })),
    {
      name: 'otlp-to-collector',
      pods: {},
      direction: 'egress',
      peers: [{ namespace: NAMESPACES.monitoring, pods: COLLECTOR_POD_LABELS }],
      ports: tcp(OTLP_PORTS.grpc, OTLP_PORTS.http),
    },
    // Ambient SNATs the kubelet's probes to this link-local address (Istio docs, ambient and NetworkPolicy). An allow
    // that isolates nothing, as Istio's docs write it for Cilium: the backend's ingress stays the reader's where it is.
    ...(mesh
      ? [
          {
            name: 'kubelet-probes-in-ambient',
            pods: {},
            direction: 'ingress' as const,
            peers: [{ cidr: '169.254.7.127/32' }],
            isolates: false as const,
          },
        ]
      : []),
  ];
}

/** What reaches the monitoring stack and what it reaches, on top of the default deny. */
export function monitoringTraffic(env: EnvironmentConfig): TrafficRule[] {
  const e = lgtmEndpoints(env);
  const receiver = env.observability.rollbackReceiver;
  const external = lgtmInCluster(env)
    ? []
    : [...new Set([urlPort(e.mimirPush), urlPort(e.lokiPush), urlPort(e.tempoQuery), Number(e.tempoOtlpGrpc.split(':').pop())])].sort(
        (a, b) => a - b,
      );
  return [
    DNS_RULE,
    ...sameNamespace(NAMESPACES.monitoring),
    { name: 'grafana-from-gateway', pods: GRAFANA_POD.labels, direction: 'ingress', peers: [KONG_PROXY_PEER], ports: tcp(GRAFANA_POD.port) },
    // Any workload may send telemetry: the collector is the cluster's OTLP endpoint.
    { name: 'otlp-from-workloads', pods: COLLECTOR_POD_LABELS, direction: 'ingress', peers: [{}], ports: tcp(OTLP_PORTS.grpc, OTLP_PORTS.http) },
    // Alloy pushes node logs and metrics to Loki and Mimir, and scrapes the stack.
    { name: 'from-node-agents', pods: {}, direction: 'ingress', peers: [{ namespace: NAMESPACES.monitoringAgents }] },
    // kube-state-metrics and Grafana's sidecar read the API. Cilium translates the kubernetes Service (443) to the
    // API server's node address on 6443, which carries the kube-apiserver identity: no CIDR selects it, the entity does.
    { name: 'to-kube-apiserver', pods: {}, direction: 'egress', peers: [{ entity: 'kube-apiserver' }], ports: tcp(443, 6443) },
    // Seed 10-3's automatic rollback: Alertmanager calls the receiver that commits the rollback.
    ...(receiver
      ? [
          {
            name: 'alertmanager-to-rollback-receiver',
            pods: { 'app.kubernetes.io/name': ALERTMANAGER.name },
            direction: 'egress' as const,
            peers: [{ cidr: receiver.cidr }],
            ports: tcp(urlPort(receiver.url)),
          },
        ]
      : []),
    // Seed 12-4's grafana.com dashboards: the chart's download-dashboards init container fetches them at start.
    // Refused, each `curl` waits out its 60 s connect timeout and, piped into `sed`, leaves an empty file: Grafana
    // starts two minutes late without those dashboards. Where dashboards come as ConfigMaps (onlineDashboards
    // off, as prod and air-gapped labs have it), Grafana reaches nothing outside.
    ...(env.observability.onlineDashboards
      ? [{ name: 'grafana-to-grafana-com', pods: GRAFANA_POD.labels, direction: 'egress' as const, peers: [{ cidr: '0.0.0.0/0' }], ports: tcp(443) }]
      : []),
    ...(external.length > 0
      ? [{ name: 'to-external-lgtm', pods: {}, direction: 'egress' as const, peers: [{ cidr: '0.0.0.0/0' }], ports: tcp(...external) }]
      : []),
  ];
}

/**
 * The ports the repo-server fetches on: git (this environment's repository) and every upstream source, through
 * its mirror where one is set. A file:// clone (the Kind lab's) needs no network; an scp-like or ssh:// URL is 22.
 */
function repoServerFetchPorts(env: EnvironmentConfig): number[] {
  const urls = [
    env.git.repoURL,
    ...UPSTREAM_COMPONENTS.filter((u) => u.enabled(env)).map((u) => sourceURL(env, u.source.repoURL, u.source.kind === 'helm' ? 'chart' : 'git')),
  ];
  const port = (url: string): number | undefined => {
    if (url.startsWith('file:')) return undefined;
    if (/^[\w.-]+@[\w.-]+:/.test(url) || url.startsWith('ssh:')) return url.startsWith('ssh:') ? Number(new URL(url).port || 22) : 22;
    // A Helm OCI registry (`oci://` or a bare host/path, as Argo CD takes one) is HTTPS.
    return /^[a-z]+:\/\//.test(url) && !url.startsWith('oci:') ? urlPort(url) : 443;
  };
  return [...new Set(urls.map(port).filter((p): p is number => p !== undefined))].sort((a, b) => a - b);
}

/**
 * What reaches Argo CD and what it reaches, on top of the default deny: the Gateway alone reaches the API server
 * (argocd.<domain>; TLS ends at Kong, server.insecure behind it), the components reach each other on the ports the
 * chart's own NetworkPolicy templates open (each destination admits its callers only), every component reaches the
 * Kubernetes API, the repo-server its sources, the server and Dex the identity provider (SSO), and the application
 * controller the other clusters of the fleet.
 */
export function argocdTraffic(env: EnvironmentConfig): TrafficRule[] {
  const p = ARGOCD_PODS;
  const peer = (pod: { labels: Readonly<Record<string, string>> }) => ({ namespace: NAMESPACES.argocd, pods: pod.labels });
  const admits = (name: string, to: (typeof p)[keyof typeof p], from: ReadonlyArray<(typeof p)[keyof typeof p]>): TrafficRule => ({
    name,
    pods: to.labels,
    direction: 'ingress',
    peers: from.map(peer),
    ports: tcp(...to.ports),
  });
  const fetchPorts = repoServerFetchPorts(env);
  const fleetPorts = [...new Set((env.fleet?.clusters ?? []).map((c) => urlPort(c.server)))].sort((a, b) => a - b);
  const world = [{ cidr: '0.0.0.0/0' }];
  return [
    DNS_RULE,
    { name: 'server-from-gateway', pods: p.server.labels, direction: 'ingress', peers: [KONG_PROXY_PEER], ports: tcp(...p.server.ports) },
    admits('repo-server-from-argocd', p.repoServer, [p.server, p.applicationController, p.applicationSetController, p.notificationsController]),
    admits('redis-from-argocd', p.redis, [p.server, p.repoServer, p.applicationController]),
    admits('dex-from-server', p.dex, [p.server]),
    // Callers within the namespace: each destination above admits only its own.
    { name: 'within-argocd', pods: {}, direction: 'egress', peers: [{ namespace: NAMESPACES.argocd }] },
    // Cilium translates the kubernetes Service to the API server's node address (6443): the entity selects it, no CIDR does.
    { name: 'to-kube-apiserver', pods: {}, direction: 'egress', peers: [{ entity: 'kube-apiserver' }], ports: tcp(443, 6443) },
    ...(fetchPorts.length > 0
      ? [{ name: 'repo-server-to-sources', pods: p.repoServer.labels, direction: 'egress' as const, peers: world, ports: tcp(...fetchPorts) }]
      : []),
    { name: 'server-to-identity-provider', pods: p.server.labels, direction: 'egress', peers: world, ports: tcp(443) },
    { name: 'dex-to-identity-provider', pods: p.dex.labels, direction: 'egress', peers: world, ports: tcp(443) },
    ...(fleetPorts.length > 0
      ? [
          {
            name: 'controller-to-fleet-clusters',
            pods: p.applicationController.labels,
            direction: 'egress' as const,
            peers: world,
            ports: tcp(...fleetPorts),
          },
        ]
      : []),
  ];
}

/**
 * A demo route whose Service is moving from the DC gets the DC Service as a weighted second backend (seed 10-3),
 * weighted by the stage; a temporary host, and a service whose DC is retired, keep Kubernetes alone.
 */
export function withMigration(route: PublishedRoute, env: EnvironmentConfig): RouteTarget {
  const m = env.demo.migration.find((x) => route.service.namespace === NAMESPACES.demo && x.service === route.service.name);
  const kubernetesPercent = m && !route.temporary ? kubernetesPercentAt(m.stage) : undefined;
  return m && kubernetesPercent !== undefined
    ? { ...route, dc: { name: dcServiceName(m.service), port: m.dcUpstream.port, kubernetesPercent } }
    : route;
}

/** The services whose DC still serves (every stage but dc-retired): each has a DC Service for its route to weigh. */
export const servicesWithDc = (env: EnvironmentConfig) => env.demo.migration.filter((m) => m.stage.name !== 'dc-retired');

/** The frontend tier: the curl client, and the load generator when it runs. */
export function frontendTier(env: EnvironmentConfig): Array<Record<string, string>> {
  return [{ app: 'frontend' }, ...(env.demo.loadGenerator.enabled ? [{ app: 'load-generator' }] : [])];
}
