import { KubeObject } from '../../lib/synth';

/**
 * Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), together with
 * the ingress half of CiliumNetworkPolicies (cilium.io/v2), for asking
 * whether one endpoint may open a connection to another under a set of
 * rendered policies. There is no dataplane in the tests (no Cilium on kwok
 * nodes), so this reads the policies as the APIs document them: a pod
 * selected by any policy of a direction is isolated in that direction, and
 * allowed traffic is the union of the rules of both kinds that select it.
 * Cilium merges them that way, so an L4-only allow of a peer voids the L7
 * rules another policy sets for the same peer and port: `verdict` says so.
 * Only `matchLabels` selectors and ingress Cilium rules are used by our
 * policies; anything else is refused rather than guessed.
 */

export interface PodEndpoint {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}
/** Something outside the cluster's pods: the API server, a DC backend, the internet. */
export interface AddressEndpoint {
  readonly ip: string;
}
/**
 * A Cilium entity: the API server, as Cilium sees it once it has translated the
 * kubernetes Service to a node address. No CIDR of a NetworkPolicy selects it
 * (Cilium's default policy-cidr-match-mode); only a rule naming the entity does.
 */
export interface EntityEndpoint {
  readonly entity: 'kube-apiserver';
}
export type Endpoint = PodEndpoint | AddressEndpoint | EntityEndpoint;

/** An HTTP rule of a CiliumNetworkPolicy: method and path regexes. */
export interface HttpRule {
  readonly method?: string;
  readonly path?: string;
}

/** Allowed or not; when allowed only through L7 rules, the HTTP requests that may pass. */
export interface Verdict {
  readonly allowed: boolean;
  /** Set when every rule that lets the connection in carries HTTP rules: only these requests pass. */
  readonly http?: readonly HttpRule[];
}

export interface Connection {
  readonly from: Endpoint;
  readonly to: Endpoint;
  readonly port: number;
  readonly protocol?: 'TCP' | 'UDP';
}

interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: unknown[];
}
interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: Array<{ port?: number | string; protocol?: string; endPort?: number }>;
}
interface PolicySpec {
  podSelector: LabelSelector;
  policyTypes?: string[];
  ingress?: Rule[];
  egress?: Rule[];
}

const isPod = (e: Endpoint): e is PodEndpoint => 'namespace' in e;

function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not supported by this checker');
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
}

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipToNumber(base) / size) * size;
  return ipToNumber(ip) >= start && ipToNumber(ip) < start + size;
}

/** Namespaces carry their name as a label (kubernetes.io/metadata.name), as the API server sets it. */
const namespaceLabels = (namespace: string) => ({ 'kubernetes.io/metadata.name': namespace });

const isAddress = (e: Endpoint): e is AddressEndpoint => 'ip' in e;

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) return isAddress(other) && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
  if (!isPod(other)) return false;
  const namespaceOk = peer.namespaceSelector
    ? selects(peer.namespaceSelector, namespaceLabels(other.namespace))
    : other.namespace === policyNamespace;
  return namespaceOk && selects(peer.podSelector, other.labels);
}

function portMatches(rule: Rule, port: number, protocol: string): boolean {
  if (!rule.ports?.length) return true;
  return rule.ports.some(
    (p) =>
      (p.protocol ?? 'TCP') === protocol && (p.port === undefined || (typeof p.port === 'number' && port >= p.port && port <= (p.endPort ?? p.port))),
  );
}

interface CiliumRule {
  fromEndpoints?: LabelSelector[];
  toPorts?: Array<{ ports?: Array<{ port: string; protocol?: string }>; rules?: { http?: HttpRule[] } }>;
}
interface CiliumEgressRule {
  toEntities?: string[];
  toPorts?: CiliumRule['toPorts'];
}
interface CiliumSpec {
  endpointSelector: LabelSelector;
  ingress?: CiliumRule[];
  egress?: CiliumEgressRule[];
}

/** The namespace label of Cilium's endpoint selectors; a selector without it selects the policy's own namespace. */
const CILIUM_NAMESPACE_LABEL = 'k8s:io.kubernetes.pod.namespace';
/** Cilium reads `k8s:app` and `app` alike: the source prefix names where a label came from. */
const ciliumLabels = (matchLabels: Record<string, string> = {}) =>
  Object.fromEntries(Object.entries(matchLabels).map(([k, v]) => [k.replace(/^k8s:/, ''), v]));

