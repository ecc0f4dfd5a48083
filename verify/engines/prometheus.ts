import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { toYaml } from '../../lib/yaml';

/**
 * Prometheus as the stand-in for the Mimir ruler: Mimir, Loki and Tempo are
 * AGPL, which this project does not build. Mimir's ruler is Prometheus' rule
 * manager and PromQL engine, and Mimir's OTLP endpoint uses the same OTLP to
 * Prometheus translation as Prometheus' own OTLP receiver, so the rendered rule
 * file is evaluated as Mimir evaluates it, on series named as Mimir names them.
 * Only addresses and paths differ from the lab: the rule file as rendered, the
 * Alertmanagers on loopback.
 */

export interface RunningPrometheus {
  readonly url: string;
  /** Where the collector's otlphttp exporter sends metrics (it appends /v1/metrics), as it does to Mimir's /otlp. */
  readonly otlpEndpoint: string;
  readonly pid: number;
  /** The ruler's alerts now: name, state (pending or firing) and labels. */
  readonly alerts: () => Promise<ReadonlyArray<{ name: string; state: string; labels: Record<string, string> }>>;
  readonly logs: () => string;
  readonly stop: () => Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startRuler(binary: string, rules: string, alertmanagers: readonly string[], workDir: string): Promise<RunningPrometheus> {
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(path.join(workDir, 'rollback.yaml'), rules);
  fs.writeFileSync(
    path.join(workDir, 'prometheus.yml'),
    toYaml({
      rule_files: ['rollback.yaml'],
      alerting: { alertmanagers: [{ static_configs: [{ targets: alertmanagers.map((url) => new URL(url).host) }] }] },
    }),
  );
  const port = await freePort();
  let logs = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${path.join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-otlp-receiver',
      // Alerts go to Alertmanager as soon as they fire, not on the next one-minute resend.
      '--rules.alert.resend-delay=5s',
    ],
    { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout!.on('data', (d) => (logs += d));
  child.stderr!.on('data', (d) => (logs += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + 60000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}: ${logs.trim().split('\n').slice(-3).join(' | ')}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready within 60 s: ${logs.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    otlpEndpoint: `${url}/api/v1/otlp`,
    pid: child.pid!,
    logs: () => logs,
    stop,
    alerts: async () => {
      const body = (await (await fetch(`${url}/api/v1/alerts`)).json()) as {
        data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
      };
      return body.data.alerts.map((a) => ({ name: a.labels.alertname, state: a.state, labels: a.labels }));
    },
  };
}
