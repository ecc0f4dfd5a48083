import { createHash } from 'crypto';
import { Chart } from 'cdk8s';
// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { ImageSource, imageRef } from '../lib/images';
import { PART_OF } from '../lib/labels';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../lib/security';
import { toYaml } from '../lib/yaml';
import { CollectorConfig } from '../observability/collector-config';

export interface OtelCollectorProps {
  readonly env: string;
  readonly namespace: string;
  readonly replicas: number;
  readonly config: CollectorConfig;
  readonly image: { readonly source: ImageSource; readonly tag: string };
  readonly registry?: string;
  /** Container memory limit; the config's memory_limiter is derived from it. */
  readonly memoryLimitMib: number;
}

export const OTEL_COLLECTOR_NAME = 'otel-collector';
export const OTLP_PORTS = { grpc: 4317, http: 4318 } as const;

/** Seed section 7-1: the central OTLP gateway, a Deployment in monitoring. */
export class OtelCollector extends Chart {
  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id);
    const name = OTEL_COLLECTOR_NAME;
    const selector = { 'app.kubernetes.io/name': name };
    const labels = { ...selector, 'app.kubernetes.io/part-of': PART_OF, env: props.env };
    const configYaml = toYaml(props.config);

    new k8s.KubeServiceAccount(this, 'sa', { metadata: { name, namespace: props.namespace, labels }, automountServiceAccountToken: false });
    new k8s.KubeConfigMap(this, 'config', { metadata: { name, namespace: props.namespace, labels }, data: { 'config.yaml': configYaml } });

    const ports = [
      { name: 'otlp-grpc', containerPort: OTLP_PORTS.grpc, protocol: 'TCP' },
      { name: 'otlp-http', containerPort: OTLP_PORTS.http, protocol: 'TCP' },
    ];
    // Ready when the HTTP receiver accepts connections; alive while the gRPC one does.
    const probe = (port: string, initialDelaySeconds: number): k8s.Probe => ({
      tcpSocket: { port: k8s.IntOrString.fromString(port) },
      initialDelaySeconds,
      periodSeconds: 10,
    });
    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        replicas: props.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selector },
        template: {
          metadata: {
            labels,
            // A content hash, not a random one: a config change rolls the pods, nothing else does.
            annotations: { 'checksum/config': createHash('sha256').update(configYaml).digest('hex') },
          },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } } },
                ],
              },
            },
            containers: [
              {
                name: 'otel-collector',
                image: imageRef(props.image.source, props.image.tag, props.registry),
                imagePullPolicy: 'IfNotPresent',
                args: ['--config=/conf/config.yaml'],
                ports,
                readinessProbe: probe('otlp-http', 5),
                livenessProbe: probe('otlp-grpc', 15),
                resources: containerResources({
                  requests: { cpu: '100m', memory: `${Math.floor(props.memoryLimitMib / 2)}Mi` },
                  limits: { cpu: '1', memory: `${props.memoryLimitMib}Mi` },
                }),
                securityContext: restrictedContainerSecurityContext(),
                volumeMounts: [{ name: 'config', mountPath: '/conf', readOnly: true }],
              },
            ],
            volumes: [{ name: 'config', configMap: { name } }],
          },
        },
      },
    });

    if (props.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: { name, namespace: props.namespace, labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }

    new k8s.KubeService(this, 'service', {
      metadata: { name, namespace: props.namespace, labels },
      spec: {
        selector,
        ports: [
          { name: 'otlp-grpc', port: OTLP_PORTS.grpc, targetPort: k8s.IntOrString.fromString('otlp-grpc'), appProtocol: 'grpc' },
          { name: 'otlp-http', port: OTLP_PORTS.http, targetPort: k8s.IntOrString.fromString('otlp-http'), appProtocol: 'http' },
        ],
      },
    });
  }
}
