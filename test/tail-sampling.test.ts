import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { COMPONENTS } from '../components';
import { collectorSettings } from '../topology/index';
import { ENVIRONMENTS } from '../config/environments';
import { VERSIONS } from '../config/versions';
import { toYaml } from '../lib/yaml';
import { collectorConfig, SPAN_NORMALIZATION } from '../observability/collector-config';
import { builderManifest, componentTypes } from '../verify/tools/collector-manifest';
import { KongRequest, kongRequests, sendKongSpans } from './kong-spans';
import { ROOT, tempDir } from './helpers';
import {
  captureServer,
  collectorOnLoopbackPorts,
  freePort,
  keptOf,
  SamplingResult,
  samplingViolations,
  sendTraces,
  startCollector,
  testConfig,
} from './otel-harness';
import { toolPath } from './tools';

const otelcol = toolPath('otelcol-lab');
const renderedConfig = (env: string) =>
  (
    YAML.parse(fs.readFileSync(path.join(ROOT, 'dist', env, 'otel-collector/configmap-otel-collector.yaml'), 'utf8')) as {
      data: Record<string, string>;
    }
  ).data['config.yaml'];

const COUNTS = { error: 20, slow: 10, 'slow-at-threshold': 5, normal: 1000, 'health-check': 200, 'client-error': 10 } as const;

/** Runs the collector with `config`, sends the fixed traces, returns which traces came out. */
async function runSampling(config: string): Promise<SamplingResult> {
  const capture = await captureServer();
  const ports = { grpc: await freePort(), http: await freePort(), capture: capture.port };
  const collector = await startCollector(otelcol, testConfig(config, ports), ports.http);
  try {
    const sent = await sendTraces(ports.http, COUNTS);
    // Decisions come after decision_wait (2s here); wait at least 4s, then until nothing new arrives for 3s.
    const started = Date.now();
    let last = -1;
    let quietSince = Date.now();
    while (Date.now() - started < 30000) {
      await new Promise((r) => setTimeout(r, 200));
      if (capture.traceIds.size !== last) {
        last = capture.traceIds.size;
        quietSince = Date.now();
      } else if (Date.now() - started > 4000 && Date.now() - quietSince > 3000) break;
    }
    return { sent, kept: new Set(capture.traceIds) };
  } finally {
    await collector.stop();
    await capture.close();
  }
}

