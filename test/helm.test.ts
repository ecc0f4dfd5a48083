import { HelmChartSource, helmValues, UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { hubbleMetricsOption } from '../argocd/values/cilium';
import { KONG_NODE_PORTS } from '../argocd/values/kong';
import { UNAVAILABLE_CHARTS } from '../verify/checks/unavailable-charts';
import { VALUES_KEY_EXCEPTIONS } from '../verify/checks/values-key-exceptions';
import { checkValuesKeys, loadChartDocs, ValuesKeyReport } from '../verify/checks/values-keys';
import { EnvironmentConfig } from '../config';
import { applicationsOf, HydratedApp, hydrateApplications } from '../verify/engines/hydrate';
import { podImages, podTemplateOf } from '../verify/engines/pods';
import { GRAFANA_POD } from '../lib/upstream';
import { UPSTREAM_PODS } from '../verify/checks/upstream-pods';
import { KubeObject } from '../lib/synth';
import { ALL_ENVS, render } from './helpers';
import { toolPath } from './tools';

/**
 * The upstream charts as Helm renders them: every Application's chart with
 * its values as Argo CD reads them from dist/. Assertions are on the rendered
 * objects, not on our values.
 */
const helm = toolPath('helm');
const HARBOR = 'harbor.corp.example:5000/lab';

const hydrate = (env: EnvironmentConfig, cache = true): HydratedApp[] => hydrateApplications(applicationsOf(render(env)), { helm, cache });
/** The same environment air-gapped: every image from Harbor, no grafana.com dashboards. */
const airGapped = (env: EnvironmentConfig): EnvironmentConfig => ({
  ...env,
  registry: HARBOR,
  observability: { ...env.observability, onlineDashboards: false },
});

function find(apps: readonly HydratedApp[], app: string, kind: string, name: string): KubeObject & { spec?: any; data?: any } {
  const found = apps.find((a) => a.app === app)?.objects.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!found) throw new Error(`${app} renders no ${kind} ${name}`);
  return found.object as KubeObject & { spec?: any; data?: any };
}
const containerEnv = (o: any, container: string): Record<string, string> =>
  Object.fromEntries((o.spec.template.spec.containers.find((c: any) => c.name === container)?.env ?? []).map((e: any) => [e.name, e.value]));

function valuesKeys(env: EnvironmentConfig, apps: readonly HydratedApp[]): Array<{ app: string; report?: ValuesKeyReport; reason?: string }> {
  return UPSTREAM_COMPONENTS.filter((u) => u.enabled(env) && u.source.kind === 'helm').map((u) => {
    const hydrated = apps.find((a) => a.app === u.name)!;
    if (!hydrated.chart?.archive) return { app: u.name, reason: hydrated.message };
    return {
      app: u.name,
      report: checkValuesKeys(helmValues(u.source as HelmChartSource, env), loadChartDocs(hydrated.chart.archive), VALUES_KEY_EXCEPTIONS),
    };
  });
}

/** Why a chart could not be verified: in neither the mirror nor its reachable upstream. */
const UNREACHABLE = /^not in the (chart|CRD) mirror, and (helm pull from|git clone of) \S+ failed/;

/** Whether a chart that could not be had is on the reviewed list, with its reason; no chart is skipped otherwise. */
function expectExcepted(app: HydratedApp): void {
  expect(app.message).toMatch(UNREACHABLE);
  expect({ app: app.app, reviewed: Object.prototype.hasOwnProperty.call(UNAVAILABLE_CHARTS, app.app) }).toEqual({ app: app.app, reviewed: true });
}

/**
 * A test of one upstream chart's effects. When the chart cannot be had, the
 * test says so by name, and passes only if the chart is on the reviewed list
 * (verify/checks/unavailable-charts.ts): a chart missing from the mirror fails.
 */
