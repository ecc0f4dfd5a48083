import { KubeObject } from '../lib/synth';

/**
 * Kubernetes NetworkPolicy semantics (networking.k8s.io/v1), for asking
 * whether one endpoint may open a connection to another under a set of
 * rendered policies. There is no dataplane in the tests (no Cilium on kwok
 * nodes), so this reads the policies as the API documents them: a pod
 * selected by any policy of a direction is isolated in that direction, and
 * allowed traffic is the union of the rules that select it. Only
 * `matchLabels` selectors are used by our policies; anything else is refused
 * rather than guessed.
 */

export interface PodEndpoint {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}
/** Something outside the cluster's pods: the API server, a DC backend, the internet. */
export interface AddressEndpoint {
  readonly ip: string;
}
export type Endpoint = PodEndpoint | AddressEndpoint;

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

function peerMatches(peer: Peer, policyNamespace: string, other: Endpoint): boolean {
  if (peer.ipBlock) return !isPod(other) && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip, c));
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

/** Whether the side `self` lets the connection through in `direction`, given the policies of its namespace. */
function sideAllows(
  policies: readonly KubeObject[],
  self: Endpoint,
  other: Endpoint,
  direction: 'Ingress' | 'Egress',
  port: number,
  protocol: string,
): boolean {
  if (!isPod(self)) return true;
  const isolating = policies.filter((p) => {
    const spec = p.spec as PolicySpec;
    const types = spec.policyTypes ?? (spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);
    return p.metadata.namespace === self.namespace && types.includes(direction) && selects(spec.podSelector, self.labels);
  });
  if (isolating.length === 0) return true;
  return isolating.some((p) => {
    const spec = p.spec as PolicySpec;
    const rules = (direction === 'Ingress' ? spec.ingress : spec.egress) ?? [];
    return rules.some((rule) => {
      const peers = direction === 'Ingress' ? rule.from : rule.to;
      return (!peers?.length || peers.some((peer) => peerMatches(peer, self.namespace, other))) && portMatches(rule, port, protocol);
    });
  });
}

/** Whether the connection is allowed: the source's egress and the destination's ingress must both let it through. */
export function allowed(objects: readonly KubeObject[], c: Connection): boolean {
  const policies = objects.filter((o) => o.apiVersion === 'networking.k8s.io/v1' && o.kind === 'NetworkPolicy');
  const protocol = c.protocol ?? 'TCP';
  return sideAllows(policies, c.from, c.to, 'Egress', c.port, protocol) && sideAllows(policies, c.to, c.from, 'Ingress', c.port, protocol);
}
