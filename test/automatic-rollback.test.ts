import { spawnSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ENVIRONMENTS } from '../config/environments';
import { readMigrationState } from '../config/migration-state';
import { RunningReceiver, startRollbackReceiver } from '../ops/receiver';
import { rollBack } from '../ops/rollback';
import { onLoopback, RunningAlertmanager, startAlertmanager } from '../verify/engines/alertmanager';
import { startRuler } from '../verify/engines/prometheus';
import { collectorOnLoopback, freePort, renderedMimirTranslation, startCollector } from './otel-harness';
import { KongRequest, kongRequests, sendKongSpans } from './kong-spans';
import { RED_METRICS } from '../observability/collector-config';
import { otlpAttribute as attr, poolMetrics } from './otel-payloads';
import { committedClone, filesOf, subjects } from './git-clone';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * Seed 10-3's automatic rollback on real engines, each with the rendered config: Kong's spans and lab-shaped metrics through the
 * collector, the rollback rules on Prometheus' ruler (the stand-in for Mimir's, verify/engines/prometheus.ts), their
 * alerts through Alertmanager to the receiver, which commits the rollback in a clone (the state file and the route
 * synth renders from it). The e2e suite carries the same commit on to Argo CD.
 */
const ENV = 'dev';

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
  const waiting = (pod: string, container: string, reason: string) => ({
    attributes: [attr('namespace', 'demo'), attr('pod', pod), attr('container', container), attr('reason', reason)],
    timeUnixNano: nowNs,
    asInt: '1',
  });
  return {
    resourceMetrics: [
      // The pool is full: over the seed's threshold.
      poolMetrics({ service: 'backend', pool: 'orders', used: 20, max: 20, startNs, nowNs }),
      // 19 of 20 connections: the near miss.
      poolMetrics({ service: 'checkin', pool: 'main', used: 19, max: 20, startNs, nowNs }),
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

const renderedData = (component: string, file: string, key: string, env = ENV): string =>
  (YAML.parse(fs.readFileSync(path.join(ROOT, 'dist', env, component, file), 'utf8')) as { data: Record<string, string> }).data[key];

/** A self-signed certificate for 127.0.0.1, as prod's receiver serves one; Alertmanager's tls_config.ca_file trusts it. */
function selfSignedCertificate(dir: string): { cert: Buffer; key: Buffer } {
  const [cert, key] = [path.join(dir, 'cert.pem'), path.join(dir, 'key.pem')];
  const run = spawnSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=rollback-receiver',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { encoding: 'utf8' },
  );
  if (run.error || run.status !== 0)
    throw new Error(`openssl could not make the receiver's certificate (apt-get install openssl): ${run.stderr || run.error}`);
  return { cert: fs.readFileSync(cert), key: fs.readFileSync(key) };
}

interface Run {
  readonly env: string;
  readonly clone: string;
  readonly receiver: RunningReceiver;
  readonly alertmanager: RunningAlertmanager;
  readonly log: string[];
}

interface RunProps {
  /** Whose rendered Alertmanager config runs, and whose rollbacks the receiver commits. */
  readonly env: string;
  /** Serve HTTPS, as prod's rendered webhook URL expects. */
  readonly tls?: boolean;
  /** The token in the file Alertmanager's http_config reads; the receiver's own when not given. */
  readonly alertmanagerToken?: string;
  /** A change to the rendered config: a seeded break. */
  readonly edit?: (config: { route: { routes: Array<{ receiver: string }> } }) => void;
}

/**
 * The receiver (as npm run rollback-receiver runs it: its token, TLS when asked, rollbacks committed in a clone) and the real
 * Alertmanager with `env`'s rendered config, whose credential files (the mounted Secret's token, and CA) are a local folder.
 */
async function startRun(props: RunProps): Promise<Run> {
  const clone = committedClone('rollback-clone-');
  const log: string[] = [];
  const token = randomBytes(24).toString('hex');
  const credentials = tempDir('rollback-credentials-');
  const tls = props.tls ? selfSignedCertificate(credentials) : undefined;
  fs.writeFileSync(path.join(credentials, 'token'), props.alertmanagerToken ?? token, { mode: 0o600 });
  if (tls) fs.writeFileSync(path.join(credentials, 'ca.crt'), tls.cert);
  const receiver = await startRollbackReceiver({
    env: props.env,
    token,
    tls,
    migrating: () => Object.keys(readMigrationState(clone)[props.env] ?? {}),
    rollBack: async (service, reason) => {
      const r = await rollBack(clone, { env: props.env, service, reason });
      return `${r.outcome} ${r.message}`;
    },
    log: (line) => log.push(line),
  });
  const config = YAML.parse(
    onLoopback(renderedData('alertmanager', 'configmap-alertmanager.yaml', 'alertmanager.yml', props.env), receiver.url, credentials),
  );
  props.edit?.(config);
  const alertmanager = await startAlertmanager(toolPath('alertmanager'), YAML.stringify(config), tempDir('alertmanager-'));
  return { env: props.env, clone, receiver, alertmanager, log };
}

describe("automatic rollback (seed 10-3): Kong's spans and lab-shaped metrics through the real collector to the ruler, its alerts through the real Alertmanager to the receiver, which commits the rollback", () => {
  const runs: Run[] = [];
  const stops: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  test("the rendered rules go pending or fire on the produced series and not on the near misses; the backend's crash loop becomes one commit per environment whose Alertmanager holds the receiver's token: the stage rolled-back and the api route at DC 100, Kubernetes 0", async () => {
    // Four Alertmanagers behind one ruler, so one group_wait (30 s, as rendered) serves all: dev's rendered config
    // (plain HTTP to the lab's receiver), prod's (HTTPS, the CA from the Secret), and two seeded breaks: a config whose
    // rollback route sends to the default receiver, and a Secret whose token is not the receiver's.
    const dev = await startRun({ env: ENV });
    const prod = await startRun({ env: 'prod', tls: true });
    const unrouted = await startRun({
      env: ENV,
      edit: (config) => {
        config.route.routes = config.route.routes.map((r) => ({ ...r, receiver: 'default' }));
      },
    });
    const wrongToken = await startRun({ env: ENV, alertmanagerToken: randomBytes(24).toString('hex') });
    runs.push(dev, prod, unrouted, wrongToken);
    for (const run of runs) stops.push(run.receiver.close, run.alertmanager.stop);
    expect(prod.receiver.url).toMatch(/^https:/);
    const ruler = await startRuler(toolPath('prometheus'), {
      rules: renderedData('mimir-rules', 'configmap-mimir-rollback-rules.yaml', 'rollback.yaml'),
      alertmanagers: runs.map((r) => r.alertmanager.url),
      workDir: tempDir('ruler-'),
      // Series named as the rendered Mimir names them: without its suffix setting, no rule would see a request.
      otlpTranslation: renderedMimirTranslation(ENVIRONMENTS[ENV]),
      history: { promtool: toolPath('promtool'), openMetrics: yesterday(Date.now()) },
    });
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
    while ([dev, prod].some((r) => subjects(r.clone).length < 2) && Date.now() < commitDeadline) await new Promise((r) => setTimeout(r, 1000));
    // The broken ones had the same time, and a few seconds more.
    await new Promise((r) => setTimeout(r, 5000));
    sending = false;
    await sender;
    for (const run of runs) await run.receiver.idle();

    for (const run of [dev, prod]) {
      expect(subjects(run.clone)).toEqual([`rollback: backend in ${run.env} back to the DC (switching 100% -> 0%)`, 'the working tree']);
      expect(filesOf(run.clone)).toEqual(['config/migration-state.json', `dist/${run.env}/gateway/httproute-demo-api.yaml`]);
      const route = YAML.parse(fs.readFileSync(path.join(run.clone, `dist/${run.env}/gateway/httproute-demo-api.yaml`), 'utf8'));
      expect(route.spec.rules[0].backendRefs.map((r: { name: string; weight: number }) => [r.name, r.weight])).toEqual([
        ['backend', 0],
        ['backend-dc', 100],
      ]);
      expect(readMigrationState(run.clone)[run.env].backend).toEqual({ name: 'rolled-back', reason: 'RollbackPodCrashLooping fired (Alertmanager)' });
      // The receiver saw both crash loops and acted on the backend's; the frontend is not migrating.
      expect(run.log.filter((l) => !l.includes('resolved')).sort()).toEqual([
        expect.stringMatching(
          new RegExp(`^receiver: RollbackPodCrashLooping fired for backend in ${run.env}: committed backend in ${run.env} back to the DC`),
        ),
        `receiver: RollbackPodCrashLooping for frontend in ${run.env}: not a migrating service; ignored`,
      ]);
    }
    // Without the route, nothing reaches the receiver and nothing is committed.
    expect({ commits: subjects(unrouted.clone), log: unrouted.log }).toEqual({ commits: ['the working tree'], log: [] });
    // With a token that is not the receiver's, Alertmanager is refused each time it tries, and nothing is committed.
    expect(subjects(wrongToken.clone)).toEqual(['the working tree']);
    expect(wrongToken.log.length).toBeGreaterThan(0);
    expect(wrongToken.log.filter((l) => !/^receiver: refused 127\.0\.0\.1: a wrong bearer token$/.test(l))).toEqual([]);
    process.stdout.write(
      `automatic rollback: ${tick} reports (${tick * 162} requests as Kong's spans, and the pool and pod metrics); the ruler: ${seen.join('; ')}; dev's rendered Alertmanager (HTTP): 1 commit; prod's (HTTPS, CA and token from the Secret's files): 1 commit; rollback route removed: 0 commits; a wrong token: ${wrongToken.log.length} refusals, 0 commits\n`,
    );
  }, 300_000);
});