describe('collector config (seed 7-1) checked by the collector itself', () => {
  test.each(Object.keys(ENVIRONMENTS))('%s: otelcol validate accepts the rendered config', (env) => {
    const file = path.join(tempDir('otelcol-validate-'), 'config.yaml');
    fs.writeFileSync(file, renderedConfig(env));
    const result = spawnSync(otelcol, ['validate', '--config', file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('a wrong key fails validation', () => {
    const file = path.join(tempDir('otelcol-validate-'), 'config.yaml');
    fs.writeFileSync(file, renderedConfig('prod').replace('decision_wait:', 'decision_wiat:'));
    const result = spawnSync(otelcol, ['validate', '--config', file], { encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('decision_wiat');
  });

  test('the slim build has exactly the components the config uses', () => {
    const config = collectorConfig(collectorSettings(ENVIRONMENTS.prod));
    expect(componentTypes(config)).toEqual({
      receivers: ['otlp'],
      processors: ['batch', 'filter', 'memory_limiter', 'resource', 'tail_sampling', 'transform'],
      exporters: ['otlp', 'otlphttp'],
      connectors: ['spanmetrics'],
    });
    const manifest = builderManifest([config], '/out') as any;
    expect(manifest.dist.version).toBe(VERSIONS.otelCollector);
    expect(manifest.connectors.map((p: any) => p.gomod.split(' ')[0].split('/').pop())).toEqual(['spanmetricsconnector']);
    expect(manifest.processors.map((p: any) => p.gomod.split(' ')[0].split('/').pop())).toEqual([
      'batchprocessor',
      'filterprocessor',
      'memorylimiterprocessor',
      'resourceprocessor',
      'tailsamplingprocessor',
      'transformprocessor',
    ]);
  });

  test('processors run in the seed order, with its settings', () => {
    const config = YAML.parse(renderedConfig('dev'));
    expect(config.service.pipelines.traces.processors).toEqual(['memory_limiter', 'resource', 'transform', 'batch', 'tail_sampling']);
    expect(config.processors.memory_limiter.limit_mib).toBe(384);
    expect(config.processors.batch).toEqual({ send_batch_size: 2048, timeout: '1s' });
    expect(config.processors.resource.attributes.map((a: any) => a.key)).toEqual(expect.arrayContaining(['process.pid', 'service.instance.id']));
    expect(Object.keys(config.exporters).sort()).toEqual(['otlp/tempo', 'otlphttp/loki', 'otlphttp/mimir']);
    expect(config.receivers.otlp.protocols).toEqual({ grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } });
    const deployment = COMPONENTS.find((c) => c.name === 'otel-collector')!;
    expect(deployment.namespace).toBe('monitoring');
  });
});

describe('tail sampling, run by the real collector (seed lab 7-2)', () => {
  let result: SamplingResult;
  beforeAll(async () => {
    result = await runSampling(renderedConfig('prod'));
  });

  test('keeps every error and slow trace, drops health checks, samples normal traffic at 10%', () => {
    expect(samplingViolations(result, 10)).toEqual([]);
  });

  test('reports what it kept (for the record)', () => {
    const normal = keptOf(result, 'normal');
    expect(normal.kept).toBeGreaterThan(0);
    console.log(
      `tail sampling kept: ${[
        `errors ${keptOf(result, 'error').kept}/20`,
        `slow ${keptOf(result, 'slow').kept}/10`,
        `slow at 2s ${keptOf(result, 'slow-at-threshold').kept}/5`,
        `normal ${normal.kept}/1000`,
        `health checks ${keptOf(result, 'health-check').kept}/200`,
        `client-only errors ${keptOf(result, 'client-error').kept}/10`,
      ].join(', ')}`,
    );
  });

  test("without the collector's span normalization, Kong's 5xx traces carry no error status and the error policy keeps only the normal share", async () => {
    const config = YAML.parse(renderedConfig('prod'));
    config.processors.transform.trace_statements = config.processors.transform.trace_statements.filter(
      (t: { context: string }) => t.context !== 'span',
    );
    const mutant = await runSampling(YAML.stringify(config));
    expect(samplingViolations(mutant, 10)).toEqual([expect.stringMatching(/^error: kept \d+ of 20, expected all$/)]);
    expect(keptOf(mutant, 'error').kept).toBeLessThan(20);
  });

  test('a wrong policy (normal traffic at 100%) makes the check fail', async () => {
    const wrong = toYaml(collectorConfig({ ...collectorSettings(ENVIRONMENTS.prod), normalTracesPercent: 100 }));
    const mutant = await runSampling(wrong);
    const problems = samplingViolations(mutant, 10);
    expect(problems).toEqual([expect.stringMatching(/^normal: kept (9\d\d|1000) of 1000, expected about 10%/)]);
  });
});

/** One histogram point of the RED metric, as the collector exported it. */
interface RedPoint {
  readonly service: string;
  readonly status: string;
  readonly kind: string;
  readonly count: number;
}

/**
 * The rendered config with the RED pipeline alone: Kong's spans in, the connector's metrics out to a capture
 * endpoint in place of Mimir's (the only change, an address). Returns the last point of each series.
 */
async function runRed(rendered: string, requests: Record<string, KongRequest[]>): Promise<RedPoint[]> {
  const capture = await captureServer();
  const ports = { grpc: await freePort(), http: await freePort() };
  const config = collectorOnLoopbackPorts(rendered, ports);
  config.exporters = {
    'otlphttp/mimir': { ...config.exporters['otlphttp/mimir'], endpoint: `http://127.0.0.1:${capture.port}`, encoding: 'json', compression: 'none' },
  };
  config.service.pipelines = {
    'traces/red': config.service.pipelines['traces/red'],
    metrics: { ...config.service.pipelines.metrics, receivers: ['spanmetrics'] },
  };
  const collector = await startCollector(otelcol, YAML.stringify(config), ports.http);
  try {
    for (const [service, list] of Object.entries(requests)) await sendKongSpans(ports.http, service, list);
    // The connector flushes every metrics_flush_interval (15 s, as rendered); wait for a flush after the spans.
    const deadline = Date.now() + 40_000;
    const points = () => redPoints(capture.bodies);
    while (Date.now() < deadline && points().reduce((n, p) => n + p.count, 0) < Object.values(requests).flat().length)
      await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 1000));
    return points();
  } finally {
    await collector.stop();
    await capture.close();
  }
}

type Attr = { key: string; value: { stringValue?: string; intValue?: string } };
const attrOf = (attributes: Attr[] | undefined, key: string) => {
  const v = attributes?.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? '';
};

/** The latest point per series of `http.server.request.duration` in the captured OTLP/JSON bodies. */
function redPoints(bodies: unknown[]): RedPoint[] {
  const latest = new Map<string, RedPoint>();
  for (const body of bodies as Array<{ resourceMetrics?: any[] }>)
    for (const rm of body.resourceMetrics ?? [])
      for (const sm of rm.scopeMetrics ?? [])
        for (const m of sm.metrics ?? []) {
          if (m.name !== 'http.server.request.duration') continue;
          expect(m.unit).toBe('s');
          for (const dp of m.histogram.dataPoints) {
            const point = {
              service: attrOf(rm.resource.attributes, 'service.name'),
              status: attrOf(dp.attributes, 'http.response.status_code'),
              kind: attrOf(dp.attributes, 'span.kind'),
              count: Number(dp.count),
            };
            latest.set(`${point.service} ${point.status} ${point.kind}`, point);
          }
        }
  return [...latest.values()].sort((a, b) => `${a.service} ${a.status}`.localeCompare(`${b.service} ${b.status}`));
}

/** `n` requests of one route at one status, 30 ms each. */
const routeRequests = (route: string, n: number, status: number): KongRequest[] =>
  kongRequests(`${route}-${status}`, `${route}.lab-dev.local`, n, status, 30);

describe("RED metrics from Kong's spans, made by the real collector with the rendered config (the names the rollback rules read)", () => {
  const traffic = () => ({
    backend: [...routeRequests('api', 98, 200), ...routeRequests('api', 2, 500)],
    grafana: routeRequests('grafana', 10, 200),
  });

  test('one count per request, by the service the route fronts and its status code, in seconds', async () => {
    const points = await runRed(renderedConfig('dev'), traffic());
    expect(points).toEqual([
      { service: 'backend', status: '200', kind: 'SPAN_KIND_SERVER', count: 98 },
      { service: 'backend', status: '500', kind: 'SPAN_KIND_SERVER', count: 2 },
      { service: 'grafana', status: '200', kind: 'SPAN_KIND_SERVER', count: 10 },
    ]);
    console.log(
      `RED metrics from ${Object.values(traffic()).flat().length} requests (2 spans each): ${points.map((p) => `${p.service} ${p.status}: ${p.count}`).join(', ')}`,
    );
  }, 60_000);

  test("without the SERVER-span filter, Kong's upstream spans are counted too, and the error ratio halves", async () => {
    const config = YAML.parse(renderedConfig('dev'));
    config.service.pipelines['traces/red'].processors = config.service.pipelines['traces/red'].processors.filter((p: string) => p !== 'filter');
    const points = await runRed(YAML.stringify(config), { backend: traffic().backend });
    expect(points.filter((p) => p.kind === 'SPAN_KIND_CLIENT').reduce((n, p) => n + p.count, 0)).toBe(100);
  }, 60_000);

  test('the statements that name the status code are the ones the rendered config runs', () => {
    const config = YAML.parse(renderedConfig('dev'));
    expect(config.processors.transform.trace_statements).toContainEqual({ context: 'span', statements: SPAN_NORMALIZATION });
    expect(config.service.pipelines['traces/red'].processors).not.toContain('tail_sampling');
  });
});
