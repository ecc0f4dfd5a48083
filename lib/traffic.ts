/**
 * The names, ports and flow shapes that the charts and the topology share:
 * below both, so that the topology reads these facts without depending on the
 * charts that render them.
 */

/**
 * The other side of a rule: pods (all when `pods` is empty) in a namespace (any when omitted), an address
 * block, or a Cilium entity. The API server is an entity: on Cilium its node addresses carry the
 * `kube-apiserver` identity, which no CIDR of a NetworkPolicy selects (policy-cidr-match-mode is empty).
 */
export type TrafficPeer =
  | { readonly namespace?: string; readonly pods?: Readonly<Record<string, string>> }
  | { readonly cidr: string }
  | { readonly entity: 'kube-apiserver' };

export interface TrafficPort {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}

/** One flow the platform needs, written as what it is for. */
export interface TrafficRule {
  /** The NetworkPolicy's name: what the flow is, e.g. `allow-dns`. */
  readonly name: string;
  /** Pods of the namespace the rule is about; empty is every pod. */
  readonly pods: Readonly<Record<string, string>>;
  readonly direction: 'ingress' | 'egress';
  readonly peers: readonly TrafficPeer[];
  /** Every port when omitted. */
  readonly ports?: readonly TrafficPort[];
  /**
   * False: an allow that turns on no default deny for the pods it selects (Cilium's `enableDefaultDeny`),
   * so a pod whose ingress nothing else selects stays open. Rendered as a CiliumNetworkPolicy.
   */
  readonly isolates?: false;
}

export interface RouteTarget {
  /** Host prefix: `api` becomes `api.<domain>`. */
  readonly host: string;
  /** The HTTPRoute's name, where it is not the host prefix: the seed's commands name `demo-api` and `hubble-ui`. */
  readonly name?: string;
  readonly service: { readonly namespace: string; readonly name: string; readonly port: number };
  /** A service moving from the DC (seed 10-3): the route weighs the Kubernetes Service against this one. */
  readonly dc?: { readonly name: string; readonly port: number; readonly kubernetesPercent: number };
}

/** The HTTPRoute's name: its own where the seed gives one, else the host prefix. */
export const routeName = (route: RouteTarget): string => route.name ?? route.host;

/** Istio ambient's HBONE tunnel port. */
export const HBONE_PORT = 15008;

export const OTEL_COLLECTOR_NAME = 'otel-collector';

export const OTLP_PORTS = { grpc: 4317, http: 4318 } as const;

/** The Service that stands for a migrated service's DC servers. */
export const dcServiceName = (service: string) => `${service}-dc`;

/** Where the backend listens: an unprivileged port, so it runs as non-root. */
export const BACKEND_CONTAINER_PORT = 8080;

export const BACKEND_SERVICE_PORT = 80;
