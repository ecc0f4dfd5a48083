import { HUBBLE_CONTEXT, hubbleMetricsOption } from '../argocd/values/cilium';
import { ENVIRONMENTS } from '../config/environments';
import { HUBBLE_METRICS_PORT, HUBBLE_RELABEL_RULES } from '../observability/hubble-relabel';
import { FlowEnd, HttpExchange, httpFlows, hubbleExposition, prometheusRelabelConfigs } from '../verify/engines/hubble-metrics';
import { applicationsOf, hydrateApplications } from '../verify/engines/hydrate';
import { RunningScraper, startScraper } from '../verify/engines/prometheus';
import { metricsEndpoint, render, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * Seed 7-1's Mimir query, `rate(hubble_http_requests_total{namespace="demo"}[5m])`, answered from the chain the
 * lab runs: the Cilium chart renders the agent's `hubble-metrics` option (Helm), Hubble's own handlers turn the
 * L7 flows of seed 2-3's lab into series under it (the hubble-metrics harness, at the pinned Cilium), and a Prometheus
 * scrape applies the collection's relabel rules (observability/hubble-relabel.ts, which Alloy's config renders):
 * Prometheus' relabelling is the code Alloy's `prometheus.relabel` runs. Alloy's own config syntax has no engine
 * here; argocd/values/lgtm.ts keeps it small.
 */
const SEED_QUERY = 'rate(hubble_http_requests_total{namespace="demo"}[5m])';
const harness = toolPath('hubble-metrics');
const env = ENVIRONMENTS['dev-no-mesh'];

const end = (namespace: string, workload: string): FlowEnd => ({ namespace, workload, pod: `${workload}-7d9c6b5f4-x2k8p` });
const FRONTEND = end('demo', 'frontend');
const LOAD_GENERATOR = end('demo', 'load-generator');
const BACKEND = end('demo', 'backend');
const KONG = end('kong', 'kong-gateway');

/** Seed 2-3's lab with its L7 policy applied: the proxy sees the frontend tier's calls, and refuses POST. */
function exchanges(rounds: number): HttpExchange[] {
  const one: HttpExchange[] = [
    { from: FRONTEND, to: BACKEND, method: 'GET', path: '/get', status: 200, verdict: 'FORWARDED' },
    { from: FRONTEND, to: BACKEND, method: 'POST', path: '/post', status: 403, verdict: 'DROPPED' },
    { from: LOAD_GENERATOR, to: BACKEND, method: 'GET', path: '/get', status: 200, verdict: 'FORWARDED' },
    // Served in another namespace: the seed's query must leave it out.
    { from: FRONTEND, to: KONG, method: 'GET', path: '/status/200', status: 200, verdict: 'FORWARDED' },
  ];
  return Array.from({ length: rounds }, () => one).flat();
}

describe("seed 7-1's Hubble query, through the rendered option, Hubble's handlers and the relabel rules on Prometheus", () => {
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  const ciliumConfig = (): Record<string, string> => {
    const [cilium] = hydrateApplications(
      applicationsOf(render(env)).filter((a) => a.name === 'cilium'),
      { helm: toolPath('helm'), cache: true },
    );
    return cilium.objects.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'cilium-config')!.object.data as Record<
      string,
      string
    >;
  };

  test("the chart hands the agent every metric with its context, served on the port Alloy's discovery keeps", () => {
    const [cilium] = hydrateApplications(
      applicationsOf(render(env)).filter((a) => a.name === 'cilium'),
      { helm: toolPath('helm'), cache: true },
    );
    const config = ciliumConfig();
    expect(config['hubble-metrics']).toBe(hubbleMetricsOption());
    // The relabel rules read labels the context gives.
    expect([...HUBBLE_CONTEXT]).toEqual(expect.arrayContaining(HUBBLE_RELABEL_RULES.flatMap((r) => r.sourceLabels)));
    expect(config['hubble-metrics-server']).toBe(`:${HUBBLE_METRICS_PORT}`);
    const agent = (cilium.objects.find((o) => o.object.kind === 'DaemonSet' && o.object.metadata.name === 'cilium')!.object.spec as any).template
      .spec;
    const ports = agent.containers.find((c: { name: string }) => c.name === 'cilium-agent').ports;
    expect(ports).toContainEqual(expect.objectContaining({ name: 'hubble-metrics', containerPort: HUBBLE_METRICS_PORT }));
    expect(agent.hostNetwork).toBe(true);
  });

  test("the seed's query answers with the demo's series alone; without labelsContext (the seeded break) it answers nothing", async () => {
    const rendered = ciliumConfig()['hubble-metrics'];
    // The seeded break: the same option with every metric's context dropped, as the chart's default list has it.
    const withoutContext = rendered.replace(/:labelsContext=\S+/g, '');
    expect(withoutContext).not.toBe(rendered);
    const scrape = async (option: string): Promise<RunningScraper> => {
      const endpoint = await metricsEndpoint(
        hubbleExposition(harness, option, exchanges(10).flatMap(httpFlows)),
        hubbleExposition(harness, option, exchanges(40).flatMap(httpFlows)),
      );
      stops.push(endpoint.close);
      const scraper = await startScraper(
        toolPath('prometheus'),
        endpoint.target,
        prometheusRelabelConfigs(HUBBLE_RELABEL_RULES),
        tempDir('hubble-scrape-'),
      );
      stops.push(scraper.stop);
      return scraper;
    };
    const [withContext, broken] = await Promise.all([scrape(rendered), scrape(withoutContext)]);
    await Promise.all([withContext.scraped(3, 60), broken.scraped(3, 60)]);

    const answered = await withContext.query(SEED_QUERY);
    const series = answered
      .map((s) => `${s.labels.source_workload} -> ${s.labels.destination_workload} ${s.labels.method} (${s.labels.namespace})`)
      .sort();
    expect(series).toEqual(['frontend -> backend GET (demo)', 'frontend -> backend POST (demo)', 'load-generator -> backend GET (demo)']);
    expect(answered.every((s) => s.value > 0)).toBe(true);
    // The Kong-bound calls are counted, under their own namespace.
    expect((await withContext.query('hubble_http_requests_total{namespace="kong"}')).map((s) => s.labels.destination_workload)).toEqual([
      'kong-gateway',
    ]);

    expect(await broken.query(SEED_QUERY)).toEqual([]);
    // Hubble still counts them, with nothing that says where.
    const unlabelled = await broken.query('hubble_http_requests_total');
    expect(unlabelled.length).toBeGreaterThan(0);
    expect(unlabelled.filter((s) => s.labels.namespace !== undefined)).toEqual([]);
    process.stdout.write(
      `hubble metrics: ${SEED_QUERY} -> ${series.join('; ')}; without labelsContext: 0 series (${unlabelled.length} unlabelled)\n`,
    );
  }, 120_000);
});
