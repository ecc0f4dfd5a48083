import { AppOfApps } from './argocd/app-of-apps';
import { childApps, distPath } from './argocd/children';
import { RootApplication } from './argocd/root-application';
import { HelmChartSource, helmValues, UPSTREAM_COMPONENTS, UpstreamComponent } from './argocd/upstream-components';
import { DASHBOARD_LABEL, DATASOURCE_UIDS } from './argocd/values/grafana';
import { lgtmEndpoints, lgtmInCluster } from './argocd/values/lgtm';
import { bootstrapEnv } from './bootstrap/bootstrap-env';
import { kindConfig } from './bootstrap/kind-config';
import { BootstrapNamespace } from './bootstrap/bootstrap-namespace';
import { Alertmanager } from './charts/alertmanager';
import { BackendNetworkPolicies, HBONE_PORT } from './charts/backend-network-policies';
import { BACKEND_CONTAINER_PORT, BACKEND_SERVICE_PORT, DemoApp } from './charts/demo-app';
import { dcServiceName, DcUpstreams } from './charts/dc-upstreams';
import { CONSTRAINT_NAMES, GatekeeperPolicies } from './charts/gatekeeper-policies';
import { GatewayRoutes, RouteTarget } from './charts/gateway-routes';
import { GrafanaDashboards } from './charts/grafana-dashboards';
import { MeshSecurity } from './charts/mesh-security';
import { MimirRules } from './charts/mimir-rules';
import { NamespaceIsolation, TrafficPort, TrafficRule } from './charts/namespace-isolation';
import { OTEL_COLLECTOR_NAME, OTLP_PORTS, OtelCollector } from './charts/otel-collector';
import { PlatformGuardrails, PRIORITY_CLASSES } from './charts/platform-guardrails';
import { PlatformNamespaces } from './charts/platform-namespaces';
import { EnvironmentConfig, PolicyKey } from './config';
import { IMAGES } from './lib/images';
import { NamespacePolicy, PodSecurityLevel, ROUTE_NAMESPACE_LABEL } from './lib/namespaces';
import { ChartComponent } from './lib/synth';
import {
  BOOTSTRAP_SECRETS,
  CLUSTER_DNS_POD,
  GRAFANA_POD,
  KONG_PROXY_CONTAINER_PORT,
  KONG_PROXY_POD_LABELS,
  MONITORING_AGENTS_NAMESPACE,
  MONITORING_NAMESPACE,
  UpstreamService,
  UPSTREAM_SERVICE_ACCOUNTS,
  UPSTREAM_SERVICES,
} from './lib/upstream';
import { SYNC_WAVES } from './lib/waves';
import { toYaml } from './lib/yaml';
import { collectorConfig, CollectorSettings } from './observability/collector-config';
import { platformOverviewDashboard, redDashboard } from './observability/dashboards';
import { rollbackRules, SEED_ROLLBACK_CRITERIA } from './observability/rollback-rules';
import { POLICY_TEMPLATES } from './policies/templates';

/** The namespace the seed's demo app and its guardrails live in. */
export const DEMO_NAMESPACE = 'demo';
export const ISTIO_NAMESPACE = 'istio-system';
export const ARGOCD_NAMESPACE = 'argocd';
/** The projects: the root's own, the children that reach into kube-system or argocd, and the rest. */
export const ARGOCD_PROJECTS = { root: 'root', system: 'platform-system', platform: 'platform' } as const;
/** Namespaces of the cluster itself: only children of the system project deploy there. */
const SYSTEM_NAMESPACES = ['kube-system', ARGOCD_NAMESPACE];
export const GATEKEEPER_NAMESPACE = 'gatekeeper-system';
export const KONG_NAMESPACE = UPSTREAM_SERVICES.kongProxy.namespace;
export { MONITORING_NAMESPACE };

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
export const KONG_PROXY = { name: UPSTREAM_SERVICES.kongProxy.name, namespace: KONG_NAMESPACE, port: UPSTREAM_SERVICES.kongProxy.ports.http };

