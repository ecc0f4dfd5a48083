import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import * as YAML from 'yaml';
import { toYaml } from '../../lib/yaml';

/**
 * The real Alertmanager (the pinned release, built into the tool cache) with
 * the config our render produces, on loopback. The one change to that config:
 * the rollback receiver's webhook URL points at the test's receiver. Grouping,
 * waits, routes, matchers and inhibitions stay exactly as rendered.
 */

/** The rendered alertmanager.yml with the rollback webhook moved to `receiverUrl`; every other key as rendered. */
export function onLoopback(rendered: string, receiverUrl: string): string {
  const config = YAML.parse(rendered);
  for (const receiver of config.receivers ?? []) for (const webhook of receiver.webhook_configs ?? []) webhook.url = receiverUrl;
  return toYaml(config);
}

/** An alert as a Prometheus-compatible ruler posts it to Alertmanager's API. */
export interface PostedAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface RunningAlertmanager {
  readonly url: string;
  readonly pid: number;
  /** Posts firing alerts through API v2, as the Mimir ruler does. */
  readonly post: (alerts: readonly PostedAlert[]) => Promise<void>;
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

export async function startAlertmanager(binary: string, config: string, workDir: string): Promise<RunningAlertmanager> {
  fs.mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, 'alertmanager.yml');
  fs.writeFileSync(file, config);
  const port = await freePort();
  let logs = '';
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${file}`,
      `--storage.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip peers: one instance, as the rendered Deployment runs it.
      '--cluster.listen-address=',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
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
  const deadline = Date.now() + 30000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited with ${child.exitCode}: ${logs.trim().split('\n').slice(-3).join(' | ')}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`alertmanager not ready within 30 s: ${logs.trim().split('\n').slice(-3).join(' | ')}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    pid: child.pid!,
    logs: () => logs,
    stop,
    post: async (alerts) => {
      const response = await fetch(`${url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {}, startsAt: new Date().toISOString() }))),
      });
      if (!response.ok) throw new Error(`alertmanager refused the alerts: ${response.status} ${await response.text()}`);
    },
  };
}
