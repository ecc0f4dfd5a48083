import { EnvironmentConfig } from '../../config';

/** The Cilium 1.19.1 chart values this project sets (see the chart's values.schema.json). */
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
    readonly metrics: { readonly enabled: readonly HubbleMetric[] };
    readonly relay: { readonly enabled: boolean };
    readonly ui: { readonly enabled: boolean };
    /** `cronJob` keeps generated certificates out of the rendered chart, so Argo CD sees no drift. */
    readonly tls: { readonly auto: { readonly enabled: boolean; readonly method: 'helm' | 'cronJob' | 'certmanager' } };
  };
}

/** Seed section 2: the six Hubble metrics. */
export type HubbleMetric = 'dns' | 'drop' | 'tcp' | 'flow' | 'icmp' | 'http';
export const HUBBLE_METRICS: readonly HubbleMetric[] = ['dns', 'drop', 'tcp', 'flow', 'icmp', 'http'];

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
      metrics: { enabled: HUBBLE_METRICS },
      relay: { enabled: true },
      ui: { enabled: true },
      tls: { auto: { enabled: true, method: 'cronJob' } },
    },
  };
}
