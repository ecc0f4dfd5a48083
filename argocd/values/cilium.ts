import { EnvironmentConfig } from '../../config';

/** The values this project sets on the Cilium chart, at the version CILIUM pins (see the chart's values.schema.json). */
export interface CiliumValues {
  readonly kubeProxyReplacement: boolean;
  readonly k8sServiceHost: string;
  readonly k8sServicePort: number;
  readonly routingMode: 'tunnel' | 'native';
  readonly tunnelProtocol: 'vxlan' | 'geneve';
  readonly encryption: { readonly enabled: boolean; readonly type: 'wireguard' | 'ipsec' };
  readonly cni: { readonly exclusive: boolean };
  readonly socketLB: { readonly hostNamespaceOnly: boolean };
  readonly operator: { readonly replicas: number };
  readonly hubble: {
    readonly enabled: boolean;
    /** Each `name[:option=value;...]`, as the agent's `hubble-metrics` option takes them (hubbleMetricsOption). */
    readonly metrics: { readonly enabled: readonly string[] };
    readonly relay: { readonly enabled: boolean };
    readonly ui: { readonly enabled: boolean };
    /** `cronJob` keeps generated certificates out of the rendered chart, so Argo CD sees no drift. */
    readonly tls: { readonly auto: { readonly enabled: boolean; readonly method: 'helm' | 'cronJob' | 'certmanager' } };
  };
}

/** Seed section 2: the six Hubble metrics. */
export type HubbleMetricName = 'dns' | 'drop' | 'tcp' | 'flow' | 'icmp' | 'http';

/** The labels Hubble's `labelsContext` option may add to a metric (pkg/hubble/metrics/api/context.go). */
export type HubbleContextLabel =
  'source_namespace' | 'source_workload' | 'source_app' | 'destination_namespace' | 'destination_workload' | 'destination_app' | 'traffic_direction';

export interface HubbleMetric {
  readonly name: HubbleMetricName;
  /** Labels of each series: without them a series says nothing of which namespace or workload it counts. */
  readonly labelsContext?: readonly HubbleContextLabel[];
}

/**
 * Both ends' namespace and workload, and the direction: what the seed's `rate(hubble_http_requests_total{namespace="demo"}[5m])`
 * needs, once the collection's relabel rules (observability/hubble-relabel.ts) have made `namespace` of them.
 */
export const HUBBLE_CONTEXT: readonly HubbleContextLabel[] = [
  'source_namespace',
  'source_workload',
  'destination_namespace',
  'destination_workload',
  'traffic_direction',
];

/** Seed section 2: the six Hubble metrics; the ones that count traffic per flow carry the context. */
export const HUBBLE_METRICS: readonly HubbleMetric[] = [
  { name: 'dns' },
  { name: 'drop', labelsContext: HUBBLE_CONTEXT },
  { name: 'tcp' },
  { name: 'flow', labelsContext: HUBBLE_CONTEXT },
  { name: 'icmp' },
  { name: 'http', labelsContext: HUBBLE_CONTEXT },
];

/** One metric as the chart's `hubble.metrics.enabled` and the agent's `hubble-metrics` option spell it: `http:labelsContext=a,b`. */
export const hubbleMetricOption = (m: HubbleMetric): string => (m.labelsContext ? `${m.name}:labelsContext=${m.labelsContext.join(',')}` : m.name);

/** The agent's `hubble-metrics` option (cilium-config), as the chart joins the list. */
export const hubbleMetricsOption = (metrics: readonly HubbleMetric[] = HUBBLE_METRICS): string => metrics.map(hubbleMetricOption).join(' ');

/**
 * Seed section 2 ("Lab 설정 요약") and fixes #1 and #2: the same values the
 * bootstrap's `helm install` and the Cilium Application use.
 */
export function ciliumValues(env: EnvironmentConfig): CiliumValues {
  return {
    kubeProxyReplacement: true,
    k8sServiceHost: env.cluster.apiServerHost,
    k8sServicePort: env.cluster.apiServerPort,
    routingMode: 'tunnel',
    tunnelProtocol: 'vxlan',
    encryption: { enabled: true, type: 'wireguard' },
    cni: { exclusive: false },
    socketLB: { hostNamespaceOnly: true },
    operator: { replicas: env.upstream.ciliumOperatorReplicas },
    hubble: {
      enabled: true,
      metrics: { enabled: HUBBLE_METRICS.map(hubbleMetricOption) },
      relay: { enabled: true },
      ui: { enabled: true },
      tls: { auto: { enabled: true, method: 'cronJob' } },
    },
  };
}
