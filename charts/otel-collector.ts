// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { PinnedImage } from '../lib/images';
import { platformLabels } from '../lib/labels';
import { toYaml } from '../lib/yaml';
import { CollectorConfig } from '../observability/collector-config';
import { ConfigFileService } from './config-file-service';
import { OTEL_COLLECTOR_NAME, OTLP_PORTS } from '../lib/traffic';

export interface OtelCollectorProps extends PlatformChartProps {
  readonly replicas: number;
  readonly config: CollectorConfig;
  readonly image: PinnedImage;
  /** Container memory limit; the config's memory_limiter is derived from it. */
  readonly memoryLimitMib: number;
}

/** Seed section 7-1: the central OTLP gateway, a Deployment in monitoring. */
export class OtelCollector extends PlatformChart {
  constructor(scope: Construct, id: string, props: OtelCollectorProps) {
    super(scope, id, props);
    const name = OTEL_COLLECTOR_NAME;
    const selector = { 'app.kubernetes.io/name': name };
    const labels = { ...selector, ...platformLabels(props.env.name) };

    // Ready when the HTTP receiver accepts connections; alive while the gRPC one does.
    const probe = (port: string, initialDelaySeconds: number): k8s.Probe => ({
      tcpSocket: { port: k8s.IntOrString.fromString(port) },
      initialDelaySeconds,
      periodSeconds: 10,
    });
    new ConfigFileService(this, 'service', {
      name,
      namespace: props.namespace,
      labels,
      selector,
      replicas: props.replicas,
      config: { fileName: 'config.yaml', content: toYaml(props.config), mountPath: '/conf' },
      image: this.image(props.image),
      args: ['--config=/conf/config.yaml'],
      ports: [
        { name: 'otlp-grpc', containerPort: OTLP_PORTS.grpc, servicePort: OTLP_PORTS.grpc, appProtocol: 'grpc' },
        { name: 'otlp-http', containerPort: OTLP_PORTS.http, servicePort: OTLP_PORTS.http, appProtocol: 'http' },
      ],
      readinessProbe: probe('otlp-http', 5),
      livenessProbe: probe('otlp-grpc', 15),
      resources: {
        requests: { cpu: '100m', memory: `${Math.floor(props.memoryLimitMib / 2)}Mi` },
        limits: { cpu: '1', memory: `${props.memoryLimitMib}Mi` },
      },
      spreadOverNodes: true,
    });

    if (props.replicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'pdb', {
        metadata: { name, labels },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector } },
      });
    }
  }
}
