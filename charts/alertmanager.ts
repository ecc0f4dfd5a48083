import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { ImageSource, imageRef } from '../lib/images';
import { PART_OF } from '../lib/labels';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../lib/security';
import { toYaml } from '../lib/yaml';

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
    readonly webhook_configs?: ReadonlyArray<{ readonly url: string; readonly send_resolved: boolean }>;
  }>;
  readonly inhibit_rules?: ReadonlyArray<{
    readonly source_matchers: readonly string[];
    readonly target_matchers: readonly string[];
    readonly equal: readonly string[];
  }>;
}

export interface AlertmanagerProps {
  readonly env: string;
  readonly namespace: string;
  readonly image: { readonly source: ImageSource; readonly tag: string };
  readonly registry?: string;
  /** Where rollback alerts go (a CD webhook); without one they are only shown in Grafana. */
  readonly rollbackWebhook?: string;
}

export const ALERTMANAGER = { name: 'alertmanager', port: 9093 } as const;

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
      ...(rollbackWebhook ? [{ name: 'rollback', webhook_configs: [{ url: rollbackWebhook, send_resolved: true }] }] : []),
    ],
    // A crash loop explains the errors it causes; page once.
    inhibit_rules: [
      { source_matchers: ['alertname="RollbackPodCrashLooping"'], target_matchers: ['alertname="RollbackErrorRateHigh"'], equal: ['namespace'] },
    ],
  };
}

/** Seed 7-7: Alertmanager v0.30.1 as a plain manifest (no chart), typed. */
export class Alertmanager extends Chart {
  constructor(scope: Construct, id: string, props: AlertmanagerProps) {
    super(scope, id);
    const selector = { 'app.kubernetes.io/name': ALERTMANAGER.name };
    const labels = { ...selector, 'app.kubernetes.io/part-of': PART_OF, env: props.env };
    const config = toYaml(alertmanagerConfig(props.rollbackWebhook));
    const ns = props.namespace;

    new k8s.KubeServiceAccount(this, 'sa', { metadata: { name: ALERTMANAGER.name, namespace: ns, labels }, automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'config', { metadata: { name: ALERTMANAGER.name, namespace: ns, labels }, data: { 'alertmanager.yml': config } });
    const probe = (path: string, initialDelaySeconds: number): k8s.Probe => ({
      httpGet: { path, port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds,
    });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: ALERTMANAGER.name, namespace: ns, labels },
      spec: {
        // One replica: Alertmanager HA needs gossip peers (a StatefulSet); the lab does not need it.
        replicas: 1,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { 'checksum/config': createHash('sha256').update(config).digest('hex') } },
          spec: {
            serviceAccountName: ALERTMANAGER.name,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            containers: [
              {
                name: 'alertmanager',
                image: imageRef(props.image.source, props.image.tag, props.registry),
                imagePullPolicy: 'IfNotPresent',
                args: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', '--cluster.listen-address='],
                ports: [{ name: 'http', containerPort: ALERTMANAGER.port, protocol: 'TCP' }],
                readinessProbe: probe('/-/ready', 5),
                livenessProbe: probe('/-/healthy', 15),
                resources: containerResources({ requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '200m', memory: '128Mi' } }),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [
                  { name: 'config', mountPath: '/etc/alertmanager', readOnly: true },
                  { name: 'data', mountPath: '/alertmanager' },
                ],
              },
            ],
            volumes: [
              { name: 'config', configMap: { name: ALERTMANAGER.name } },
              { name: 'data', emptyDir: { sizeLimit: k8s.Quantity.fromString('128Mi') } },
            ],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name: ALERTMANAGER.name, namespace: ns, labels },
      spec: { selector, ports: [{ name: 'http', port: ALERTMANAGER.port, targetPort: k8s.IntOrString.fromString('http'), appProtocol: 'http' }] },
    });
  }
}
