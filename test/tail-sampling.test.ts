import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { COMPONENTS } from '../components';
import { collectorSettings } from '../topology/index';
import { ENVIRONMENTS } from '../config/environments';
import { VERSIONS } from '../config/versions';
import { toYaml } from '../lib/yaml';
import { builderManifest, collectorConfig, componentTypes } from '../observability/collector-config';
import { ROOT, tempDir } from './helpers';
import { captureServer, freePort, keptOf, SamplingResult, samplingViolations, sendTraces, startCollector, testConfig } from './otel-harness';
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
      processors: ['batch', 'memory_limiter', 'resource', 'tail_sampling', 'transform'],
      exporters: ['otlp', 'otlphttp'],
    });
    const manifest = builderManifest([config], '/out') as any;
    expect(manifest.dist.version).toBe(VERSIONS.otelCollector);
    expect(manifest.processors.map((p: any) => p.gomod.split(' ')[0].split('/').pop())).toEqual([
      'batchprocessor',
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

  test('a wrong policy (normal traffic at 100%) makes the check fail', async () => {
    const wrong = toYaml(collectorConfig({ ...collectorSettings(ENVIRONMENTS.prod), normalTracesPercent: 100 }));
    const mutant = await runSampling(wrong);
    const problems = samplingViolations(mutant, 10);
    expect(problems).toEqual([expect.stringMatching(/^normal: kept (9\d\d|1000) of 1000, expected about 10%/)]);
  });
});
