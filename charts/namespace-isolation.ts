// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import {
  CiliumNetworkPolicy,
  CiliumNetworkPolicyProps,
  CiliumNetworkPolicySpecEgressToEntities,
  CiliumNetworkPolicySpecEgressToPortsPortsProtocol,
  CiliumNetworkPolicySpecIngressToPortsPortsProtocol,
} from '../imports/cilium.io';
import { TrafficPeer, TrafficRule } from '../lib/traffic';

export interface NamespaceIsolationProps extends PlatformChartProps {
  /** The flows allowed on top of the default deny. */
  readonly rules: readonly TrafficRule[];
  /**
   * Pods (by their `app` label) whose ingress the default deny leaves to another owner: the seed's exercises,
   * whose policies the reader applies (security.backendPolicies). Their egress is denied as every pod's.
   */
  readonly ingressLeftTo?: { readonly app: string; readonly owner: string };
}

/**
 * Default deny for a namespace we own, both directions, and one Kubernetes
 * NetworkPolicy per flow the platform needs (Cilium enforces them next to its
 * own policies); what a NetworkPolicy cannot say to Cilium is a CiliumNetworkPolicy. Anything
 * not listed is dropped, DNS included.
 */
export class NamespaceIsolation extends PlatformChart {
  constructor(scope: Construct, id: string, props: NamespaceIsolationProps) {
    super(scope, id, props);
    const left = props.ingressLeftTo;
    if (!left) {
      new k8s.KubeNetworkPolicy(this, 'default-deny', {
        metadata: { name: 'default-deny' },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
    } else {
      // Policies add up: a pod selected for ingress here could never be opened by its owner's policy being absent.
      new k8s.KubeNetworkPolicy(this, 'default-deny', {
        metadata: { name: 'default-deny' },
        spec: { podSelector: {}, policyTypes: ['Egress'] },
      });
      new k8s.KubeNetworkPolicy(this, 'default-deny-ingress', {
        metadata: {
          name: 'default-deny-ingress',
          annotations: { 'kind-parity-platform.io/ingress-left-to': `app=${left.app}: ${left.owner}` },
        },
        spec: { podSelector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [left.app] }] }, policyTypes: ['Ingress'] },
      });
    }
    for (const rule of props.rules) {
      if (isCiliumRule(rule)) {
        new CiliumNetworkPolicy(this, rule.name, {
          metadata: { name: rule.name },
          spec: {
            endpointSelector: Object.keys(rule.pods).length > 0 ? { matchLabels: { ...rule.pods } } : {},
            ...(rule.isolates === false ? { enableDefaultDeny: { ingress: false, egress: false } } : {}),
            ...ciliumRule(rule),
          },
        });
        continue;
      }
      const peers = rule.peers.map(toPeer);
      const ports = rule.ports?.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
      const clause = { ...(ports ? { ports } : {}) };
      new k8s.KubeNetworkPolicy(this, rule.name, {
        metadata: { name: rule.name },
        spec: {
          podSelector: selector(rule.pods),
          policyTypes: [rule.direction === 'ingress' ? 'Ingress' : 'Egress'],
          ...(rule.direction === 'ingress' ? { ingress: [{ from: peers, ...clause }] } : { egress: [{ to: peers, ...clause }] }),
        },
      });
    }
  }
}

/**
 * Rules Kubernetes NetworkPolicy cannot say to Cilium as meant, so they are
 * CiliumNetworkPolicies: egress to an entity (no CIDR selects the API
 * server), and ingress from address blocks only. The pinned Cilium parses an
 * ingress ipBlock peer of a NetworkPolicy into the block and, beside it, a
 * selector of every pod of the policy's own namespace (pkg/k8s/network_policy.go
 * adds the cluster label to the peer's absent podSelector), so an ipBlock
 * ingress rule would admit the whole namespace: Cilium's engine showed it
 * letting seed 2-1's test pod reach the backend (test/network-policies.test.ts).
 */
function isCiliumRule(rule: TrafficRule): boolean {
  const entities = rule.peers.filter((p) => 'entity' in p).length;
  const cidrs = rule.peers.filter((p) => 'cidr' in p).length;
  if (entities > 0 && (entities !== rule.peers.length || rule.direction !== 'egress'))
    throw new Error(`${rule.name}: an entity is rendered only as the sole kind of peer of an egress rule`);
  return entities > 0 || rule.isolates === false || (rule.direction === 'ingress' && cidrs > 0 && cidrs === rule.peers.length);
}

function ciliumRule(rule: TrafficRule): Pick<NonNullable<CiliumNetworkPolicyProps['spec']>, 'ingress' | 'egress'> {
  if (rule.peers.some((p) => !('cidr' in p) && !('entity' in p)))
    throw new Error(`${rule.name}: only address blocks and entities are rendered as CiliumNetworkPolicy peers here`);
  const ports = <P>(protocol: Record<'TCP' | 'UDP', P>) =>
    rule.ports ? { toPorts: [{ ports: rule.ports.map((p) => ({ port: String(p.port), protocol: protocol[p.protocol] })) }] } : {};
  if (rule.direction === 'egress')
    return {
      egress: [
        {
          toEntities: rule.peers.map(() => CiliumNetworkPolicySpecEgressToEntities.KUBE_HYPHEN_APISERVER),
          ...ports(CiliumNetworkPolicySpecEgressToPortsPortsProtocol),
        },
      ],
    };
  return {
    ingress: [{ fromCidr: rule.peers.flatMap((p) => ('cidr' in p ? [p.cidr] : [])), ...ports(CiliumNetworkPolicySpecIngressToPortsPortsProtocol) }],
  };
}

/**
 * `{}` for "every pod", never `{ matchLabels: {} }`: the API server drops the
 * empty map, so every apply would differ from what it stored (a new
 * generation each time, and an endless diff in Argo CD).
 */
const selector = (labels: Readonly<Record<string, string>> | undefined): k8s.LabelSelector =>
  labels && Object.keys(labels).length > 0 ? { matchLabels: { ...labels } } : {};

function toPeer(peer: TrafficPeer): k8s.NetworkPolicyPeer {
  if ('entity' in peer) throw new Error(`entity ${peer.entity} is not a NetworkPolicy peer`);
  if ('cidr' in peer) return { ipBlock: { cidr: peer.cidr } };
  return {
    namespaceSelector: selector(peer.namespace ? { 'kubernetes.io/metadata.name': peer.namespace } : undefined),
    ...(peer.pods && Object.keys(peer.pods).length > 0 ? { podSelector: selector(peer.pods) } : {}),
  };
}
