import { createHash } from 'crypto';
// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { ResourceSizes } from '../config';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext, tokenlessServiceAccount } from '../lib/security';

export interface ConfigFileServiceProps {
  /** Names the ServiceAccount, ConfigMap, Deployment, container and Service alike. */
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly selector: Readonly<Record<string, string>>;
  readonly replicas: number;
  /** The one config file, mounted read-only in its own folder. */
  readonly config: { readonly fileName: string; readonly content: string; readonly mountPath: string };
  readonly image: string;
  readonly args: readonly string[];
  /** Each container port is published on the Service under the same name. */
  readonly ports: ReadonlyArray<{
    readonly name: string;
    readonly containerPort: number;
    readonly servicePort: number;
    readonly appProtocol: string;
  }>;
  readonly readinessProbe: k8s.Probe;
  readonly livenessProbe: k8s.Probe;
  readonly resources: ResourceSizes;
  /** Volumes besides the config, with where they are mounted. */
  readonly extraVolumes?: ReadonlyArray<{ readonly volume: k8s.Volume; readonly mountPath: string }>;
  /** Prefer one replica per node, so a node loss takes one at most. */
  readonly spreadOverNodes?: boolean;
}

/**
 * A service that is one binary and one config file (Alertmanager, the
 * collector): its ServiceAccount without a token, the ConfigMap, a restricted
 * Deployment whose pods roll when the config changes (a content hash, never a
 * random one), and the Service.
 */
export class ConfigFileService extends Construct {
  constructor(scope: Construct, id: string, props: ConfigFileServiceProps) {
    super(scope, id);
    const { name, namespace } = props;
    const labels = { ...props.labels };
    const selector = { ...props.selector };
    tokenlessServiceAccount(this, name, namespace, labels);
    new k8s.KubeConfigMap(this, 'config', { metadata: { name, namespace, labels }, data: { [props.config.fileName]: props.config.content } });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name, namespace, labels },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: {
          metadata: { labels, annotations: { 'checksum/config': createHash('sha256').update(props.config.content).digest('hex') } },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            ...(props.spreadOverNodes
              ? {
                  affinity: {
                    podAntiAffinity: {
                      preferredDuringSchedulingIgnoredDuringExecution: [
                        { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
                      ],
                    },
                  },
                }
              : {}),
            containers: [
              {
                name,
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                args: [...props.args],
                ports: props.ports.map((p) => ({ name: p.name, containerPort: p.containerPort, protocol: 'TCP' })),
                readinessProbe: props.readinessProbe,
                livenessProbe: props.livenessProbe,
                resources: containerResources(props.resources),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [
                  { name: 'config', mountPath: props.config.mountPath, readOnly: true },
                  ...(props.extraVolumes ?? []).map((v) => ({ name: v.volume.name, mountPath: v.mountPath })),
                ],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }, ...(props.extraVolumes ?? []).map((v) => v.volume)],
          },
        },
      },
    });
    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace, labels },
      spec: {
        selector,
        ports: props.ports.map((p) => ({
          name: p.name,
          port: p.servicePort,
          targetPort: k8s.IntOrString.fromString(p.name),
          appProtocol: p.appProtocol,
        })),
      },
    });
  }
}
