import { AppOfApps } from './argocd/app-of-apps';
import { childApps } from './argocd/children';
import { UPSTREAM_COMPONENTS } from './argocd/upstream-components';
import { DASHBOARD_LABEL, DATASOURCE_UIDS } from './argocd/values/grafana';
import { lgtmEndpoints, lgtmInCluster } from './argocd/values/lgtm';
import { Alertmanager } from './charts/alertmanager';
import { BackendNetworkPolicies, BackendNetworkPoliciesProps } from './charts/backend-network-policies';
import { PlatformChartProps } from './lib/platform-chart';
import { DemoApp } from './charts/demo-app';
import { BACKEND_CONTAINER_PORT } from './lib/traffic';
import { DcUpstreams } from './charts/dc-upstreams';
import { CONSTRAINT_NAMES, GatekeeperPolicies } from './charts/gatekeeper-policies';
import { POLICY_TEMPLATES } from './policies/templates';
import { GatewayRoutes } from './charts/gateway-routes';
import { GrafanaDashboards } from './charts/grafana-dashboards';
import { MeshSecurity } from './charts/mesh-security';
import { MimirRules } from './charts/mimir-rules';
import { NamespaceIsolation } from './charts/namespace-isolation';
import { OtelCollector } from './charts/otel-collector';
import { PlatformGuardrails, PRIORITY_CLASSES } from './charts/platform-guardrails';
import { PlatformNamespaces } from './charts/platform-namespaces';
import { bootstrapComponent } from './bootstrap/bootstrap-component';
import { environmentByName, skipIstioVariantOf } from './config/environments';
import { Fleet } from './charts/fleet';
import { fleetSpokes } from './argocd/fleet-spokes';
import { IMAGES } from './lib/images';
import { AMBIENT_LABEL, NAMESPACES, ROUTE_NAMESPACE_LABEL } from './lib/namespaces';
import { ChartComponent } from './lib/synth';
import { BOOTSTRAP_SECRETS, KONG_PROXY_POD_LABELS, UPSTREAM_SERVICE_ACCOUNTS } from './lib/upstream';
import { kongExternalContainerPorts } from './argocd/values/kong';
import { SYNC_WAVES } from './lib/waves';
import { collectorConfig } from './observability/collector-config';
import { platformOverviewDashboard, redDashboard } from './observability/dashboards';
import { rollbackRules, SEED_ROLLBACK_CRITERIA } from './observability/rollback-rules';
import {
  ARGOCD_PROJECTS,
  argocdTraffic,
  BACKEND_SELECTOR,
  COLLECTOR_TRACES_URL,
  FRONTEND_SA,
  KONG_GATEWAY,
  KONG_PROXY,
  SYSTEM_NAMESPACES,
  collectorSettings,
  demoTraffic,
  frontendTier,
  meshedPort,
  readerOwnedIngress,
  monitoringTraffic,
  platformNamespaces,
  publishedRoutes,
  withMigration,
  servicesWithDc,
} from './topology/index';

/**
 * The component registry: the one list that synth, the App-of-Apps and the
 * checks all read. Waves, not list order, decide the sync order. Upstream
 * charts are listed in argocd/upstream-components.ts.
 */
