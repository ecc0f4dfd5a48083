import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { readMigrationState } from '../config/migration-state';
import { RunningReceiver, startRollbackReceiver } from '../ops/receiver';
import { rollBackInClone } from '../ops/rollback';
import { onLoopback, RunningAlertmanager, startAlertmanager } from '../verify/engines/alertmanager';
import { startRuler } from '../verify/engines/prometheus';
import { collectorOnLoopbackPorts, freePort, startCollector } from './otel-harness';
import { KongRequest, kongRequests, sendKongSpans } from './kong-spans';
import { RED_METRICS } from '../observability/collector-config';
import { copyWorkingTree } from '../verify/engines/working-tree';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * Seed 10-3's automatic rollback on real engines, each with the rendered config: Kong's spans and lab-shaped metrics through the
 * collector, the rollback rules on Prometheus' ruler (the stand-in for Mimir's, verify/engines/prometheus.ts), their
 * alerts through Alertmanager to the receiver, which commits the rollback in a clone (the state file and the route
 * synth renders from it). The e2e suite carries the same commit on to Argo CD.
 */
const ENV = 'dev';

/** A clone of the working tree, committed, where synth runs as in the user's clone. */
function cloneOfWorkingTree(): string {
  const clone = path.join(tempDir('rollback-clone-'), 'repo');
  copyWorkingTree(ROOT, clone);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  // The identity the receiver commits as, as its clone would have it configured.
  git('config', 'user.name', 'rollback-receiver');
  git('config', 'user.email', 'rollback-receiver@lab.local');
  git('add', '-A');
  git('commit', '-q', '-m', 'the working tree');
  return clone;
}

/** One attribute of an OTLP/JSON payload. */
const attr = (key: string, value: string | number) => ({ key, value: typeof value === 'number' ? { intValue: value } : { stringValue: value } });

/**
 * Each service's request latency now and at the same time yesterday (the P99 rule's baseline), in ms. The backend
 * is ten times slower than yesterday, over the seed's 200%; checkin 1.5 times, the near miss.
 */
const LATENCY_MS = { backend: { yesterday: 40, now: 400 }, checkin: { yesterday: 400, now: 600 } } as const;

/**
 * One tick of requests through the gateway, as Kong's route plugins export their spans (test/kong-spans.ts); the
 * collector derives the HTTP server histogram the rules read from them. The backend answers 2% with 500, over the
 * seed's 1%; checkin 1 in 112 (0.9%) with 503, the near miss.
 */
function gatewayTraffic(tick: number): Record<string, KongRequest[]> {
  const requests = (service: keyof typeof LATENCY_MS, status: number, n: number): KongRequest[] =>
    kongRequests(`${service}-${tick}-${status}`, `${service}.lab-dev.local`, n, status, LATENCY_MS[service].now);
  return {
    backend: [...requests('backend', 200, 49), ...requests('backend', 500, 1)],
    checkin: [...requests('checkin', 200, 111), ...requests('checkin', 503, 1)],
  };
}

/** `5ms`, `2500ms`, `1s` -> seconds. */
const seconds = (duration: string) => (duration.endsWith('ms') ? Number(duration.slice(0, -2)) / 1000 : Number(duration.slice(0, -1)));

/**
 * Yesterday's histogram, as the collector's span metrics would have left it in Mimir (RED_METRICS' name and
 * buckets, `job` from service.name), every 15 s for 40 minutes around this time a day ago: what the P99 rule's
 * `offset 1d` reads. OpenMetrics, for promtool's backfill.
 */
function yesterday(nowMs: number): string {
  const name = 'http_server_request_duration_seconds';
  const bounds = RED_METRICS.histogram.explicit.buckets.map(seconds);
  const dayAgo = Math.floor(nowMs / 1000) - 86_400;
  const lines = [`# TYPE ${name} histogram`];
  for (const [job, latency] of Object.entries(LATENCY_MS)) {
    for (let step = 0, t = dayAgo - 1200; t <= dayAgo + 1200; step++, t += 15) {
      const total = 50 * (step + 1);
      for (const le of [...bounds.map(String), '+Inf'])
        lines.push(`${name}_bucket{job="${job}",le="${le}"} ${le === '+Inf' || latency.yesterday / 1000 <= Number(le) ? total : 0} ${t}`);
      lines.push(`${name}_count{job="${job}"} ${total} ${t}`, `${name}_sum{job="${job}"} ${(total * latency.yesterday) / 1000} ${t}`);
    }
  }
  return `${lines.join('\n')}\n# EOF\n`;
}