/** Kong on the Gateway API (seed section 3). */
export const KONG_GATEWAY = {
  gatewayClassName: 'kong',
  controllerName: 'konghq.com/kic-gateway-controller',
  namespace: KONG_NAMESPACE,
  name: 'kong-gateway',
};

const BACKEND_SELECTOR = { app: 'backend' };

const toUpstream = (host: string, s: UpstreamService & { ports: { http: number } }): RouteTarget => ({
  host,
  service: { namespace: s.namespace, name: s.name, port: s.ports.http },
});

/** A route, and whether what it publishes asks for a login of its own. */
type PublishedRoute = RouteTarget & { readonly unauthenticated?: true };

/** Seed section 3: one host per UI, each pointing at its real Service and port. */
const ROUTES: readonly PublishedRoute[] = [
  { host: 'api', service: { namespace: DEMO_NAMESPACE, name: 'backend', port: BACKEND_SERVICE_PORT } },
  toUpstream('grafana', UPSTREAM_SERVICES.grafana),
  toUpstream('argocd', UPSTREAM_SERVICES.argocdServer),
  // Hubble UI shows every flow in the cluster to whoever reaches it.
  { ...toUpstream('hubble', UPSTREAM_SERVICES.hubbleUi), unauthenticated: true },
];

/** The routes an environment publishes: no UI without a login of its own unless the environment allows it. */
function publishedRoutes(env: EnvironmentConfig): PublishedRoute[] {
  return ROUTES.filter((r) => !r.unauthenticated || env.security.exposure.unauthenticatedUis);
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
  if (env.security.exposure.httpsOnly) routed.add(KONG_NAMESPACE);
  const ambient = !env.features.skipIstio;
  const policy = (name: string, podSecurity: PodSecurityLevel, why: string, inMesh = false): NamespacePolicy => ({
    name,
    podSecurity,
    why,
    routes: routed.has(name),
    ambient: inMesh && ambient,
  });
  return [
    policy('kube-system', 'privileged', "Cilium's agent runs privileged on the host network with host paths, as do Kind's control-plane pods"),
    ...(ambient
      ? [policy(ISTIO_NAMESPACE, 'privileged', 'istio-cni and ztunnel change pod network namespaces: NET_ADMIN, SYS_ADMIN and host paths')]
      : []),
    policy(KONG_NAMESPACE, 'restricted', 'the Kong chart runs non-root, RuntimeDefault seccomp, every capability dropped', true),
    policy(ARGOCD_NAMESPACE, 'restricted', "the Argo CD chart's default security contexts meet restricted"),
    policy(GATEKEEPER_NAMESPACE, 'restricted', "the Gatekeeper chart's default security contexts meet restricted"),
    policy(
      MONITORING_NAMESPACE,
      'baseline',
      'the Loki and Tempo charts set no seccomp profile, which restricted requires; nothing here needs more than baseline',
    ),
    policy(
      MONITORING_AGENTS_NAMESPACE,
      'privileged',
      "Alloy's node agent reads container logs from the node through hostPath, which baseline forbids; it is alone here so monitoring stays baseline",
    ),
    policy(
      DEMO_NAMESPACE,
      'restricted',
      'our own workloads: non-root, no privilege escalation, every capability dropped, RuntimeDefault seccomp',
      true,
    ),
  ].filter((n) => !chartOwned.has(n.name));
}

/** Namespaces an upstream chart renders itself (Cilium's cilium-secrets, which holds no pods): the chart's to keep, not ours. */
export function chartOwnedNamespaces(): string[] {
  return UPSTREAM_COMPONENTS.filter((u) => u.clusterKinds.some((k) => k.group === '' && k.kind === 'Namespace')).flatMap(
    (u) => u.otherNamespaces ?? [],
  );
}
const FRONTEND_SA = { namespace: DEMO_NAMESPACE, name: 'frontend' };

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
const KONG_PROXY_PEER = { namespace: KONG_NAMESPACE, pods: KONG_PROXY_POD_LABELS };
const COLLECTOR_POD_LABELS = { 'app.kubernetes.io/name': OTEL_COLLECTOR_NAME };

