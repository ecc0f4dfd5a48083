import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as YAML from 'yaml';
import { MIMIR_OTLP_LIMITS } from '../argocd/values/lgtm';
import { EnvironmentConfig } from '../config';
import { applicationsOf } from '../verify/engines/hydrate';
import { mimirOtlpTranslation, OtlpTranslation } from '../verify/engines/prometheus';
import { render, ROOT, tempDir } from './helpers';
import { freePort } from '../verify/engines/loopback-process';

export { freePort };

/** An OTLP/HTTP JSON endpoint standing in for Tempo: it records the trace IDs it receives. */
export async function captureServer(): Promise<{
  port: number;
  traceIds: Set<string>;
  /** Every request body, parsed (OTLP/JSON). */
  bodies: unknown[];
  requests: () => number;
  close: () => Promise<void>;
}> {
  const traceIds = new Set<string>();
  const bodies: unknown[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests++;
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      bodies.push(body);
      for (const rs of body.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const span of ss.spans ?? []) traceIds.add(span.traceId);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { port, traceIds, bodies, requests: () => requests, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * A rendered collector config, parsed, with its OTLP receivers on loopback ports and its own metrics endpoint (a
 * fixed port) off: the changes every test run of the collector makes, all of them addresses.
 */
export function collectorOnLoopbackPorts(rendered: string, ports: { grpc: number; http: number }) {
  const config = YAML.parse(rendered);
  config.receivers.otlp.protocols.grpc.endpoint = `127.0.0.1:${ports.grpc}`;
  config.receivers.otlp.protocols.http.endpoint = `127.0.0.1:${ports.http}`;
  config.service.telemetry = { metrics: { level: 'none' } };
  return config;
}

/**
 * The rendered collector config, changed only where addresses are: its receivers on loopback ports, the Mimir exporter
 * at `mimirOtlp` (a Prometheus OTLP receiver standing in for Mimir's), the Loki and Tempo exporters at a closed
 * loopback port (nothing is sent on their pipelines), and its own metrics endpoint (a fixed port) off.
 */
export function collectorOnLoopback(rendered: string, ports: { grpc: number; http: number }, mimirOtlp: string): string {
  const config = collectorOnLoopbackPorts(rendered, ports);
  config.exporters['otlphttp/mimir'].endpoint = mimirOtlp;
  config.exporters['otlphttp/loki'].endpoint = 'http://127.0.0.1:9';
  config.exporters['otlp/tempo'].endpoint = '127.0.0.1:9';
  return YAML.stringify(config);
}

/**
 * How an environment's Mimir names OTLP series, for the Prometheus that stands in for it: the rendered Mimir config
 * where Mimir runs in the cluster, the limits the README asks of an external Mimir (prod's) where it does not.
 */
export function renderedMimirTranslation(env: EnvironmentConfig): OtlpTranslation {
  const mimir = applicationsOf(render(env)).find((a) => a.name === 'mimir');
  const values = mimir?.source.helm?.valuesObject as { mimir: { structuredConfig: unknown } } | undefined;
  return mimirOtlpTranslation(values ? values.mimir.structuredConfig : { limits: MIMIR_OTLP_LIMITS });
}

/**
 * The rendered collector config, rewired for a loopback test: receivers on
 * local ports, every exporter replaced by the capture endpoint, a short
 * decision wait. Processors and sampling policies stay exactly as rendered.
 */
export function testConfig(rendered: string, ports: { grpc: number; http: number; capture: number }, decisionWait = '2s'): string {
  const config = collectorOnLoopbackPorts(rendered, ports);
  // The stand-in keeps the traces exporter's queue settings: they decide whether bursts get through.
  const tracesExporter = config.exporters[config.service.pipelines.traces.exporters[0]];
  config.exporters = {
    'otlphttp/capture': {
      endpoint: `http://127.0.0.1:${ports.capture}`,
      encoding: 'json',
      compression: 'none',
      sending_queue: tracesExporter.sending_queue,
    },
  };
  config.processors.tail_sampling.decision_wait = decisionWait;
  config.service.pipelines = { traces: { ...config.service.pipelines.traces, exporters: ['otlphttp/capture'] } };
  return YAML.stringify(config);
}

export async function startCollector(
  binary: string,
  config: string,
  httpPort: number,
): Promise<{ process: ChildProcess; logs: () => string; stop: () => Promise<void> }> {
  const dir = tempDir('otelcol-');
  const file = path.join(dir, 'config.yaml');
  fs.writeFileSync(file, config);
  let logs = '';
  const child = spawn(binary, ['--config', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (logs += d));
  child.stderr!.on('data', (d) => (logs += d));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`collector exited with ${child.exitCode}:\n${logs}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(httpPort, '127.0.0.1', () => resolve(socket.end() !== undefined));
      socket.on('error', () => resolve(false));
    });
    if (open) break;
    if (Date.now() > deadline) throw new Error(`collector did not listen on ${httpPort}:\n${logs}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    process: child,
    logs: () => logs,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export type TraceClass = 'error' | 'slow' | 'slow-at-threshold' | 'normal' | 'health-check' | 'client-error';

export interface SentTrace {
  readonly traceId: string;
  readonly kind: TraceClass;
}

/**
 * Sends the traces from a separate Node process (test/fixtures/send-traces.ts):
 * the OTLP exporter loads its transport with a dynamic import, which jest's VM
 * does not run.
 */
export async function sendTraces(httpPort: number, counts: Readonly<Record<TraceClass, number>>): Promise<SentTrace[]> {
  const result = spawnSync(
    process.execPath,
    [path.join(ROOT, 'lib/run-ts.js'), 'test/fixtures/send-traces.ts', String(httpPort), JSON.stringify(counts)],
    {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  if (result.status !== 0) throw new Error(`sending traces failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as SentTrace[];
}

export interface SamplingResult {
  readonly sent: readonly SentTrace[];
  readonly kept: ReadonlySet<string>;
}

export function keptOf(result: SamplingResult, kind: TraceClass): { kept: number; sent: number } {
  const ofKind = result.sent.filter((t) => t.kind === kind);
  return { kept: ofKind.filter((t) => result.kept.has(t.traceId)).length, sent: ofKind.length };
}

/**
 * The seed's expectations (lab 7-2): every error and every slow trace kept,
 * health checks dropped, normal traffic at the configured rate. Returns what
 * does not hold; empty means the policies behave.
 */
export function samplingViolations(result: SamplingResult, normalPercent: number): string[] {
  const problems: string[] = [];
  const all = (kind: TraceClass) => {
    const k = keptOf(result, kind);
    if (k.kept !== k.sent) problems.push(`${kind}: kept ${k.kept} of ${k.sent}, expected all`);
  };
  const none = (kind: TraceClass) => {
    const k = keptOf(result, kind);
    if (k.kept !== 0) problems.push(`${kind}: kept ${k.kept} of ${k.sent}, expected none`);
  };
  all('error');
  all('slow');
  all('slow-at-threshold');
  none('health-check');
  none('client-error');
  const normal = keptOf(result, 'normal');
  // Binomial spread: with n traces at rate p, 5 standard deviations either way.
  const p = normalPercent / 100;
  const spread = 5 * Math.sqrt(normal.sent * p * (1 - p));
  if (Math.abs(normal.kept - normal.sent * p) > Math.max(spread, 1)) {
    problems.push(
      `normal: kept ${normal.kept} of ${normal.sent}, expected about ${normalPercent}% (${Math.round(normal.sent * p)} +/- ${Math.round(spread)})`,
    );
  }
  return problems;
}
