import { HelmPackageDefinition } from './lib/helm-package';
import { AppOfApps } from './argocd/app-of-apps';
import { childApps, distPath } from './argocd/children';
import { RootApplication } from './argocd/root-application';
import { helmSource, helmValues, UPSTREAM_COMPONENTS, UpstreamComponent } from './argocd/upstream-components';
import { DASHBOARD_LABEL, DATASOURCE_UIDS } from './argocd/values/grafana';
import { lgtmEndpoints, lgtmInCluster } from './argocd/values/lgtm';
import { bootstrapEnv } from './bootstrap/bootstrap-env';
import { kindConfig } from './bootstrap/kind-config';
import { BootstrapNamespace } from './bootstrap/bootstrap-namespace';
import { LAB_CLONE_VOLUME, LabCloneVolume } from './bootstrap/lab-clone-volume';
import { LAB_CLONE_CLAIM } from './argocd/values/argocd';
import { Alertmanager } from './charts/alertmanager';
import { BackendNetworkPolicies } from './charts/backend-network-policies';
import { BACKEND_CONTAINER_PORT, DemoApp } from './charts/demo-app';
import { DcUpstreams } from './charts/dc-upstreams';
import { CONSTRAINT_NAMES, GatekeeperPolicies } from './charts/gatekeeper-policies';
import { GatewayRoutes, routeName } from './charts/gateway-routes';
import { GrafanaDashboards } from './charts/grafana-dashboards';
import { MeshSecurity } from './charts/mesh-security';
import { MimirRules } from './charts/mimir-rules';
import { NamespaceIsolation } from './charts/namespace-isolation';
import { OtelCollector } from './charts/otel-collector';
import { PlatformGuardrails, PRIORITY_CLASSES } from './charts/platform-guardrails';
import { PlatformNamespaces } from './charts/platform-namespaces';
import { PolicyKey } from './config';
import { skipIstioVariantOf } from './config/environments';
import { IMAGES } from './lib/images';
import { NAMESPACES, ROUTE_NAMESPACE_LABEL } from './lib/namespaces';
import { ChartComponent } from './lib/synth';
import { BOOTSTRAP_SECRETS, KONG_PROXY_POD_LABELS, UPSTREAM_SERVICE_ACCOUNTS } from './lib/upstream';
import { kongExternalContainerPorts } from './argocd/values/kong';
import { SYNC_WAVES } from './lib/waves';
import { toYaml } from './lib/yaml';
import { collectorConfig } from './observability/collector-config';
import { platformOverviewDashboard, redDashboard } from './observability/dashboards';
import { rollbackRules, SEED_ROLLBACK_CRITERIA } from './observability/rollback-rules';
import { POLICY_TEMPLATES } from './policies/templates';
import {
  ARGOCD_PROJECTS,
  BACKEND_SELECTOR,
  FRONTEND_SA,
  KONG_GATEWAY,
  KONG_PROXY,
  SYSTEM_NAMESPACES,
  collectorSettings,
  demoTraffic,
  frontendTier,
  monitoringTraffic,
  platformNamespaces,
  publishedRoutes,
  withMigration,
} from './topology';

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
    namespace: NAMESPACES.argocd,
    wave: 0,
    childApp: false,
    enabled: () => true,
    build: (scope, id, env) => {
      const chart = new RootApplication(scope, id, {
        env,
        argocdNamespace: NAMESPACES.argocd,
        appsPath: distPath(env, 'apps'),
        project: ARGOCD_PROJECTS.root,
      });
      // Namespaces of the Secrets the bootstrap creates; labelled as their Applications label them.
      for (const secret of Object.values(BOOTSTRAP_SECRETS)) {
        const policy = platformNamespaces(env).find((n) => n.name === secret.namespace);
        if (!policy) throw new Error(`the bootstrap secret namespace ${secret.namespace} is not a platform namespace`);
        new BootstrapNamespace(chart, `namespace-${secret.namespace}`, { policy });
      }
      if (env.git.localClone) {
        // The claim's namespace exists before Helm would create it: labelled as the namespaces Application keeps it.
        const argocd = platformNamespaces(env).find((n) => n.name === NAMESPACES.argocd)!;
        new BootstrapNamespace(chart, `namespace-${NAMESPACES.argocd}`, { policy: argocd });
        new LabCloneVolume(chart, 'lab-clone', {
          clone: env.git.localClone,
          volumeName: LAB_CLONE_VOLUME,
          claim: { namespace: NAMESPACES.argocd, name: LAB_CLONE_CLAIM },
        });
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
          skipIstioEnv: skipIstioVariantOf(env)?.name,
          argocdNamespace: NAMESPACES.argocd,
          istioNamespace: NAMESPACES.istio,
          cilium: upstream('cilium'),
          argocd: upstream('argocd'),
          tlsSecret: BOOTSTRAP_SECRETS.labWildcardTls,
          hosts: publishedRoutes(env).map((r) => `${r.host}.${env.domain}`),
          rootApplicationFile: `application-root-${env.name}.yaml`,
          rootProjectFile: `appproject-${ARGOCD_PROJECTS.root}.yaml`,
          namespaceFiles: Object.values(BOOTSTRAP_SECRETS).map((secret) => `namespace-${secret.namespace}.yaml`),
          labCloneFiles: env.git.localClone
            ? [`namespace-${NAMESPACES.argocd}.yaml`, `persistentvolume-${LAB_CLONE_VOLUME}.yaml`, `persistentvolumeclaim-${LAB_CLONE_CLAIM}.yaml`]
            : [],
          grafanaAdminSecret: BOOTSTRAP_SECRETS.grafanaAdmin,
          verify: {
            namespaces: [...new Set([...UPSTREAM_COMPONENTS.filter((u) => u.enabled(env)).map((u) => u.namespace), NAMESPACES.demo])].sort(),
            gateway: `${KONG_GATEWAY.namespace}/${KONG_GATEWAY.name}`,
            httpRoutes: publishedRoutes(env).map((r) => `${r.service.namespace}/${routeName(r)}`),
            constraints: Object.entries(CONSTRAINT_NAMES).map(([key, name]) => `${POLICY_TEMPLATES[key as PolicyKey].kind.toLowerCase()}/${name}`),
          },
        }),
      },
    ],
  },
  {
    // Before anything else: Pod Security Admission judges pods only when they are created.
    name: 'namespaces',
    namespace: NAMESPACES.argocd,
    wave: SYNC_WAVES.namespaces,
    enabled: () => true,
    build: (scope, id, env) => new PlatformNamespaces(scope, id, { env: env.name, namespaces: platformNamespaces(env) }),
  },
  {
    name: 'gatekeeper-policies',
    namespace: NAMESPACES.gatekeeper,
    wave: SYNC_WAVES.gatekeeperPolicies,
    enabled: () => true,
    build: (scope, id, env) =>
      new GatekeeperPolicies(scope, id, {
        env: env.name,
        namespaces: [NAMESPACES.demo],
        enforcementActions: env.security.enforcementActions,
        requiredLabels: env.security.requiredLabels,
        allowedRegistries: env.registry ? [env.registry] : undefined,
        // Kind's own static pods and CoreDNS come with the node image, not from Harbor.
        registryExemptNamespaces: [NAMESPACES.kubeSystem],
      }),
  },
  {
    name: 'otel-collector',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new OtelCollector(scope, id, {
        env: env.name,
        namespace: NAMESPACES.monitoring,
        replicas: env.observability.replicas.collector,
        config: collectorConfig(collectorSettings(env)),
        image: { source: IMAGES.otelCollectorContrib, tag: IMAGES.otelCollectorContrib.tag },
        registry: env.registry,
        memoryLimitMib: collectorSettings(env).memoryLimitMib,
      }),
  },
  {
    name: 'mimir-rules',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new MimirRules(scope, id, {
        env: env.name,
        namespace: NAMESPACES.monitoring,
        groups: rollbackRules(SEED_ROLLBACK_CRITERIA),
        externalRulerApi: lgtmInCluster(env) ? undefined : lgtmEndpoints(env).mimirRulerApi,
        registry: env.registry,
      }),
  },
  {
    name: 'alertmanager',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new Alertmanager(scope, id, {
        env: env.name,
        namespace: NAMESPACES.monitoring,
        image: { source: IMAGES.alertmanager, tag: IMAGES.alertmanager.tag },
        registry: env.registry,
      }),
  },
  {
    name: 'grafana-dashboards',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) =>
      new GrafanaDashboards(scope, id, {
        env: env.name,
        namespace: NAMESPACES.monitoring,
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
    build: (scope, id, env) =>
      new PlatformGuardrails(scope, id, {
        env: env.name,
        settings: env.platform,
        namespace: NAMESPACES.demo,
        backendSelector: BACKEND_SELECTOR,
      }),
  },
  {
    // With the observability stack: its pods start isolated.
    name: 'monitoring-isolation',
    namespace: NAMESPACES.monitoring,
    wave: SYNC_WAVES.observability,
    enabled: () => true,
    build: (scope, id, env) => new NamespaceIsolation(scope, id, { env: env.name, namespace: NAMESPACES.monitoring, rules: monitoringTraffic(env) }),
  },
  {
    name: 'demo-isolation',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.networkSecurity,
    enabled: () => true,
    build: (scope, id, env) => new NamespaceIsolation(scope, id, { env: env.name, namespace: NAMESPACES.demo, rules: demoTraffic(env) }),
  },
  {
    name: 'network-policies',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.networkSecurity,
    enabled: (env) => env.security.backendL3L4Policy || env.security.backendL7Policy,
    build: (scope, id, env) =>
      new BackendNetworkPolicies(scope, id, {
        env: env.name,
        namespace: NAMESPACES.demo,
        backendSelector: BACKEND_SELECTOR,
        backendPort: BACKEND_CONTAINER_PORT,
        clientSelectors: frontendTier(env),
        gatewayNamespace: NAMESPACES.kong,
        meshHbone: !env.features.skipIstio,
        l3l4: env.security.backendL3L4Policy,
        l7: env.security.backendL7Policy,
        l7AllowedGetPaths: ['/get', '/status/[0-9]+'],
      }),
  },
  {
    name: 'mesh-security',
    namespace: NAMESPACES.istio,
    wave: SYNC_WAVES.meshSecurity,
    enabled: (env) => !env.features.skipIstio,
    build: (scope, id, env) =>
      new MeshSecurity(scope, id, {
        env: env.name,
        meshRootNamespace: NAMESPACES.istio,
        trustDomain: 'cluster.local',
        backend: { namespace: NAMESPACES.demo, selector: BACKEND_SELECTOR },
        backendCallers: [FRONTEND_SA, UPSTREAM_SERVICE_ACCOUNTS.kongGateway],
        gatewayProxy: { namespace: NAMESPACES.kong, selector: KONG_PROXY_POD_LABELS, ports: kongExternalContainerPorts(env) },
      }),
  },
  {
    // Seed 10-3: the DC servers of the services Kong moves to Kubernetes; same wave as the routes that weigh them.
    name: 'dc-upstreams',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.gatewayRoutes,
    enabled: (env) => env.demo.migration.length > 0,
    build: (scope, id, env) =>
      new DcUpstreams(scope, id, { env: env.name, team: env.team, namespace: NAMESPACES.demo, services: env.demo.migration }),
  },
  {
    name: 'gateway',
    namespace: NAMESPACES.kong,
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
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.demo,
    enabled: () => true,
    build: (scope, id, env) =>
      new DemoApp(scope, id, {
        env: env.name,
        team: env.team,
        domain: env.domain,
        namespace: NAMESPACES.demo,
        settings: env.demo,
        registry: env.registry,
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
    buildFromRender: (scope, id, env, rendered) =>
      new AppOfApps(scope, id, {
        env,
        argocdNamespace: NAMESPACES.argocd,
        projects: ARGOCD_PROJECTS,
        systemNamespaces: SYSTEM_NAMESPACES,
        children: childApps(env, COMPONENTS, UPSTREAM_COMPONENTS, rendered),
      }),
  },
];

/**
 * Seed section 11's demo-app chart, generated from the demo component as dev
 * (values.yaml), stg and prod (values-stg.yaml, values-prod.yaml) render it, so
 * `helm template -f values-prod.yaml` is `dist/prod/demo/`.
 */
export const HELM_PACKAGES: readonly HelmPackageDefinition[] = [
  {
    name: 'demo-app',
    description: "The seed's demo app (section 11): httpbin backend, curl frontend, load generator",
    version: '0.1.0',
    appVersion: '1.0.0',
    component: 'demo',
    base: 'dev',
    envs: ['dev', 'stg', 'prod'],
  },
];
