// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { PinnedImage } from '../lib/images';
import { platformLabels } from '../lib/labels';
import { ALERTMANAGER } from '../lib/upstream';
import { toYaml } from '../lib/yaml';
import { ConfigFileService } from './config-file-service';

/** The parts of alertmanager.yml this lab uses. */
export interface AlertmanagerConfig {
  readonly route: {
    readonly receiver: string;
    readonly group_by: readonly string[];
    readonly group_wait: string;
    readonly group_interval: string;
    readonly repeat_interval: string;
    readonly routes?: ReadonlyArray<{ readonly receiver: string; readonly matchers: readonly string[]; readonly continue?: boolean }>;
  };
  readonly receivers: ReadonlyArray<{
    readonly name: string;
    readonly webhook_configs?: ReadonlyArray<{ readonly url: string; readonly send_resolved: boolean; readonly http_config?: WebhookHttpConfig }>;
  }>;
  readonly inhibit_rules?: ReadonlyArray<{
    readonly source_matchers: readonly string[];
    readonly target_matchers: readonly string[];
    readonly equal: readonly string[];
  }>;
}

/** Alertmanager's `http_config` of a webhook: the bearer token from a file, and for HTTPS the CA that signed the receiver. */
export interface WebhookHttpConfig {
  readonly authorization: { readonly type: 'Bearer'; readonly credentials_file: string };
  readonly tls_config?: { readonly ca_file: string };
}

/** Where the receiver's Secret is mounted in Alertmanager's pod. */
export const RECEIVER_CREDENTIALS_DIR = '/etc/alertmanager/rollback-receiver';

export interface RollbackWebhook {
  readonly url: string;
  /** The Secret (in Alertmanager's namespace) whose `token` Alertmanager sends, and whose `ca.crt` verifies an HTTPS receiver. */
  readonly credentialsSecret: string;
}

export interface AlertmanagerProps extends PlatformChartProps {
  readonly image: PinnedImage;
  /** Where rollback alerts go (a CD webhook), and the credential it wants; without one they are only shown in Grafana. */
  readonly rollbackWebhook?: RollbackWebhook;
}

/** The receiver's credential as Alertmanager reads it: files of the mounted Secret, so no value is in the config. */
export function rollbackHttpConfig(url: string): WebhookHttpConfig {
  return {
    authorization: { type: 'Bearer', credentials_file: `${RECEIVER_CREDENTIALS_DIR}/token` },
    ...(url.startsWith('https:') ? { tls_config: { ca_file: `${RECEIVER_CREDENTIALS_DIR}/ca.crt` } } : {}),
  };
}

export function alertmanagerConfig(rollbackWebhook?: string): AlertmanagerConfig {
  return {
    route: {
      receiver: 'default',
      group_by: ['alertname', 'job', 'namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '4h',
      routes: [{ receiver: rollbackWebhook ? 'rollback' : 'default', matchers: ['action="rollback"'] }],
    },
    receivers: [
      { name: 'default' },
      ...(rollbackWebhook
        ? [{ name: 'rollback', webhook_configs: [{ url: rollbackWebhook, send_resolved: true, http_config: rollbackHttpConfig(rollbackWebhook) }] }]
        : []),
    ],
    // A crash loop explains the errors it causes; page once.
    inhibit_rules: [
      { source_matchers: ['alertname="RollbackPodCrashLooping"'], target_matchers: ['alertname="RollbackErrorRateHigh"'], equal: ['namespace'] },
    ],
  };
}

/** Seed 7-7: Alertmanager (VERSIONS.alertmanager) as a plain manifest (no chart), typed. */
export class Alertmanager extends PlatformChart {
  constructor(scope: Construct, id: string, props: AlertmanagerProps) {
    super(scope, id, props);
    const selector = { 'app.kubernetes.io/name': ALERTMANAGER.name };
    const labels = { ...selector, ...platformLabels(props.env.name) };

    const probe = (path: string, initialDelaySeconds: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds,
    });
    new ConfigFileService(this, 'service', {
      name: ALERTMANAGER.name,
      namespace: props.namespace,
      labels,
      selector,
      // One replica: Alertmanager HA needs gossip peers (a StatefulSet); the lab does not need it.
      replicas: 1,
      config: { fileName: 'alertmanager.yml', content: toYaml(alertmanagerConfig(props.rollbackWebhook?.url)), mountPath: '/etc/alertmanager' },
      image: this.image(props.image),
      args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', '--cluster.listen-address='],
      ports: [{ name: 'http', containerPort: ALERTMANAGER.port, servicePort: ALERTMANAGER.port, appProtocol: 'http' }],
      readinessProbe: probe('/-/ready', 5),
      livenessProbe: probe('/-/healthy', 15),
      resources: { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
      extraVolumes: [
        { volume: { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('128Mi') } }, mountPath: '/alertmanager' },
        // The receiver's token (and CA), created outside git: the config names the files, never the values.
        ...(props.rollbackWebhook
          ? [
              {
                volume: { name: 'rollback-receiver', secret: { secretName: props.rollbackWebhook.credentialsSecret } },
                mountPath: RECEIVER_CREDENTIALS_DIR,
              },
            ]
          : []),
      ],
    });
  }
}
