import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { RECEIVER_CREDENTIALS_DIR } from '../../charts/alertmanager';
import { toYaml } from '../../lib/yaml';
import { LoopbackProcess, startLoopbackProcess } from './loopback-process';

/**
 * The real Alertmanager (the pinned release, built into the tool cache) with
 * the config our render produces, on loopback. The only changes to that
 * config are addresses: the rollback webhook's URL points at the test's
 * receiver, and the credential files it names (the mounted Secret's token and
 * CA) are read from a local folder instead of the pod's mount. Grouping,
 * waits, routes, matchers, inhibitions and the http_config's shape stay
 * exactly as rendered.
 */

/** The rendered alertmanager.yml with the rollback webhook moved to `receiverUrl` and its credential files to `credentialsDir`. */
export function onLoopback(rendered: string, receiverUrl: string, credentialsDir: string): string {
  const config = YAML.parse(rendered);
  const local = (file: string) => {
    if (!file.startsWith(`${RECEIVER_CREDENTIALS_DIR}/`)) throw new Error(`${file} is not in the receiver's Secret (${RECEIVER_CREDENTIALS_DIR})`);
    return path.join(credentialsDir, file.slice(RECEIVER_CREDENTIALS_DIR.length + 1));
  };
  for (const receiver of config.receivers ?? [])
    for (const webhook of receiver.webhook_configs ?? []) {
      if (new URL(webhook.url).protocol !== new URL(receiverUrl).protocol)
        throw new Error(`the rendered webhook is ${webhook.url}; start the test's receiver with the same scheme (${receiverUrl})`);
      webhook.url = receiverUrl;
      const auth = webhook.http_config?.authorization;
      if (auth?.credentials_file) auth.credentials_file = local(auth.credentials_file);
      const tls = webhook.http_config?.tls_config;
      if (tls?.ca_file) tls.ca_file = local(tls.ca_file);
    }
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