/** What reaches the demo app and what it reaches, on top of the default deny (with Istio ambient, HBONE too). */
export function demoTraffic(env: EnvironmentConfig): TrafficRule[] {
  const mesh = !env.features.skipIstio;
  const hbone = mesh ? [HBONE_PORT] : [];
  return [
    DNS_RULE,
    ...sameNamespace(DEMO_NAMESPACE),
    {
      name: 'backend-from-gateway',
      pods: BACKEND_SELECTOR,
      direction: 'ingress',
      peers: [KONG_PROXY_PEER],
      ports: tcp(BACKEND_CONTAINER_PORT, ...hbone),
    },
    ...(env.demo.loadGenerator.enabled
      ? [
          {
            name: 'load-generator-to-gateway',
            pods: { app: 'load-generator' },
            direction: 'egress' as const,
            peers: [KONG_PROXY_PEER],
            ports: tcp(KONG_PROXY_CONTAINER_PORT, ...hbone),
          },
        ]
      : []),
    {
      name: 'otlp-to-collector',
      pods: {},
      direction: 'egress',
      peers: [{ namespace: MONITORING_NAMESPACE, pods: COLLECTOR_POD_LABELS }],
      ports: tcp(OTLP_PORTS.grpc, OTLP_PORTS.http),
    },
    // Ambient SNATs the kubelet's probes to this link-local address (Istio docs, ambient and NetworkPolicy).
    ...(mesh ? [{ name: 'kubelet-probes-in-ambient', pods: {}, direction: 'ingress' as const, peers: [{ cidr: '169.254.7.127/32' }] }] : []),
  ];
}

/** What reaches the monitoring stack and what it reaches, on top of the default deny. */
export function monitoringTraffic(env: EnvironmentConfig): TrafficRule[] {
  const e = lgtmEndpoints(env);
  const external = lgtmInCluster(env)
    ? []
    : [...new Set([urlPort(e.mimirPush), urlPort(e.lokiPush), urlPort(e.tempoQuery), Number(e.tempoOtlpGrpc.split(':').pop())])].sort(
        (a, b) => a - b,
      );
  return [
    DNS_RULE,
    ...sameNamespace(MONITORING_NAMESPACE),
    { name: 'grafana-from-gateway', pods: GRAFANA_POD.labels, direction: 'ingress', peers: [KONG_PROXY_PEER], ports: tcp(GRAFANA_POD.port) },
    // Any workload may send telemetry: the collector is the cluster's OTLP endpoint.
    { name: 'otlp-from-workloads', pods: COLLECTOR_POD_LABELS, direction: 'ingress', peers: [{}], ports: tcp(OTLP_PORTS.grpc, OTLP_PORTS.http) },
    // Alloy pushes node logs and metrics to Loki and Mimir, and scrapes the stack.
    { name: 'from-node-agents', pods: {}, direction: 'ingress', peers: [{ namespace: MONITORING_AGENTS_NAMESPACE }] },
    // The API server is the kubernetes Service (443) and, once Cilium translates it, the nodes' 6443.
    { name: 'to-kube-apiserver', pods: {}, direction: 'egress', peers: [{ cidr: '0.0.0.0/0' }], ports: tcp(443, 6443) },
    ...(external.length > 0
      ? [{ name: 'to-external-lgtm', pods: {}, direction: 'egress' as const, peers: [{ cidr: '0.0.0.0/0' }], ports: tcp(...external) }]
      : []),
  ];
}

/** A demo route whose Service is moving from the DC gets the DC Service as a weighted second backend (seed 10-3). */
function withMigration(route: RouteTarget, env: EnvironmentConfig): RouteTarget {
  const m = env.demo.migration.find((x) => route.service.namespace === DEMO_NAMESPACE && x.service === route.service.name);
  return m ? { ...route, dc: { name: dcServiceName(m.service), port: m.dcUpstream.port, kubernetesPercent: m.kubernetesPercent } } : route;
}

