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
import { BackendNetworkPolicies } from './charts/backend-network-policies';
import { BACKEND_CONTAINER_PORT, BACKEND_SERVICE_PORT, DemoApp } from './charts/demo-app';
import { dcServiceName, DcUpstreams } from './charts/dc-upstreams';
import { CONSTRAINT_NAMES, GatekeeperPolicies } from './charts/gatekeeper-policies';
import { GatewayRoutes, RouteTarget } from './charts/gateway-routes';
import { GrafanaDashboards } from './charts/grafana-dashboards';
import { MeshSecurity } from './charts/mesh-security';
import { MimirRules } from './charts/mimir-rules';
import { OtelCollector } from './charts/otel-collector';
import { PlatformGuardrails, PRIORITY_CLASSES } from './charts/platform-guardrails';
import { EnvironmentConfig, PolicyKey } from './config';
import { IMAGES } from './lib/images';
import { ChartComponent } from './lib/synth';
import {
  BOOTSTRAP_SECRETS,
  KONG_PROXY_CONTAINER_PORT,
  KONG_PROXY_POD_LABELS,
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
export const ARGOCD_PROJECT = 'platform';
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
export const KONG_GATEWAY = { gatewayClassName: 'kong', controllerName: 'konghq.com/kic-gateway-controller', namespace: KONG_NAMESPACE, name: 'kong-gateway' };

const BACKEND_SELECTOR = { app: 'backend' };

const toUpstream = (host: string, s: UpstreamService & { ports: { http: number } }): RouteTarget => ({
  host,
  service: { namespace: s.namespace, name: s.name, port: s.ports.http },
});

/** Seed section 3: one host per UI, each pointing at its real Service and port. */
const ROUTES: readonly RouteTarget[] = [
  { host: 'api', service: { namespace: DEMO_NAMESPACE, name: 'backend', port: BACKEND_SERVICE_PORT } },
  toUpstream('grafana', UPSTREAM_SERVICES.grafana),
  toUpstream('argocd', UPSTREAM_SERVICES.argocdServer),
  toUpstream('hubble', UPSTREAM_SERVICES.hubbleUi),
];
const FRONTEND_SA = { namespace: DEMO_NAMESPACE, name: 'frontend' };

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
    // The root Application's source: the AppProject and every child Application.
    name: 'apps',
    namespace: ARGOCD_NAMESPACE,
    wave: 0,
    childApp: false,
    enabled: () => true,
    build: (scope, id, env) =>
      new AppOfApps(scope, id, {
        env,
        argocdNamespace: ARGOCD_NAMESPACE,
        projectName: ARGOCD_PROJECT,
        children: childApps(env, COMPONENTS, UPSTREAM_COMPONENTS),
      }),
  },
  {
    // What setup.sh applies before Argo CD takes over; the same values the Applications use.
    name: 'bootstrap',
    namespace: ARGOCD_NAMESPACE,
    wave: 0,
    childApp: false,
    enabled: () => true,
    build: (scope, id, env) => {
      const chart = new RootApplication(scope, id, { env, argocdNamespace: ARGOCD_NAMESPACE, appsPath: distPath(env, 'apps') });
      // Namespaces of the Secrets the bootstrap creates; labelled as their Applications label them.
      for (const secret of Object.values(BOOTSTRAP_SECRETS)) {
        const owner = UPSTREAM_COMPONENTS.find((u) => u.namespace === secret.namespace && u.namespaceLabels);
        new BootstrapNamespace(chart, `namespace-${secret.namespace}`, { env, name: secret.namespace, labels: owner?.namespaceLabels?.(env) ?? {} });
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
          hosts: ROUTES.map((r) => `${r.host}.${env.domain}`),
          rootApplicationFile: `application-root-${env.name}.yaml`,
          namespaceFiles: Object.values(BOOTSTRAP_SECRETS).map((secret) => `namespace-${secret.namespace}.yaml`),
          grafanaAdminSecret: BOOTSTRAP_SECRETS.grafanaAdmin,
          verify: {
            namespaces: [...new Set([...UPSTREAM_COMPONENTS.filter((u) => u.enabled(env)).map((u) => u.namespace), DEMO_NAMESPACE])].sort(),
            gateway: `${KONG_GATEWAY.namespace}/${KONG_GATEWAY.name}`,
            httpRoutes: ROUTES.map((r) => `${r.service.namespace}/${r.host}`),
            constraints: Object.entries(CONSTRAINT_NAMES).map(([key, name]) => `${POLICY_TEMPLATES[key as PolicyKey].kind.toLowerCase()}/${name}`),
          },
        }),
      },
    ],
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
      new Alertmanager(scope, id, { env: env.name, namespace: MONITORING_NAMESPACE, image: { source: IMAGES.alertmanager, tag: IMAGES.alertmanager.tag }, registry: env.registry }),
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
        dashboards: [redDashboard('backend', { type: 'prometheus', uid: DATASOURCE_UIDS.mimir }), platformOverviewDashboard({ type: 'prometheus', uid: DATASOURCE_UIDS.mimir })],
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
        routes: ROUTES.map((route) => withMigration(route, env)),
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
        namespaceLabels: env.features.skipIstio ? {} : { 'istio.io/dataplane-mode': 'ambient' },
        backendPriorityClass: PRIORITY_CLASSES.high.name,
        kongProxy: KONG_PROXY,
      }),
  },
];