function testChart(apps: readonly HydratedApp[], app: string, title: string, fn: () => void): void {
  const hydrated = apps.find((a) => a.app === app);
  if (hydrated?.status === 'unverified') {
    test(`${title}: UNVERIFIED, ${hydrated.source} is not available (${UNAVAILABLE_CHARTS[app] ?? hydrated.message})`, () =>
      expectExcepted(hydrated));
  } else test(title, fn);
}

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s: upstream charts rendered by Helm', (_, env) => {
  const apps = hydrate(env);
  const rendered = apps.filter((a) => a.status === 'rendered');
  const unverified = apps.filter((a) => a.status === 'unverified');
  const failed = apps.filter((a) => a.status === 'failed');
  const keys = valuesKeys(env, apps);
  const checked = keys.reduce((n, k) => n + (k.report?.checked.length ?? 0), 0);
  const excepted = keys.reduce((n, k) => n + (k.report?.excepted.length ?? 0), 0);

  test(`${rendered.length} of ${apps.length} upstream Applications render, ${failed.length} fail, ${unverified.length} unverified (${unverified.map((a) => a.app).join(', ') || 'none'})`, () => {
    expect(failed.map((a) => `${a.app}: ${a.message}`)).toEqual([]);
    // Unverified only when the chart is in neither the mirror nor reachable upstream, and on the reviewed list.
    for (const a of unverified) expectExcepted(a);
    expect(rendered.length + unverified.length).toBe(apps.length);
    // An exception whose chart renders now is stale: the list says only what is true.
    const stale = rendered.filter((a) => Object.prototype.hasOwnProperty.call(UNAVAILABLE_CHARTS, a.app)).map((a) => a.app);
    expect(stale).toEqual([]);
  });

  const keysUnverified = keys.filter((k) => !k.report).map((k) => k.app);
  test(`values keys: ${checked} found in the charts, ${excepted} excepted with a reason, 0 unknown; unverified: ${keysUnverified.join(', ') || 'none'}`, () => {
    expect(keys.flatMap((k) => (k.report?.unknown ?? []).map((key) => `${k.app}: ${key}`))).toEqual([]);
    if (keysUnverified.length < keys.length) expect(checked).toBeGreaterThan(50);
  });

  test('the upstream pods our policies select carry the labels we assume (Kong proxy, Grafana), on the ports we assume', () => {
    for (const u of UPSTREAM_PODS.filter((p) => p.chart !== 'kind/coredns')) {
      const app = apps.find(
        (a) =>
          a.namespace === u.namespace &&
          a.status === 'rendered' &&
          a.objects.some((o) => Object.entries(u.labels).every(([k, v]) => podTemplateOf(o.object)?.metadata?.labels?.[k] === v)),
      );
      expect({ chart: u.chart, labels: u.labels, found: !!app }).toEqual({ chart: u.chart, labels: u.labels, found: true });
    }
    const grafana = apps.find((a) => a.app === 'grafana')!;
    if (grafana.status !== 'rendered') expectExcepted(grafana);
    else {
      const ports = find(apps, 'grafana', 'Deployment', 'grafana').spec.template.spec.containers.flatMap((c: any) =>
        (c.ports ?? []).map((p: any) => p.containerPort),
      );
      expect(ports).toContain(GRAFANA_POD.port);
    }
  });

  testChart(
    apps,
    'kong',
    'Kong: DB-less, tracing every request, the Gateway API controller, proxy NodePorts 30080/30443, no render-time certificates',
    () => {
      const proxyEnv = containerEnv(find(apps, 'kong', 'Deployment', 'kong-gateway'), 'proxy');
      expect(proxyEnv.KONG_DATABASE).toBe('off');
      // The route plugins export spans only when Kong traces (seed 7-1): the root span and the upstream call, every request.
      expect([proxyEnv.KONG_TRACING_INSTRUMENTATIONS, proxyEnv.KONG_TRACING_SAMPLING_RATE]).toEqual(['request,balancer', '1']);
      // Seed 3 and 10: two Kong gateways behind the L4 switch in production, one in the lab.
      expect(find(apps, 'kong', 'Deployment', 'kong-gateway').spec.replicas).toBe(env.upstream.kongReplicas);
      // KIC gets Gateway API permissions only when the chart sees the Gateway API CRDs, as Argo CD passes them.
      const rules = find(apps, 'kong', 'ClusterRole', 'kong-controller').rules as Array<{ apiGroups: string[]; resources: string[] }>;
      const gatewayResources = rules.filter((r) => r.apiGroups.includes('gateway.networking.k8s.io')).flatMap((r) => r.resources);
      expect(gatewayResources).toEqual(expect.arrayContaining(['gateways', 'httproutes', 'gatewayclasses']));
      const proxy = find(apps, 'kong', 'Service', 'kong-gateway-proxy').spec;
      expect(proxy.type).toBe('NodePort');
      expect(Object.fromEntries(proxy.ports.map((p: any) => [p.port, p.nodePort]))).toEqual({ 80: KONG_NODE_PORTS.http, 443: KONG_NODE_PORTS.https });
      expect(apps.find((a) => a.app === 'kong')!.objects.filter((o) => o.object.kind === 'Secret')).toEqual([]);
    },
  );

  if (!env.features.skipIstio)
    testChart(apps, 'kong', 'mesh: every Kong container port a NodePort reaches is PERMISSIVE, so clients outside the mesh get in', () => {
      // What Helm renders: the NodePort Services of the chart and the container ports their targetPorts name.
      const kong = apps.find((a) => a.app === 'kong')!.objects.map((o) => o.object as any);
      const containers = kong.filter((o) => o.kind === 'Deployment' && o.metadata.name === 'kong-gateway')[0].spec.template.spec.containers;
      const byName = new Map<string, number>(containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => [p.name, p.containerPort])));
      const reached = kong
        .filter((o) => o.kind === 'Service' && o.spec.type === 'NodePort')
        .flatMap((svc) => svc.spec.ports.map((p: any) => (typeof p.targetPort === 'number' ? p.targetPort : byName.get(p.targetPort))))
        .sort();
      const permissive = render(env).files.find((f) => f.object.kind === 'PeerAuthentication' && f.object.metadata.name === 'kong-proxy-permissive')!
        .object.spec as { portLevelMtls: Record<string, { mode: string }> };
      const open = Object.entries(permissive.portLevelMtls)
        .filter(([, v]) => v.mode === 'PERMISSIVE')
        .map(([port]) => Number(port))
        .sort();
      expect(reached.length).toBeGreaterThanOrEqual(2);
      expect(open).toEqual(reached);
    });

  testChart(
    apps,
    'cilium',
    'Cilium: kube-proxy replacement, VXLAN, WireGuard, cni-exclusive false, socket-LB in the host namespace, six Hubble metrics, 2 operators',
    () => {
      expect(find(apps, 'cilium', 'ConfigMap', 'cilium-config').data).toMatchObject({
        'kube-proxy-replacement': 'true',
        'routing-mode': 'tunnel',
        'tunnel-protocol': 'vxlan',
        'enable-wireguard': 'true',
        'cni-exclusive': 'false',
        'bpf-lb-sock-hostns-only': 'true',
        'hubble-metrics': hubbleMetricsOption(),
      });
      // No kube-proxy, so the agent reaches the API server directly (seed fix #1).
      expect(containerEnv(find(apps, 'cilium', 'DaemonSet', 'cilium'), 'cilium-agent').KUBERNETES_SERVICE_HOST).toBe(env.cluster.apiServerHost);
      expect(find(apps, 'cilium', 'Deployment', 'cilium-operator').spec.replicas).toBe(env.upstream.ciliumOperatorReplicas);
      expect(env.upstream.ciliumOperatorReplicas).toBe(2);
    },
  );

  testChart(
    apps,
    'istiod',
    env.features.skipIstio
      ? 'Istio: nothing rendered (skipIstio)'
      : 'Istio: ambient enabled, istiod at the configured replica count with no autoscaler',
    () => {
      const istio = apps.filter((a) => ['istio-base', 'istiod', 'istio-cni', 'ztunnel'].includes(a.app));
      if (env.features.skipIstio) {
        expect(istio).toEqual([]);
        return;
      }
      const istiod = find(apps, 'istiod', 'Deployment', 'istiod');
      expect(istiod.spec.replicas).toBe(env.upstream.istiodReplicas);
      expect(containerEnv(istiod, 'discovery').PILOT_ENABLE_AMBIENT).toBe('true');
      expect(apps.flatMap((a) => a.objects).filter((o) => o.object.kind === 'HorizontalPodAutoscaler')).toEqual([]);
      expect(find(apps, 'istio-cni', 'ConfigMap', 'istio-cni-config').data.AMBIENT_ENABLED).toBe('true');
      expect(find(apps, 'ztunnel', 'DaemonSet', 'ztunnel').kind).toBe('DaemonSet');
    },
  );

  testChart(apps, 'gatekeeper', 'Gatekeeper: replicas per environment, failurePolicy Ignore on every webhook it installs', () => {
    expect(find(apps, 'gatekeeper', 'Deployment', 'gatekeeper-controller-manager').spec.replicas).toBe(env.upstream.gatekeeperReplicas);
    const webhooks = apps
      .find((a) => a.app === 'gatekeeper')!
      .objects.filter((o) => /WebhookConfiguration$/.test(o.object.kind))
      .flatMap((o) =>
        (o.object.webhooks as Array<{ name: string; failurePolicy: string }>).map((w) => ({ webhook: w.name, failurePolicy: w.failurePolicy })),
      );
    expect(webhooks.length).toBeGreaterThanOrEqual(3);
    expect(webhooks.filter((w) => w.failurePolicy !== 'Ignore')).toEqual([]);
  });

  testChart(
    apps,
    'argocd',
    `Argo CD: server.insecure ${env.upstream.argocdServerInsecure}, ${env.upstream.argocdReplicas} replicas of server, application controller, repo-server and ApplicationSet controller`,
    () => {
      expect(find(apps, 'argocd', 'ConfigMap', 'argocd-cmd-params-cm').data['server.insecure']).toBe(String(env.upstream.argocdServerInsecure));
      for (const name of ['argocd-server', 'argocd-repo-server', 'argocd-applicationset-controller']) {
        expect({ name, replicas: find(apps, 'argocd', 'Deployment', name).spec.replicas }).toEqual({ name, replicas: env.upstream.argocdReplicas });
      }
      // Seed 5: the controller too; the chart tells each replica how many shards there are.
      const controller = find(apps, 'argocd', 'StatefulSet', 'argocd-application-controller');
      expect([controller.spec.replicas, containerEnv(controller, 'application-controller').ARGOCD_CONTROLLER_REPLICAS]).toEqual([
        env.upstream.argocdReplicas,
        String(env.upstream.argocdReplicas),
      ]);
    },
  );

  const inCluster = env.observability.backends.location === 'in-cluster';
  (inCluster ? testChart : (_a: unknown, _b: unknown, title: string, fn: () => void) => test(title, fn))(
    apps,
    'loki',
    inCluster
      ? `Loki and Tempo keep ${env.observability.retention}; Loki replicates once; Mimir is ${apps.find((a) => a.app === 'mimir')?.status}`
      : 'Loki, Tempo and Mimir are not deployed: the backends are outside the cluster',
    () => {
      if (!inCluster) {
        expect(apps.filter((a) => ['loki', 'tempo', 'mimir'].includes(a.app))).toEqual([]);
        return;
      }
      const hours = `${Number(env.observability.retention.replace(/d$/, '')) * 24}h`;
      const loki = String(find(apps, 'loki', 'ConfigMap', 'loki').data['config.yaml']);
      expect(loki).toContain(`retention_period: ${hours}`);
      expect(loki).toMatch(/retention_enabled: true/);
      expect(loki).toMatch(/replication_factor: 1/);
      expect(String(find(apps, 'tempo', 'ConfigMap', 'tempo').data['tempo.yaml'])).toContain(`block_retention: ${hours}`);
      const mimir = apps.find((a) => a.app === 'mimir')!;
      if (mimir.status !== 'rendered') expectExcepted(mimir);
      else {
        const config = JSON.stringify(mimir.objects.map((o) => o.object));
        expect(config).toContain(`compactor_blocks_retention_period: ${env.observability.retention}`);
      }
    },
  );

  // Only where Loki runs: outside the cluster, the test above proves it is not deployed.
  (inCluster ? testChart : () => undefined)(
    apps,
    'loki',
    'no memcached cache requests more memory than the lab can give (the chart default is about 10 GiB)',
    () => {
      const caches = apps
        .find((a) => a.app === 'loki')!
        .objects.filter((o) => o.object.kind === 'StatefulSet' && /cache/.test(o.object.metadata.name));
      expect(caches.length).toBe(env.observability.lokiCaches.enabled ? 2 : 0);
      for (const c of caches) {
        const memory = (c.object.spec as any).template.spec.containers[0].resources.requests.memory as string;
        expect(Number(memory.replace(/Mi$/, ''))).toBeLessThanOrEqual(2048);
      }
    },
  );

  test("each upstream Application's AppProject allows every namespace its chart renders objects into", () => {
    const objects = render(env).files.map((f) => f.object as any);
    const projectOf = (app: string) => {
      const application = objects.find((o) => o.kind === 'Application' && o.metadata.name === app);
      return objects.find((o) => o.kind === 'AppProject' && o.metadata.name === application.spec.project);
    };
    const outside = apps.flatMap((a) => {
      const allowed = new Set(projectOf(a.app).spec.destinations.map((d: any) => d.namespace));
      const used = [...new Set(a.objects.map((o) => o.object.metadata.namespace).filter((n): n is string => !!n))];
      return used.filter((n) => !allowed.has(n)).map((n) => `${a.app}: ${n}`);
    });
    expect(outside).toEqual([]);
  });

  test('stable under Argo CD: two renders without the cache are byte-identical (no Secret or checksum generated at render time)', () => {
    const again = hydrate(env, false);
    const drift = apps.flatMap((a, i) =>
      a.objects.filter((o, j) => JSON.stringify(o.object) !== JSON.stringify(again[i].objects[j]?.object)).map((o) => o.file),
    );
    expect(drift).toEqual([]);
  });
});

