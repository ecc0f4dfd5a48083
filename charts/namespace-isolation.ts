// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import {
  CiliumNetworkPolicy,
  CiliumNetworkPolicySpecEgressToEntities,
  CiliumNetworkPolicySpecEgressToPortsPortsProtocol,
} from '../imports/cilium.io';
import { TrafficPeer, TrafficRule } from '../lib/traffic';

export interface NamespaceIsolationProps extends PlatformChartProps {
  /** The flows allowed on top of the default deny. */
  readonly rules: readonly TrafficRule[];
}

/**
 * Default deny for a namespace we own, both directions, and one Kubernetes
 * NetworkPolicy per flow the platform needs (Cilium enforces them next to its
 * own policies); a flow to a Cilium entity is a CiliumNetworkPolicy. Anything
 * not listed is dropped, DNS included.
 */
export class NamespaceIsolation extends PlatformChart {
  constructor(scope: Construct, id: string, props: NamespaceIsolationProps) {
    super(scope, id, props);
    new k8s.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', namespace: props.namespace },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    for (const rule of props.rules) {
      const entities = rule.peers.flatMap((p) => ('entity' in p ? [p.entity] : []));
      if (entities.length > 0) {
        if (entities.length !== rule.peers.length) throw new Error(`${rule.name}: a rule names entities only, or no entity`);
        if (rule.direction !== 'egress') throw new Error(`${rule.name}: only egress to an entity is rendered`);
        new CiliumNetworkPolicy(this, rule.name, {
          metadata: { name: rule.name, namespace: props.namespace },
          spec: {
            endpointSelector: Object.keys(rule.pods).length > 0 ? { matchLabels: { ...rule.pods } } : {},
            egress: [
              {
                toEntities: entities.map(() => CiliumNetworkPolicySpecEgressToEntities.KUBE_HYPHEN_APISERVER),
                ...(rule.ports
                  ? {
                      toPorts: [
                        {
                          ports: rule.ports.map((p) => ({
                            port: String(p.port),
                            protocol: CiliumNetworkPolicySpecEgressToPortsPortsProtocol[p.protocol],
                          })),
                        },
                      ],
                    }
                  : {}),
              },
            ],
          },
        });
        continue;
      }
      const peers = rule.peers.map(toPeer);
      const ports = rule.ports?.map((p) => ({ port: k8s.IntOrString.fromNumber(p.port), protocol: p.protocol }));
      const clause = { ...(ports ? { ports } : {}) };
      new k8s.KubeNetworkPolicy(this, rule.name, {
        metadata: { name: rule.name, namespace: props.namespace },
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
