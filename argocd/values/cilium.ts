import { EnvironmentConfig } from '../../config';
import { mirroredRepository } from '../../lib/images';

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
  readonly operator: { readonly replicas: number; readonly image?: { readonly repository: string; readonly useDigest: boolean } };
  readonly hubble: {
    readonly enabled: boolean;
    readonly metrics: { readonly enabled: readonly HubbleMetric[] };
    readonly relay: { readonly enabled: boolean; readonly image?: ImageOverride };
    readonly ui: {
      readonly enabled: boolean;
      readonly frontend?: { readonly image: ImageOverride };
      readonly backend?: { readonly image: ImageOverride };
    };
    /** `cronJob` keeps generated certificates out of the rendered chart, so Argo CD sees no drift. */
    readonly tls: { readonly auto: { readonly enabled: boolean; readonly method: 'helm' | 'cronJob' | 'certmanager' } };
  };
  readonly image?: ImageOverride;
  readonly envoy?: { readonly image: ImageOverride };
  readonly certgen?: { readonly image: ImageOverride };
}

export interface ImageOverride {
  readonly repository: string;
  readonly useDigest: boolean;
}

/** Seed section 2: the six Hubble metrics. */
export type HubbleMetric = 'dns' | 'drop' | 'tcp' | 'flow' | 'icmp' | 'http';
export const HUBBLE_METRICS: readonly HubbleMetric[] = ['dns', 'drop', 'tcp', 'flow', 'icmp', 'http'];

/**
 * Seed section 2 ("Lab 설정 요약") and fixes #1 and #2: the same values the
 * bootstrap's `helm install` and the Cilium Application use.
 */
export function ciliumValues(env: EnvironmentConfig): CiliumValues {
  const mirror = (repository: string): ImageOverride => ({ repository: mirroredRepository(repository, env.registry), useDigest: false });
  return {
    kubeProxyReplacement: true,
    k8sServiceHost: env.cluster.apiServerHost,
    k8sServicePort: env.cluster.apiServerPort,
    routingMode: 'tunnel',
    tunnelProtocol: 'vxlan',
    encryption: { enabled: true, type: 'wireguard' },
    cni: { exclusive: false },
    socketLB: { hostNamespaceOnly: true },
    operator: {
      replicas: env.upstream.ciliumOperatorReplicas,
      ...(env.registry ? { image: { repository: mirroredRepository('quay.io/cilium/operator', env.registry), useDigest: false } } : {}),
    },
    hubble: {
      enabled: true,
      metrics: { enabled: HUBBLE_METRICS },
      relay: { enabled: true, ...(env.registry ? { image: mirror('quay.io/cilium/hubble-relay') } : {}) },
      ui: {
        enabled: true,
        ...(env.registry ? { frontend: { image: mirror('quay.io/cilium/hubble-ui') }, backend: { image: mirror('quay.io/cilium/hubble-ui-backend') } } : {}),
      },
      tls: { auto: { enabled: true, method: 'cronJob' } },
    },
    ...(env.registry
      ? {
          image: mirror('quay.io/cilium/cilium'),
          envoy: { image: mirror('quay.io/cilium/cilium-envoy') },
          certgen: { image: mirror('quay.io/cilium/certgen') },
        }
      : {}),
  };
}

/**
 * Keys the chart reads but its values.schema.json does not list, because they
 * are commented out in the chart's values.yaml. The strict schema test allows
 * exactly these, each with its reason.
 */
export const CILIUM_KEYS_OUTSIDE_SCHEMA: Readonly<Record<string, string>> = {
  'socketLB.hostNamespaceOnly':
    'commented out in values.yaml; the cilium-config template maps it to bpf-lb-sock-hostns-only, which the Cilium docs require for Istio (seed fix #2)',
};