/**
 * Lab-shaped metrics as their producers send them over OTLP (database pool metrics from the services' SDKs,
 * kube-state-metrics' waiting reasons): the backend's pool full, checkin's one connection short (the near miss),
 * and three containers' waiting reasons.
 */
function labMetrics(startNs: string, nowNs: string) {
  const gauge = (name: string, unit: string, points: Array<[Array<ReturnType<typeof attr>>, number]>) => ({
    name,
    unit,
    sum: {
      aggregationTemporality: 2,
      isMonotonic: false,
      dataPoints: points.map(([attributes, v]) => ({ attributes, startTimeUnixNano: startNs, timeUnixNano: nowNs, asInt: String(v) })),
    },
  });
  const service = (name: string, pool: string, used: number, max: number) => ({
    resource: { attributes: [attr('service.name', name)] },
    scopeMetrics: [
      {
        scope: { name: 'lab' },
        metrics: [
          gauge('db.client.connection.count', '{connection}', [
            [[attr('db.client.connection.pool.name', pool), attr('db.client.connection.state', 'used')], used],
            [[attr('db.client.connection.pool.name', pool), attr('db.client.connection.state', 'idle')], max - used],
          ]),
          gauge('db.client.connection.max', '{connection}', [[[attr('db.client.connection.pool.name', pool)], max]]),
        ],
      },
    ],
  });
  const waiting = (pod: string, container: string, reason: string) => ({
    attributes: [attr('namespace', 'demo'), attr('pod', pod), attr('container', container), attr('reason', reason)],
    timeUnixNano: nowNs,
    asInt: '1',
  });
  return {
    resourceMetrics: [
      // The pool is full: over the seed's threshold.
      service('backend', 'orders', 20, 20),
      // 19 of 20 connections: the near miss.
      service('checkin', 'main', 19, 20),
      {
        resource: { attributes: [attr('service.name', 'kube-state-metrics')] },
        scopeMetrics: [
          {
            scope: { name: 'lab' },
            metrics: [
              {
                name: 'kube_pod_container_status_waiting_reason',
                gauge: {
                  dataPoints: [
                    waiting('backend-5d8f7c9b4-k2x7q', 'httpbin', 'CrashLoopBackOff'),
                    waiting('frontend-7c9d8b6f5-p4m2n', 'curl', 'CrashLoopBackOff'),
                    // Waiting, but not crash-looping: the near miss.
                    waiting('backend-5d8f7c9b4-z9y8x', 'httpbin', 'ContainerCreating'),
                  ],
                },
              },
            ],
          },
        ],
      },
    ],
  };
}

/**
 * The rendered collector config, changed only where addresses are: its receivers on loopback ports, the Mimir exporter
 * at the ruler's OTLP endpoint, the Loki and Tempo exporters at a closed loopback port (nothing is sent on their
 * pipelines), and its own metrics endpoint (a fixed port) off.
 */
function collectorOnLoopback(rendered: string, ports: { grpc: number; http: number }, mimirOtlp: string): string {
  const config = collectorOnLoopbackPorts(rendered, ports);
  config.exporters['otlphttp/mimir'].endpoint = mimirOtlp;
  config.exporters['otlphttp/loki'].endpoint = 'http://127.0.0.1:9';
  config.exporters['otlp/tempo'].endpoint = '127.0.0.1:9';
  return YAML.stringify(config);
}

const renderedData = (component: string, file: string, key: string): string =>
  (YAML.parse(fs.readFileSync(path.join(ROOT, 'dist', ENV, component, file), 'utf8')) as { data: Record<string, string> }).data[key];

interface Run {
  readonly clone: string;
  readonly receiver: RunningReceiver;
  readonly alertmanager: RunningAlertmanager;
  readonly log: string[];
}

async function startRun(config: (receiverUrl: string) => string): Promise<Run> {
  const clone = cloneOfWorkingTree();
  const log: string[] = [];
  const receiver = await startRollbackReceiver({
    env: ENV,
    migrating: () => Object.keys(readMigrationState(clone)[ENV] ?? {}),
    rollBack: async (service, reason) => {
      const r = rollBackInClone(clone, { env: ENV, service, reason });
      return `${r.outcome} ${r.message}`;
    },
    log: (line) => log.push(line),
  });
  const alertmanager = await startAlertmanager(toolPath('alertmanager'), config(receiver.url), tempDir('alertmanager-'));
  return { clone, receiver, alertmanager, log };
}

