import { spawnSync } from 'child_process';
import * as YAML from 'yaml';
import { hubbleMetricsOption } from '../argocd/values/cilium';
import { HelmChartSource, UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { VERSIONS } from '../config/versions';
import { HUBBLE_RELABEL_RULES } from '../observability/hubble-relabel';
import { RED_HISTOGRAM } from '../observability/collector-config';
import { alloyLogLabels, metricUses, MetricUse, Producer, renderedQueries, TelemetryQuery, unknownNames } from '../verify/checks/telemetry-names';
import { locateChart } from '../verify/engines/charts';
import { applicationsOf } from '../verify/engines/hydrate';
import { FlowEnd, HttpExchange, httpFlows, hubbleExposition, prometheusRelabelConfigs } from '../verify/engines/hubble-metrics';
import { kubeletCadvisorNames, kubeStateMetricsNames, MetricNames } from '../verify/engines/producer-names';
import { allSeries, OtlpTranslation, parseQuery, RunningScraper, startScraper } from '../verify/engines/prometheus';
import { kongRequests, sendKongSpans } from './kong-spans';
import { collectorOnLoopback, freePort, renderedMimirTranslation, startCollector } from './otel-harness';
import { poolMetrics } from './otel-payloads';
import { find, metricsEndpoint, objectsOf, render, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * Every query the rendered dashboards, datasources and rules ask, against what the producers emit (seed 7: the
 * dashboards have data). Each metric and label name a query uses must be one a producer sets:
 * - the collector's RED histogram and the SDKs' pool metrics: the rendered collector config on the real collector,
 *   into Prometheus' OTLP receiver named as the rendered Mimir names OTLP (its translation setting);
 * - Hubble's flow metrics: Hubble's own handlers (the hubble-metrics harness) scraped through the rendered relabel rules;
 * - kube-state-metrics: its own docs at the chart's appVersion; the kubelet's cAdvisor metrics: cAdvisor's and the
 *   kubelet's source at the Kind node's Kubernetes (verify/engines/producer-names.ts; neither runs here).
 * Prometheus' own parser reads every query (`/api/v1/parse_query`).
 */
const CHECKED: readonly EnvironmentConfig[] = Object.values(ENVIRONMENTS);

const end = (namespace: string, workload: string): FlowEnd => ({ namespace, workload, pod: `${workload}-7d9c6b5f4-x2k8p` });
const HUBBLE_TRAFFIC: HttpExchange[] = [
  { from: end('demo', 'frontend'), to: end('demo', 'backend'), method: 'GET', path: '/get', status: 200, verdict: 'FORWARDED' },
  { from: end('demo', 'frontend'), to: end('demo', 'backend'), method: 'POST', path: '/post', status: 403, verdict: 'DROPPED' },
];

/** The names a Prometheus holds, by metric. */
async function storedNames(url: string): Promise<MetricNames> {
  const names: MetricNames = new Map();
  for (const series of await allSeries(url)) {
    const set = names.get(series.__name__) ?? new Set<string>();
    for (const label of Object.keys(series)) if (label !== '__name__') set.add(label);
    names.set(series.__name__, set);
  }
  return names;
}

/** kube-state-metrics as the rendered chart pins it: the appVersion of the mirrored chart. */
function kubeStateMetricsVersion(): string {
  const source = UPSTREAM_COMPONENTS.find((u) => u.name === 'kube-state-metrics')!.source as HelmChartSource;
  const chart = locateChart(source, toolPath('helm'));
  if (!chart.ok) throw new Error(`the kube-state-metrics chart cannot be read: ${chart.reason}`);
  const shown = spawnSync(toolPath('helm'), ['show', 'chart', chart.archive], { encoding: 'utf8' });
  if (shown.status !== 0) throw new Error(`helm show chart ${chart.archive} failed: ${shown.stderr.trim()}`);
  return (YAML.parse(shown.stdout) as { appVersion: string }).appVersion.replace(/^v/, '');
}

type ParsedQuery = TelemetryQuery & { readonly uses: readonly MetricUse[] };

describe('every query of the rendered dashboards, datasources and rules names what a producer emits', () => {
  const stops: Array<() => Promise<void>> = [];
  const stores = new Map<OtlpTranslation, RunningScraper>();
  let documented: Producer[] = [];

  /** One Prometheus per naming, fed by the rendered collector (spans and pool metrics) and a Hubble scrape. */
  async function produce(translation: OtlpTranslation): Promise<RunningScraper> {
    const hubble = await metricsEndpoint(hubbleExposition(toolPath('hubble-metrics'), hubbleMetricsOption(), HUBBLE_TRAFFIC.flatMap(httpFlows)));
    stops.push(hubble.close);
    const store = await startScraper(toolPath('prometheus'), hubble.target, prometheusRelabelConfigs(HUBBLE_RELABEL_RULES), tempDir('names-'), {
      otlpTranslation: translation,
    });
    stops.push(store.stop);
    const ports = { grpc: await freePort(), http: await freePort() };
    const rendered = (
      find(objectsOf(ENVIRONMENTS.dev, 'otel-collector'), 'ConfigMap', 'otel-collector') as unknown as { data: Record<string, string> }
    ).data['config.yaml'];
    const collector = await startCollector(toolPath('otelcol-lab'), collectorOnLoopback(rendered, ports, store.otlpEndpoint!), ports.http);
    stops.push(collector.stop);
    await sendKongSpans(ports.http, 'backend', [
      ...kongRequests('names-200', 'api.lab-dev.local', 20, 200, 30),
      ...kongRequests('names-500', 'api.lab-dev.local', 2, 500, 30),
    ]);
    const ns = `${BigInt(Date.now()) * 1_000_000n}`;
    const pools = await fetch(`http://127.0.0.1:${ports.http}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A producer on each side of the conventions' rename of the pool's maximum: the queries read either.
      body: JSON.stringify({
        resourceMetrics: [
          poolMetrics({ service: 'backend', pool: 'orders', used: 3, max: 20, startNs: ns, nowNs: ns }),
          poolMetrics({ service: 'checkin', pool: 'main', used: 3, max: 20, startNs: ns, nowNs: ns, maxName: 'db.client.connection.limit' }),
        ],
      }),
    });
    if (!pools.ok) throw new Error(`the collector refused the pool metrics: ${pools.status}`);
    await store.scraped(2, 60);
    // The span metrics arrive on the connector's flush (15 s as rendered): wait until the three producers are in.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const names = [...(await storedNames(store.url)).keys()];
      const arrived = (prefix: string) => names.some((n) => n.startsWith(prefix));
      if (arrived('http_server_request_duration') && arrived('db_client_connection') && arrived('hubble_http')) return store;
      if (Date.now() > deadline)
        throw new Error(`the producers' series did not all arrive in 60 s: ${names.join(', ')}\n${collector.logs().slice(-800)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  beforeAll(async () => {
    const translations = new Set(CHECKED.map(renderedMimirTranslation));
    // The seeded break's naming too: a Mimir without the suffix setting.
    translations.add('UnderscoreEscapingWithoutSuffixes');
    const started = await Promise.all([...translations].map(async (t) => [t, await produce(t)] as const));
    for (const [t, store] of started) stores.set(t, store);
    const ksm = kubeStateMetricsVersion();
    documented = [
      { name: `kube-state-metrics ${ksm}`, names: scraped(kubeStateMetricsNames(ksm)) },
      { name: `the kubelet's cAdvisor (Kubernetes ${VERSIONS.kubernetesNode})`, names: scraped(kubeletCadvisorNames(VERSIONS.kubernetesNode)) },
    ];
  }, 240_000);
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  /** A scraped producer's series also carry the scrape's `job` and `instance`. */
  const scraped = (names: MetricNames): MetricNames => new Map([...names].map(([m, labels]) => [m, new Set([...labels, 'job', 'instance'])]));

  const producersFor = async (translation: OtlpTranslation): Promise<Producer[]> => [
    { name: 'the collector and Hubble, as Prometheus stores them', names: await storedNames(stores.get(translation)!.url) },
    ...documented,
  ];

  const parsed = async (queries: readonly TelemetryQuery[], translation: OtlpTranslation): Promise<ParsedQuery[]> =>
    Promise.all(
      queries.map(async (q) => ({ ...q, uses: q.language === 'promql' ? metricUses(await parseQuery(stores.get(translation)!.url, q.expr)) : [] })),
    );

  const logLabelsOf = (env: EnvironmentConfig) => {
    const alloy = applicationsOf(render(env)).find((a) => a.name === 'alloy')!;
    return alloyLogLabels((alloy.source.helm!.valuesObject as { alloy: { configMap: { content: string } } }).alloy.configMap.content);
  };

  test.each(CHECKED.map((e) => [e.name, e]))('%s: every metric and label its queries name is emitted', async (_, env) => {
    const queries = renderedQueries(render(env));
    // The RED dashboard's panels, the overview's seven, the four rollback rules, the datasources' links.
    expect(queries.filter((q) => q.where.startsWith('dashboard')).length).toBeGreaterThanOrEqual(15);
    expect(queries.filter((q) => q.where.startsWith('rule')).length).toBe(4);
    expect(queries.filter((q) => q.where.startsWith('datasource')).map((q) => q.language)).toEqual(['promql', 'promql', 'logql']);
    const translation = renderedMimirTranslation(env);
    expect(translation).toBe('UnderscoreEscapingWithSuffixes');
    expect(unknownNames(await parsed(queries, translation), await producersFor(translation), logLabelsOf(env))).toEqual([]);
  });

  test('seeded breaks: an unknown metric, a label its producer lacks, a stream label nobody sets, and a Mimir without its suffix setting all fail', async () => {
    const env = ENVIRONMENTS.dev;
    const queries = renderedQueries(render(env));
    const translation = renderedMimirTranslation(env);
    const overview = queries.find((q) => q.expr.includes('kube_pod_status_phase'))!;
    const tracesToMetrics = queries.find((q) => q.where.includes('tracesToMetrics'))!;
    const logs = queries.find((q) => q.language === 'logql')!;
    const hubble = queries.find((q) => q.expr.includes('hubble_http_requests_total'))!;
    const broken: TelemetryQuery[] = [
      { ...overview, expr: overview.expr.replace('kube_pod_status_phase', 'kube_pod_status_phases') },
      // The datasource link as it was: Tempo's span-metric name and label, which nothing here produces.
      { ...tracesToMetrics, expr: 'sum(rate(traces_spanmetrics_calls_total{service="x"}[5m]))' },
      { ...tracesToMetrics, where: 'the link by a label the histogram lacks', expr: `sum(rate(${RED_HISTOGRAM}_count{service="x"}[5m]))` },
      { ...logs, expr: '{service_name="backend"} |= "x"' },
      // A legend that prints a label Hubble's context does not give.
      { ...hubble, legendLabels: ['source_pod'] },
    ];
    expect(unknownNames(await parsed(broken, translation), await producersFor(translation), logLabelsOf(env))).toEqual([
      `${overview.where}: no producer emits kube_pod_status_phases`,
      `${tracesToMetrics.where}: no producer emits traces_spanmetrics_calls_total`,
      `the link by a label the histogram lacks: ${RED_HISTOGRAM}_count (the collector and Hubble, as Prometheus stores them) has no label "service"`,
      `${logs.where}: stream label "service_name" is not one the log agent sets (namespace, pod, container, app)`,
      `${hubble.where}: hubble_http_requests_total (the collector and Hubble, as Prometheus stores them) has no label "source_pod"`,
    ]);

    // Mimir's default naming (no otel_metric_suffixes_enabled): the RED panels, rules and links read nothing.
    const unsuffixed = unknownNames(
      await parsed(queries, 'UnderscoreEscapingWithoutSuffixes'),
      await producersFor('UnderscoreEscapingWithoutSuffixes'),
      logLabelsOf(env),
    );
    expect(unsuffixed).toContain(`rule RollbackErrorRateHigh (ConfigMap monitoring/mimir-rollback-rules): no producer emits ${RED_HISTOGRAM}_count`);
    expect(unsuffixed.filter((p) => p.includes(RED_HISTOGRAM)).length).toBeGreaterThanOrEqual(8);
  });
});