describe.each(ALL_ENVS.map((env) => [env.name, airGapped(env)] as const))('%s with the Harbor registry set', (_, env) => {
  const apps = hydrate(env);
  const images = apps.flatMap((a) => a.objects.flatMap((o) => podImages(o.object).map((image) => ({ app: a.app, file: o.file, image }))));
  const mirrored = images.filter((i) => i.image.startsWith(`${HARBOR}/`));

  const unverified = apps.filter((a) => a.status !== 'rendered').map((a) => a.app);
  test(`${mirrored.length} of ${images.length} upstream images come from ${HARBOR} (containers, init containers, Jobs and hooks); unverified: ${unverified.join(', ') || 'none'}`, () => {
    if (unverified.length < apps.length) expect(images.length).toBeGreaterThan(10);
    expect(images.filter((i) => !i.image.startsWith(`${HARBOR}/`))).toEqual([]);
  });

  test('the values keys that move images exist in every chart', () => {
    expect(valuesKeys(env, apps).flatMap((k) => (k.report?.unknown ?? []).map((key) => `${k.app}: ${key}`))).toEqual([]);
  });
});

// The failure cases need Istio (istiod's keys) and the Loki caches (memcached's image key) in the render.
const withIstio = ALL_ENVS.find(
  (e) => !e.features.skipIstio && e.observability.lokiCaches.enabled && e.observability.backends.location === 'in-cluster',
)!;
// Never skipped: a chart these need that cannot be had fails them (the summary test names it).
describe('the checks can fail', () => {
  const env = withIstio;
  const apps = hydrate(env);

  test('a chart that cannot be had fails the checks unless the reviewed list names it', () => {
    const missing = (app: string): HydratedApp =>
      ({
        app,
        status: 'unverified',
        message: 'not in the chart mirror, and helm pull from https://charts.example failed: no such host',
      }) as HydratedApp;
    expect(() => expectExcepted(missing('kong'))).toThrow();
    expect(() => expectExcepted(missing('mimir'))).not.toThrow();
  });

  test("a values key the chart does not know is reported, and so is the seed's old istiod key", () => {
    const istiod = apps.find((a) => a.app === 'istiod')!;
    const report = checkValuesKeys(
      { profile: 'ambient', pilot: { replicaCount: 2 }, replicaCount: 2 },
      loadChartDocs(istiod.chart!.archive!),
      VALUES_KEY_EXCEPTIONS,
    );
    expect(report.unknown).toEqual(['pilot']);
    expect(report.checked).toEqual(['replicaCount']);
  });

  test('every exception is used by some environment, so the list cannot rot', () => {
    const used = new Set(ALL_ENVS.flatMap((e) => valuesKeys(e, hydrate(e)).flatMap((k) => k.report?.excepted.map((x) => x.exception) ?? [])));
    expect(VALUES_KEY_EXCEPTIONS.filter((x) => !used.has(x)).map((x) => `${x.chart} ${x.under}`)).toEqual([]);
  });

  test("Kong's DB-less value written as a YAML 1.1 boolean fails to render, as it did before the writer quoted it", () => {
    const kong = applicationsOf(render(env)).find((a) => a.name === 'kong')!;
    const broken = { ...kong, source: { ...kong.source, helm: { ...kong.source.helm, valuesObject: { gateway: { env: { database: false } } } } } };
    const [result] = hydrateApplications([broken], { helm, cache: false });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/incompatible types for comparison/);
  });

  test("a render-time certificate is caught as drift: Kong's admission webhook turned back on", () => {
    const kong = applicationsOf(render(env)).find((a) => a.name === 'kong')!;
    const values = { controller: { ingressController: { admissionWebhook: { enabled: true } } } };
    const withWebhook = { ...kong, source: { ...kong.source, helm: { ...kong.source.helm, valuesObject: values } } };
    const [a] = hydrateApplications([withWebhook], { helm, cache: false });
    const [b] = hydrateApplications([withWebhook], { helm, cache: false });
    const differing = a.objects.filter((o, i) => JSON.stringify(o.object) !== JSON.stringify(b.objects[i].object)).map((o) => o.object.kind);
    expect(differing).toContain('Secret');
  });

  test('an image key left out of a chart leaves its image on the public registry', () => {
    const loki = UPSTREAM_COMPONENTS.find((u) => u.name === 'loki')!.source as HelmChartSource;
    const partial = { ...loki, imageKeys: loki.imageKeys.filter((k) => k.at !== 'memcached.image') };
    const app = applicationsOf(render(airGapped(env))).find((a) => a.name === 'loki')!;
    const broken = { ...app, source: { ...app.source, helm: { ...app.source.helm, valuesObject: helmValues(partial, airGapped(env)) } } };
    const [result] = hydrateApplications([broken], { helm });
    // Both caches (chunks and results) run memcached.
    expect(result.objects.flatMap((o) => podImages(o.object)).filter((i) => !i.startsWith(HARBOR))).toEqual([
      'memcached:1.6.39-alpine',
      'memcached:1.6.39-alpine',
    ]);
  });

  test("a values type the chart's schema refuses fails the render: Helm checks values.schema.json itself", () => {
    const cilium = applicationsOf(render(env)).find((a) => a.name === 'cilium')!;
    const broken = { ...cilium, source: { ...cilium.source, helm: { ...cilium.source.helm, valuesObject: { operator: { replicas: 'two' } } } } };
    const [result] = hydrateApplications([broken], { helm, cache: false });
    expect(result.status).toBe('failed');
    expect(result.message).toMatch(/values don't meet the specifications of the schema/);
  });

  test('a chart that can be found nowhere is unverified, by name, never skipped', () => {
    const ghost = {
      name: 'ghost',
      wave: 0,
      namespace: 'x',
      source: { repoURL: 'http://127.0.0.1:9/charts', chart: 'ghost', targetRevision: '1.0.0', helm: {} },
    };
    const [result] = hydrateApplications([ghost], { helm });
    expect(result).toMatchObject({ app: 'ghost', status: 'unverified', objects: [] });
    expect(result.message).toMatch(/^not in the chart mirror, and helm pull from http:\/\/127\.0\.0\.1:9\/charts failed/);
  });
});
