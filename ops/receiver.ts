import * as http from 'http';
import { AddressInfo } from 'net';
import { NAMESPACES } from '../lib/namespaces';

/**
 * The Alertmanager webhook that makes seed 10-3's rollback criteria automatic
 * triggers. Alertmanager routes alerts labelled `action="rollback"` here; for
 * each firing alert that names a service being migrated in this receiver's
 * environment, it asks `rollBack` for the one change a person would commit.
 * Everything else (resolved alerts, services not migrating) is answered and
 * logged, never acted on.
 */

/** The parts of Alertmanager's webhook payload (version 4) the receiver reads. */
export interface AlertmanagerWebhook {
  readonly version: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: ReadonlyArray<{ readonly status: 'firing' | 'resolved'; readonly labels: Readonly<Record<string, string>> }>;
}

export interface ReceiverProps {
  /** The environment whose Alertmanager calls this receiver. */
  readonly env: string;
  /** The services migrating in that environment, by Service name. */
  readonly migrating: () => readonly string[];
  /** Commits the rollback of one service; returns what it did, for the log. */
  readonly rollBack: (service: string, reason: string) => Promise<string>;
  readonly log: (line: string) => void;
  /** Loopback by default; the lab binds the address Alertmanager reaches. */
  readonly host?: string;
  readonly port?: number;
}

/**
 * The service an alert is about: the `service` label when a rule sets one, else the job (OTLP's
 * `service.namespace/service.name`, so the last part), else the Deployment behind a pod of the demo
 * namespace (kube-state-metrics' CrashLoopBackOff series name the pod, not its Deployment).
 */
export function serviceOfAlert(labels: Readonly<Record<string, string>>): string | undefined {
  if (labels.service) return labels.service;
  if (labels.job) return labels.job.split('/').pop();
  if (labels.pod && labels.namespace === NAMESPACES.demo) return /^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$/.exec(labels.pod)?.[1];
  return undefined;
}

export interface RunningReceiver {
  readonly url: string;
  /** Resolves when every rollback started so far has ended. */
  readonly idle: () => Promise<void>;
  readonly close: () => Promise<void>;
}

export async function startRollbackReceiver(props: ReceiverProps): Promise<RunningReceiver> {
  // One rollback at a time: each is a commit on the same branch.
  let queue: Promise<void> = Promise.resolve();
  const handle = (body: AlertmanagerWebhook) => {
    for (const alert of body.alerts) {
      const name = alert.labels.alertname ?? '(no alertname)';
      const service = serviceOfAlert(alert.labels);
      if (alert.status !== 'firing') {
        props.log(`receiver: ${name} for ${service ?? '?'} resolved; a rollback stays until a reviewed commit moves the service forward again`);
        continue;
      }
      if (alert.labels.action !== 'rollback') {
        props.log(`receiver: ${name} is not a rollback alert (action="${alert.labels.action ?? ''}"); ignored`);
        continue;
      }
      if (!service || !props.migrating().includes(service)) {
        props.log(`receiver: ${name} for ${service ?? 'no service'} in ${props.env}: not a migrating service; ignored`);
        continue;
      }
      queue = queue.then(async () => {
        try {
          props.log(`receiver: ${name} fired for ${service} in ${props.env}: ${await props.rollBack(service, `${name} fired (Alertmanager)`)}`);
        } catch (error) {
          props.log(`receiver: rollback of ${service} in ${props.env} failed: ${(error as Error).message}`);
        }
      });
    }
  };
  const server = http.createServer((request, response) => {
    if (request.method !== 'POST') {
      response.writeHead(405).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as AlertmanagerWebhook;
        if (!Array.isArray(body.alerts)) throw new Error('no alerts array');
        handle(body);
        response.writeHead(200).end();
      } catch (error) {
        props.log(`receiver: refused a request that is not an Alertmanager webhook: ${(error as Error).message}`);
        response.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(props.port ?? 0, props.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}/alerts`,
    idle: async () => {
      for (let seen: Promise<void> | undefined; seen !== queue;) await (seen = queue);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