export const COMPONENTS: readonly ChartComponent[] = [
  bootstrapComponent({ skipIstioVariantOf }),
  {
    // The other clusters this Argo CD runs (its environment's `fleet`), once its own platform is in place.
    name: 'fleet',
    namespace: NAMESPACES.argocd,
    wave: SYNC_WAVES.fleet,
    enabled: (env) => (env.fleet?.clusters.length ?? 0) > 0,
    build: (scope, id, context) =>
      new Fleet(scope, id, {
        ...context,
        ...fleetSpokes(context.env, COMPONENTS, (name) => environmentByName(name)),
        components: context.env.fleet?.components ?? [],
        git: context.env.git,
      }),
  },
  {
    // Before anything else: Pod Security Admission judges pods only when they are created.
    name: 'namespaces',
    namespace: NAMESPACES.argocd,
    wave: SYNC_WAVES.namespaces,
    enabled: () => true,
    build: (scope, id, context) => new PlatformNamespaces(scope, id, { ...context, namespaces: platformNamespaces(context.env) }),
    // Seed 4-1 takes demo out of the mesh by hand and puts it back; where hand edits are kept, selfHeal leaves that label alone.
    ignoreDifferences: (env) =>
      env.security.handEdits.argocd === 'keeps' && !env.features.skipIstio
        ? [{ group: '', kind: 'Namespace', name: NAMESPACES.demo, jsonPointers: [`/metadata/labels/${AMBIENT_LABEL.key.replace('/', '~1')}`] }]
        : [],
  },
  {
    name: 'gatekeeper-policies',
    namespace: NAMESPACES.gatekeeper,
    wave: SYNC_WAVES.gatekeeperPolicies,
    enabled: () => true,
    build: (scope, id, context) =>
      new GatekeeperPolicies(scope, id, {
        ...context,
        namespaces: [NAMESPACES.demo],
        enforcementActions: context.env.security.enforcementActions,
        requiredLabels: context.env.security.requiredLabels,
        allowedRegistries: context.env.registry ? [context.env.registry] : undefined,
        // Kind's own static pods and CoreDNS come with the node image, not from Harbor.
        registryExemptNamespaces: [NAMESPACES.kubeSystem],
        apiServerActions: context.env.security.apiServerGuardrails.validationActions,
      }),
    // Seed 6-2 switches deny-privileged-container to warn by hand and back; where hand edits are kept, selfHeal leaves it alone.
    ignoreDifferences: (env) =>
      env.security.handEdits.argocd === 'keeps'
        ? [
            {
              group: 'constraints.gatekeeper.sh',
              kind: POLICY_TEMPLATES.denyPrivileged.kind,
              name: CONSTRAINT_NAMES.denyPrivileged,
              jsonPointers: ['/spec/enforcementAction'],
            },
          ]
        : [],
  },
  {
    name: 'otel-collector',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, context) =>
      new OtelCollector(scope, id, {
        ...context,
        replicas: context.env.observability.replicas.collector,
        config: collectorConfig(collectorSettings(context.env)),
        image: IMAGES.otelCollectorContrib,
        memoryLimitMib: collectorSettings(context.env).memoryLimitMib,
      }),
  },
  {
    name: 'mimir-rules',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, context) =>
      new MimirRules(scope, id, {
        ...context,
        groups: rollbackRules(SEED_ROLLBACK_CRITERIA),
        externalRulerApi: lgtmInCluster(context.env) ? undefined : lgtmEndpoints(context.env).mimirRulerApi,
      }),
  },
  {
    name: 'alertmanager',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, context) =>
      new Alertmanager(scope, id, {
        ...context,
        image: IMAGES.alertmanager,
        rollbackWebhook: context.env.observability.rollbackReceiver && {
          url: context.env.observability.rollbackReceiver.url,
          credentialsSecret: BOOTSTRAP_SECRETS.rollbackReceiver.name,
        },
      }),
  },
  {
    name: 'grafana-dashboards',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, context) =>
      new GrafanaDashboards(scope, id, {
        ...context,
        label: DASHBOARD_LABEL,
        dashboards: [
          redDashboard('backend', { type: 'prometheus', uid: DATASOURCE_UIDS.mimir }),
          platformOverviewDashboard({ type: 'prometheus', uid: DATASOURCE_UIDS.mimir }),
        ],
      }),
  },
  {
    name: 'platform',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.platform,
    enabled: () => true,
    build: (scope, id, context) =>
      new PlatformGuardrails(scope, id, {
        ...context,
        settings: context.env.platform,
        backendSelector: BACKEND_SELECTOR,
      }),
  },
  {
    // With the observability stack: its pods start isolated.
    name: 'monitoring-isolation',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, context) => new NamespaceIsolation(scope, id, { ...context, rules: monitoringTraffic(context.env) }),
  },
  {
    // Argo CD's namespace, closed like the others: the Gateway alone reaches its API server.
    name: 'argocd-isolation',
    namespace: NAMESPACES.argocd,
    wave: SYNC_WAVES.networkSecurity,
    enabled: () => true,
    build: (scope, id, context) => new NamespaceIsolation(scope, id, { ...context, rules: argocdTraffic(context.env) }),
  },
  {
    name: 'demo-isolation',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.networkSecurity,
    enabled: () => true,
    build: (scope, id, context) =>
      new NamespaceIsolation(scope, id, { ...context, rules: demoTraffic(context.env), ingressLeftTo: readerOwnedIngress(context.env) }),
  },
  {
    name: 'network-policies',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.networkSecurity,
    // Where the reader applies them (the lab), they are the seed's steps, not a child: lab/01-cilium/policies/.
    enabled: (env) => (env.security.backendL3L4Policy || env.security.backendL7Policy) && env.security.backendPolicies.appliedBy === 'argocd',
    build: (scope, id, context) => new BackendNetworkPolicies(scope, id, backendPolicyProps(context)),
  },
  {
    name: 'mesh-security',
    namespace: NAMESPACES.istio,
    wave: SYNC_WAVES.meshSecurity,
    enabled: (env) => !env.features.skipIstio,
    build: (scope, id, context) =>
      new MeshSecurity(scope, id, {
        ...context,
        trustDomain: 'cluster.local',
        backend: { namespace: NAMESPACES.demo, selector: BACKEND_SELECTOR, ports: [BACKEND_CONTAINER_PORT] },
        backendCallers: [FRONTEND_SA, UPSTREAM_SERVICE_ACCOUNTS.kongGateway],
        gatewayProxy: { namespace: NAMESPACES.kong, selector: KONG_PROXY_POD_LABELS, ports: kongExternalContainerPorts(context.env) },
      }),
  },
  {
    // Seed 10-3: the DC servers of the services Kong moves to Kubernetes; same wave as the routes that weigh them.
    name: 'dc-upstreams',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.gatewayRoutes,
    enabled: (env) => servicesWithDc(env).length > 0,
    build: (scope, id, context) => new DcUpstreams(scope, id, { ...context, services: servicesWithDc(context.env) }),
  },
  {
    name: 'gateway',
    namespace: NAMESPACES.kong,
    wave: SYNC_WAVES.gatewayRoutes,
    enabled: () => true,
    build: (scope, id, context) =>
      new GatewayRoutes(scope, id, {
        ...context,
        gatewayClassName: KONG_GATEWAY.gatewayClassName,
        controllerName: KONG_GATEWAY.controllerName,
        gateway: { namespace: KONG_GATEWAY.namespace, name: KONG_GATEWAY.name },
        tlsSecret: BOOTSTRAP_SECRETS.labWildcardTls,
        routes: publishedRoutes(context.env).map((route) => withMigration(route, context.env)),
        httpsOnly: context.env.security.exposure.httpsOnly,
        routeNamespaceLabel: ROUTE_NAMESPACE_LABEL,
        tracesEndpoint: context.env.observability.gatewayTraces ? COLLECTOR_TRACES_URL : undefined,
      }),
  },
  {
    name: 'demo',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.demo,
    enabled: () => true,
    build: (scope, id, context) =>
      new DemoApp(scope, id, {
        ...context,
        settings: context.env.demo,
        backendPriorityClass: PRIORITY_CLASSES.high.name,
        kongProxy: KONG_PROXY,
      }),
  },
  {
    // The root Application's source: the AppProjects and every child Application. Its
    // AppProjects allow what the other charts render, so it is built from their files.
    name: 'apps',
    namespace: NAMESPACES.argocd,
    wave: 0,
    childApp: false,
    enabled: () => true,
    buildFromRender: (scope, id, context, rendered) =>
      new AppOfApps(scope, id, {
        ...context,
        projects: ARGOCD_PROJECTS,
        systemNamespaces: SYSTEM_NAMESPACES,
        children: childApps(context.env, COMPONENTS, UPSTREAM_COMPONENTS, rendered),
      }),
  },
];

/** Seed 2-1's and 2-3's backend policies as the environment renders them: a child of its own, or the reader's files. */
export function backendPolicyProps(context: PlatformChartProps): BackendNetworkPoliciesProps {
  return {
    ...context,
    backendSelector: BACKEND_SELECTOR,
    backendPort: BACKEND_CONTAINER_PORT,
    admittedPort: meshedPort(context.env, BACKEND_CONTAINER_PORT),
    clientSelectors: frontendTier(context.env),
    gatewayNamespace: NAMESPACES.kong,
    l3l4: context.env.security.backendL3L4Policy,
    l7: context.env.security.backendL7Policy,
    l7AllowedGetPaths: ['/get', '/status/[0-9]+'],
  };
}
