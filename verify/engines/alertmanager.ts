import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { toYaml } from '../../lib/yaml';
import { LoopbackProcess, startLoopbackProcess } from './loopback-process';

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

export interface RunningAlertmanager extends LoopbackProcess {
  /** Posts firing alerts through API v2, as the Mimir ruler does. */
  readonly post: (alerts: readonly PostedAlert[]) => Promise<void>;
}

export async function startAlertmanager(binary: string, config: string, workDir: string): Promise<RunningAlertmanager> {
  fs.mkdirSync(workDir, { recursive: true });
  const file = path.join(workDir, 'alertmanager.yml');
  fs.writeFileSync(file, config);
  const server = await startLoopbackProcess({
    name: 'alertmanager',
    binary,
    args: (port) => [
      `--config.file=${file}`,
      `--storage.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      // No gossip peers: one instance, as the rendered Deployment runs it.
      '--cluster.listen-address=',
    ],
    readyPath: '/-/ready',
    readySeconds: 30,
  });
  return {
    ...server,
    post: async (alerts) => {
      const response = await fetch(`${server.url}/api/v2/alerts`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(alerts.map((a) => ({ labels: a.labels, annotations: a.annotations ?? {}, startsAt: new Date().toISOString() }))),
      });
      if (!response.ok) throw new Error(`alertmanager refused the alerts: ${response.status} ${await response.text()}`);
    },
  };
}