function ciliumPeerMatches(selector: LabelSelector, policyNamespace: string, other: Endpoint): boolean {
  if (!isPod(other)) return false;
  if (selector.matchExpressions?.length) throw new Error('matchExpressions are not supported by this checker');
  const { [CILIUM_NAMESPACE_LABEL]: namespace, ...pods } = selector.matchLabels ?? {};
  return other.namespace === (namespace ?? policyNamespace) && selects({ matchLabels: ciliumLabels(pods) }, other.labels);
}

/** One way a side lets a connection through: at L4 (`http` undefined) or for these HTTP requests only. */
type Grant = { readonly http?: readonly HttpRule[] };

/** Whether the side `self` lets the connection through in `direction`, and how: undefined when it does not. */
function sideGrants(
  objects: readonly KubeObject[],
  self: Endpoint,
  other: Endpoint,
  direction: 'Ingress' | 'Egress',
  port: number,
  protocol: string,
): Grant[] | undefined {
  if (!isPod(self)) return [{}];
  const inNamespace = objects.filter((o) => o.metadata.namespace === self.namespace);
  const policies = inNamespace.filter((p) => {
    if (p.apiVersion !== 'networking.k8s.io/v1' || p.kind !== 'NetworkPolicy') return false;
    const spec = p.spec as PolicySpec;
    const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return types.includes(direction) && selects(spec.podSelector, self.labels);
  });
  const cilium = inNamespace.filter((p) => {
    if (p.apiVersion !== 'cilium.io/v2' || p.kind !== 'CiliumNetworkPolicy') return false;
    const spec = p.spec as CiliumSpec;
    for (const rule of spec.egress ?? [])
      if (Object.keys(rule).some((k) => k !== 'toEntities' && k !== 'toPorts'))
        throw new Error(`${p.metadata.name}: egress rules other than toEntities are not supported by this checker`);
    const rules = direction === 'Ingress' ? spec.ingress : spec.egress;
    return !!rules && selects({ matchLabels: ciliumLabels(spec.endpointSelector.matchLabels) }, self.labels);
  });
  if (policies.length === 0 && cilium.length === 0) return [{}];
  const grants: Grant[] = [];
  for (const p of policies) {
    const spec = p.spec as PolicySpec;
    const rules = (direction === 'Ingress' ? spec.ingress : spec.egress) ?? [];
    for (const rule of rules) {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      if ((!peers?.length || peers.some((peer) => peerMatches(peer, self.namespace, other))) && portMatches(rule, port, protocol)) grants.push({});
    }
  }
  for (const p of cilium) {
    const spec = p.spec as CiliumSpec;
    const rules: CiliumRule[] = direction === 'Ingress' ? (spec.ingress ?? []) : (spec.egress ?? []);
    for (const rule of rules) {
      const peerOk =
        direction === 'Ingress'
          ? (rule.fromEndpoints ?? []).some((selector) => ciliumPeerMatches(selector, self.namespace, other))
          : 'entity' in other && ((rule as CiliumEgressRule).toEntities ?? []).some((e) => e === other.entity || e === 'all');
      if (!peerOk) continue;
      if (!rule.toPorts?.length) grants.push({});
      for (const to of rule.toPorts ?? []) {
        const portOk = !to.ports?.length || to.ports.some((x) => Number(x.port) === port && (x.protocol ?? 'TCP') === protocol);
        if (portOk) grants.push(to.rules?.http ? { http: to.rules.http } : {});
      }
    }
  }
  return grants.length > 0 ? grants : undefined;
}

/**
 * Whether the connection is allowed: the source's egress and the destination's
 * ingress must both let it through. An L4 grant on the destination wins over
 * L7 grants, as in Cilium's merged policy; HTTP rules are the union of the L7 grants.
 */
export function verdict(objects: readonly KubeObject[], c: Connection): Verdict {
  const protocol = c.protocol ?? 'TCP';
  const egress = sideGrants(objects, c.from, c.to, 'Egress', c.port, protocol);
  const ingress = sideGrants(objects, c.to, c.from, 'Ingress', c.port, protocol);
  if (!egress || !ingress) return { allowed: false };
  if (ingress.some((g) => !g.http)) return { allowed: true };
  return { allowed: true, http: ingress.flatMap((g) => g.http ?? []) };
}

export function allowed(objects: readonly KubeObject[], c: Connection): boolean {
  return verdict(objects, c).allowed;
}