/** The demo Services that a route sends traffic to: the ones a migration may name. */
export const ROUTED_DEMO_SERVICES = ROUTES.filter((r) => r.service.namespace === DEMO_NAMESPACE).map((r) => r.service.name);

/** The frontend tier: the curl client, and the load generator when it runs. */
function frontendTier(env: EnvironmentConfig): Array<Record<string, string>> {
  return [{ app: 'frontend' }, ...(env.demo.loadGenerator.enabled ? [{ app: 'load-generator' }] : [])];
}

function helmSource(component: UpstreamComponent): HelmChartSource {
  if (component.source.kind !== 'helm') throw new Error(`${component.name} is not a Helm chart`);
  return component.source;
}

function upstream(name: string): UpstreamComponent {
  const found = UPSTREAM_COMPONENTS.find((u) => u.name === name);
  if (!found) throw new Error(`no upstream component ${name}`);
  return found;
}

/**
 * The component registry: the one list that synth, the App-of-Apps and the
 * checks all read. Waves, not list order, decide the sync order. Upstream
 * charts are listed in argocd/upstream-components.ts.
 */
export const COMPONENTS: readonly ChartComponent[] = [
  {
    // What setup.sh applies before Argo CD takes over; the same values the Applications use.
    name: 'bootstrap',
    namespace: ARGOCD_NAMESPACE,
    wave: 0,
    childApp: false,
    enabled: () => true,
    build: (scope, id, env) => {
      const chart = new RootApplication(scope, id, {
        env,
        argocdNamespace: ARGOCD_NAMESPACE,
        appsPath: distPath(env, 'apps'),
        project: ARGOCD_PROJECTS.root,
      });
      // Namespaces of the Secrets the bootstrap creates; labelled as their Applications label them.
      for (const secret of Object.values(BOOTSTRAP_SECRETS)) {
        const policy = platformNamespaces(env).find((n) => n.name === secret.namespace);
        if (!policy) throw new Error(`the bootstrap secret namespace ${secret.namespace} is not a platform namespace`);
        new BootstrapNamespace(chart, `namespace-${secret.namespace}`, { env, policy });
      }
      return chart;
    },
    files: (env) => [
      { name: 'kind.config.yaml', content: toYaml(kindConfig(env)) },
      { name: 'cilium.values.yaml', content: toYaml(helmValues(helmSource(upstream('cilium')), env)) },
      { name: 'argocd.values.yaml', content: toYaml(helmValues(helmSource(upstream('argocd')), env)) },
      {
        name: 'bootstrap.env',
        content: bootstrapEnv({
          env,
          argocdNamespace: ARGOCD_NAMESPACE,
          cilium: upstream('cilium'),
          argocd: upstream('argocd'),
          tlsSecret: BOOTSTRAP_SECRETS.labWildcardTls,
          hosts: publishedRoutes(env).map((r) => `${r.host}.${env.domain}`),
          rootApplicationFile: `application-root-${env.name}.yaml`,
          rootProjectFile: `appproject-${ARGOCD_PROJECTS.root}.yaml`,
          namespaceFiles: Object.values(BOOTSTRAP_SECRETS).map((secret) => `namespace-${secret.namespace}.yaml`),
          grafanaAdminSecret: BOOTSTRAP_SECRETS.grafanaAdmin,
          verify: {
            namespaces: [...new Set([...UPSTREAM_COMPONENTS.filter((u) => u.enabled(env)).map((u) => u.namespace), DEMO_NAMESPACE])].sort(),
            gateway: `${KONG_GATEWAY.namespace}/${KONG_GATEWAY.name}`,
            httpRoutes: publishedRoutes(env).map((r) => `${r.service.namespace}/${r.host}`),
            constraints: Object.entries(CONSTRAINT_NAMES).map(([key, name]) => `${POLICY_TEMPLATES[key as PolicyKey].kind.toLowerCase()}/${name}`),
          },
        }),
      },
    ],
  },
  {
    // Before anything else: Pod Security Admission judges pods only when they are created.
    name: 'namespaces',
    namespace: ARGOCD_NAMESPACE,
    wave: SYNC_WAVES.namespaces,
    enabled: () => true,
    build: (scope, id, env) => new PlatformNamespaces(scope, id, { env: env.name, namespaces: platformNamespaces(env) }),
  },
  {
    name: 'gatekeeper-policies',
    namespace: GATEKEEPER_NAMESPACE,
    wave: SYNC_WAVES.gatekeeperPolicies,
    enabled: () => true,
    build: (scope, id, env) =>
      new GatekeeperPolicies(scope, id, {
        env: env.name,
        namespaces: [DEMO_NAMESPACE],
        enforcementActions: env.security.enforcementActions,
        requiredLabels: env.security.requiredLabels,
        allowedRegistries: env.registry ? [env.registry] : undefined,
        // Kind's own static pods and CoreDNS come with the node image, not from Harbor.
        registryExemptNamespaces: ['kube-system'],
      }),
  },
  {
    name: 'otel-collector',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new OtelCollector(scope, id, {
        env: env.name,
        namespace: MONITORING_NAMESPACE,
        replicas: env.observability.replicas.collector,
        config: collectorConfig(collectorSettings(env)),
        image: { source: IMAGES.otelCollectorContrib, tag: IMAGES.otelCollectorContrib.tag },
        registry: env.registry,
        memoryLimitMib: collectorSettings(env).memoryLimitMib,
      }),
  },
  {
    name: 'mimir-rules',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new MimirRules(scope, id, {
        env: env.name,
        namespace: MONITORING_NAMESPACE,
        groups: rollbackRules(SEED_ROLLBACK_CRITERIA),
        externalRulerApi: lgtmInCluster(env) ? undefined : lgtmEndpoints(env).mimirRulerApi,
        registry: env.registry,
      }),
  },
  {
    name: 'alertmanager',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new Alertmanager(scope, id, {
        env: env.name,
        namespace: MONITORING_NAMESPACE,
        image: { source: IMAGES.alertmanager, tag: IMAGES.alertmanager.tag },
        registry: env.registry,
      }),
  },
  {
    name: 'grafana-dashboards',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new GrafanaDashboards(scope, id, {
        env: env.name,
        namespace: MONITORING_NAMESPACE,
        label: DASHBOARD_LABEL,
        dashboards: [
          redDashboard('backend', { type: 'prometheus', uid: DATASOURCE_UIDS.mimir }),
          platformOverviewDashboard({ type: 'prometheus', uid: DATASOURCE_UIDS.mimir }),
        ],
      }),
  },
  {
    name: 'platform',
    namespace: DEMO_NAMESPACE,
    wave: SYNC_WAVES.platform,
    enabled: () => true,
    build: (scope, id, env) =>
      new PlatformGuardrails(scope, id, {
        env: env.name,
        settings: env.platform,
        namespace: DEMO_NAMESPACE,
        backendSelector: BACKEND_SELECTOR,
      }),
  },
  {
    // With the observability stack: its pods start isolated.
    name: 'monitoring-isolation',
    namespace: MONITORING_NAMESPACE,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) => new NamespaceIsolation(scope, id, { env: env.name, namespace: MONITORING_NAMESPACE, rules: monitoringTraffic(env) }),
  },
  {
    name: 'demo-isolation',
    namespace: DEMO_NAMESPACE,
    wave: SYNC_WAVES.networkSecurity,
    enabled: () => true,
    build: (scope, id, env) => new NamespaceIsolation(scope, id, { env: env.name, namespace: DEMO_NAMESPACE, rules: demoTraffic(env) }),
  },
  {
    name: 'network-policies',
    namespace: DEMO_NAMESPACE,
    wave: SYNC_WAVES.networkSecurity,
    enabled: (env) => env.security.backendL3L4Policy || env.security.backendL7Policy,
    build: (scope, id, env) =>
      new BackendNetworkPolicies(scope, id, {
        env: env.name,
        namespace: DEMO_NAMESPACE,
        backendSelector: BACKEND_SELECTOR,
        backendPort: BACKEND_CONTAINER_PORT,
        clientSelectors: frontendTier(env),
        gatewayNamespace: KONG_NAMESPACE,
        meshHbone: !env.features.skipIstio,
        l3l4: env.security.backendL3L4Policy,
        l7: env.security.backendL7Policy,
        l7AllowedGetPaths: ['/get', '/status/[0-9]+'],
      }),
  },
  {
    name: 'mesh-security',
    namespace: ISTIO_NAMESPACE,
    wave: SYNC_WAVES.meshSecurity,
    enabled: (env) => !env.features.skipIstio,
    build: (scope, id, env) =>
      new MeshSecurity(scope, id, {
        env: env.name,
        meshRootNamespace: ISTIO_NAMESPACE,
        trustDomain: 'cluster.local',
        backend: { namespace: DEMO_NAMESPACE, selector: BACKEND_SELECTOR },
        backendCallers: [FRONTEND_SA, UPSTREAM_SERVICE_ACCOUNTS.kongGateway],
        gatewayProxy: { namespace: KONG_NAMESPACE, selector: KONG_PROXY_POD_LABELS, port: KONG_PROXY_CONTAINER_PORT },
      }),
  },
  {
    // Seed 10-3: the DC servers of the services Kong moves to Kubernetes; same wave as the routes that weigh them.
    name: 'dc-upstreams',
    namespace: DEMO_NAMESPACE,
    wave: SYNC_WAVES.gatewayRoutes,
    enabled: (env) => env.demo.migration.length > 0,
    build: (scope, id, env) => new DcUpstreams(scope, id, { env: env.name, team: env.team, namespace: DEMO_NAMESPACE, services: env.demo.migration }),
  },
  {
    name: 'gateway',
    namespace: KONG_NAMESPACE,
    wave: SYNC_WAVES.gatewayRoutes,
    enabled: () => true,
    build: (scope, id, env) =>
      new GatewayRoutes(scope, id, {
        env: env.name,
        domain: env.domain,
        gatewayClassName: KONG_GATEWAY.gatewayClassName,
        controllerName: KONG_GATEWAY.controllerName,
        gateway: { namespace: KONG_GATEWAY.namespace, name: KONG_GATEWAY.name },
        tlsSecret: BOOTSTRAP_SECRETS.labWildcardTls,
        routes: publishedRoutes(env).map((route) => withMigration(route, env)),
        httpsOnly: env.security.exposure.httpsOnly,
        routeNamespaceLabel: ROUTE_NAMESPACE_LABEL,
      }),
  },
  {
    name: 'demo',
    namespace: DEMO_NAMESPACE,
    wave: SYNC_WAVES.demo,
    enabled: () => true,
    build: (scope, id, env) =>
      new DemoApp(scope, id, {
        env: env.name,
        team: env.team,
        domain: env.domain,
        namespace: DEMO_NAMESPACE,
        settings: env.demo,
        registry: env.registry,
        backendPriorityClass: PRIORITY_CLASSES.high.name,
        kongProxy: KONG_PROXY,
      }),
  },
  {
    // The root Application's source: the AppProjects and every child Application. Last, because its
    // AppProjects allow what the other charts render, read from those charts.
    name: 'apps',
    namespace: ARGOCD_NAMESPACE,
    wave: 0,
    childApp: false,
    enabled: () => true,
    build: (scope, id, env) =>
      new AppOfApps(scope, id, {
        env,
        argocdNamespace: ARGOCD_NAMESPACE,
        projects: ARGOCD_PROJECTS,
        systemNamespaces: SYSTEM_NAMESPACES,
        children: childApps(env, COMPONENTS, UPSTREAM_COMPONENTS),
      }),
  },
];