const commits = (clone: string) => execFileSync('git', ['log', '--format=%s'], { cwd: clone, encoding: 'utf8' }).trim().split('\n');

describe("automatic rollback (seed 10-3): Kong's spans and lab-shaped metrics through the real collector to the ruler, its alerts through the real Alertmanager to the receiver, which commits the rollback", () => {
  const runs: Run[] = [];
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  test("the rendered rules go pending or fire on the produced series and not on the near misses; the backend's crash loop becomes one commit: the stage rolled-back and dev's api route at DC 100, Kubernetes 0", async () => {
    // Two Alertmanagers behind one ruler, so one group_wait (30 s, as rendered) serves both: the rendered config,
    // and the seeded break, a config whose rollback route sends to the default receiver.
    const good = await startRun((url) => onLoopback(renderedData('alertmanager', 'configmap-alertmanager.yaml', 'alertmanager.yml'), url));
    const broken = await startRun((url) => {
      const config = YAML.parse(onLoopback(renderedData('alertmanager', 'configmap-alertmanager.yaml', 'alertmanager.yml'), url));
      config.route.routes = config.route.routes.map((r: { receiver: string }) => ({ ...r, receiver: 'default' }));
      return YAML.stringify(config);
    });
    runs.push(good, broken);
    for (const run of runs) stops.push(run.receiver.close, run.alertmanager.stop);
    const ruler = await startRuler(
      toolPath('prometheus'),
      renderedData('mimir-rules', 'configmap-mimir-rollback-rules.yaml', 'rollback.yaml'),
      runs.map((r) => r.alertmanager.url),
      tempDir('ruler-'),
      { promtool: toolPath('promtool'), openMetrics: yesterday(Date.now()) },
    );
    stops.push(ruler.stop);
    const ports = { grpc: await freePort(), http: await freePort() };
    const collector = await startCollector(
      toolPath('otelcol-lab'),
      collectorOnLoopback(renderedData('otel-collector', 'configmap-otel-collector.yaml', 'config.yaml'), ports, ruler.otlpEndpoint),
      ports.http,
    );
    stops.push(collector.stop);

    // The producers report every 5 s, as an SDK's periodic reader does, until the ruler has judged.
    const startNs = `${BigInt(Date.now()) * 1_000_000n}`;
    let tick = 0;
    let sending = true;
    const sender = (async () => {
      while (sending) {
        tick++;
        const response = await fetch(`http://127.0.0.1:${ports.http}/v1/metrics`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(labMetrics(startNs, `${BigInt(Date.now()) * 1_000_000n}`)),
        });
        if (!response.ok) throw new Error(`the collector refused the metrics: ${response.status} ${await response.text()}`);
        for (const [service, requests] of Object.entries(gatewayTraffic(tick))) await sendKongSpans(ports.http, service, requests);
        await new Promise((r) => setTimeout(r, 5000));
      }
    })();

    const judged = (alerts: Awaited<ReturnType<typeof ruler.alerts>>) =>
      alerts
        .map((a) =>
          `${a.name} ${a.state} ${a.labels.job ?? ''}${a.labels.db_client_connection_pool_name ? `/${a.labels.db_client_connection_pool_name}` : ''}${a.labels.pod ?? ''}`.trim(),
        )
        .sort();
    const expected = [
      'RollbackDbConnectionPoolExhausted pending backend/orders',
      'RollbackErrorRateHigh pending backend',
      'RollbackLatencyP99High pending backend',
      'RollbackPodCrashLooping firing backend-5d8f7c9b4-k2x7q',
      'RollbackPodCrashLooping firing frontend-7c9d8b6f5-p4m2n',
    ];
    // The rule group runs every minute, as rendered: two evaluations at most.
    let seen: string[] = [];
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline && JSON.stringify((seen = judged(await ruler.alerts()))) !== JSON.stringify(expected))
      await new Promise((r) => setTimeout(r, 2000));
    // The error rate, the P99 and the pool stay pending for their `for:` (5m, 5m, 2m), which promtool proves; the P99
    // compares with yesterday, which the ruler has from the backfill.
    expect(seen).toEqual(expected);

    const commitDeadline = Date.now() + 90_000;
    while (commits(good.clone).length < 2 && Date.now() < commitDeadline) await new Promise((r) => setTimeout(r, 1000));
    // The broken one had the same time, and a few seconds more.
    await new Promise((r) => setTimeout(r, 5000));
    sending = false;
    await sender;
    for (const run of runs) await run.receiver.idle();

    expect(commits(good.clone)).toEqual(['rollback: backend in dev back to the DC (switching 100% -> 0%)', 'the working tree']);
    const files = execFileSync('git', ['show', '--name-only', '--format=', 'HEAD'], { cwd: good.clone, encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(['config/migration-state.json', 'dist/dev/gateway/httproute-demo-api.yaml']);
    const route = YAML.parse(fs.readFileSync(path.join(good.clone, 'dist/dev/gateway/httproute-demo-api.yaml'), 'utf8'));
    expect(route.spec.rules[0].backendRefs.map((r: { name: string; weight: number }) => [r.name, r.weight])).toEqual([
      ['backend', 0],
      ['backend-dc', 100],
    ]);
    expect(readMigrationState(good.clone)[ENV].backend).toEqual({ name: 'rolled-back', reason: 'RollbackPodCrashLooping fired (Alertmanager)' });
    // The receiver saw both crash loops and acted on the backend's; the frontend is not migrating.
    expect(good.log.filter((l) => !l.includes('resolved')).sort()).toEqual([
      expect.stringMatching(/^receiver: RollbackPodCrashLooping fired for backend in dev: committed backend in dev back to the DC/),
      'receiver: RollbackPodCrashLooping for frontend in dev: not a migrating service; ignored',
    ]);
    // Without the route, nothing reaches the receiver and nothing is committed.
    expect({ commits: commits(broken.clone), log: broken.log }).toEqual({ commits: ['the working tree'], log: [] });
    process.stdout.write(
      `automatic rollback: ${tick} reports (${tick * 162} requests as Kong's spans, and the pool and pod metrics); the ruler: ${seen.join('; ')}; rendered Alertmanager: 1 commit (${files.join(', ')}); rollback route removed: 0 commits\n`,
    );
  }, 300_000);

  test('a second firing of the same alert finds the service on the DC already and commits nothing', () => {
    const clone = cloneOfWorkingTree();
    expect(rollBackInClone(clone, { env: ENV, service: 'backend', reason: 'RollbackErrorRateHigh fired (Alertmanager)' }).outcome).toBe('committed');
    const before = commits(clone);
    expect(rollBackInClone(clone, { env: ENV, service: 'backend', reason: 'again' })).toEqual({
      outcome: 'already-on-dc',
      message: 'backend in dev already sends every request to the DC (stage rolled-back); nothing to commit',
      files: [],
    });
    expect(commits(clone)).toEqual(before);
  });

  test('npm run rollback makes the same commit by hand, and refuses a service that is not migrating', () => {
    const clone = cloneOfWorkingTree();
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['lib/run-ts.js', 'ops/scripts/rollback.ts', ...args], { cwd: clone, encoding: 'utf8' });
    const refused = run('--env', 'stg', '--service', 'frontend', '--reason', 'by hand');
    expect({ status: refused.status, stderr: refused.stderr }).toEqual({
      status: 2,
      stderr: "rollback: error: 'frontend' is not migrating in stg (config/migration-state.json lists backend)\n",
    });
    const done = run('--env', 'stg', '--service', 'backend', '--reason', 'by hand: the error budget of the week is spent');
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
    expect(done.stdout).toMatch(
      /^rollback: backend in stg back to the DC \(switching 100% -> 0%\): commit [0-9a-f]{12} changes config\/migration-state.json, dist\/stg\/gateway\/httproute-demo-api.yaml\n$/,
    );
    expect(commits(clone)).toEqual(['rollback: backend in stg back to the DC (switching 100% -> 0%)', 'the working tree']);
  });

  test('with --push, the commit reaches the remote the clone tracks (stg and prod read a remote)', () => {
    const clone = cloneOfWorkingTree();
    const remote = path.join(tempDir('rollback-remote-'), 'remote.git');
    execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
    execFileSync('git', ['remote', 'add', 'origin', remote], { cwd: clone });
    execFileSync('git', ['push', '-q', '-u', 'origin', 'main'], { cwd: clone });
    const done = spawnSync(
      process.execPath,
      ['lib/run-ts.js', 'ops/scripts/rollback.ts', '--env', 'prod', '--service', 'backend', '--reason', 'RollbackErrorRateHigh fired', '--push'],
      { cwd: clone, encoding: 'utf8' },
    );
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
    expect(execFileSync('git', ['log', '--format=%s', 'main'], { cwd: remote, encoding: 'utf8' }).trim().split('\n')).toEqual([
      'rollback: backend in prod back to the DC (switching 100% -> 0%)',
      'the working tree',
    ]);
  });
});
