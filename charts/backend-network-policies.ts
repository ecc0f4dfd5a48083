import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecIngressToPortsPortsProtocol } from '../imports/cilium.io';

export interface BackendNetworkPoliciesProps extends PlatformChartProps {
  readonly backendSelector: Record<string, string>;
  /** The backend's container port (policies act on pod ports, not Service ports): where the L7 rules apply. */
  readonly backendPort: number;
  /** The port its callers' connections arrive on: the container port, or HBONE's 15008 inside the ambient mesh. */
  readonly admittedPort: number;
  /** Pods in the namespace that may call the backend: the frontend tier. */
  readonly clientSelectors: ReadonlyArray<Record<string, string>>;
  /** Namespace whose pods (the Kong proxy) may call the backend. */
  readonly gatewayNamespace: string;
  readonly l3l4: boolean;
  readonly l7: boolean;
  /** Seed lab 2-3: frontend may only GET these paths (Cilium path regexes). */
  readonly l7AllowedGetPaths: readonly string[];
}

/**
 * Seed section 2: `backend-allow-frontend-only` (L3/L4, lab 2-1) and
 * `backend-l7-http-policy` (L7, lab 2-3). Cilium policies add up, and an
 * L4-only allow for a peer voids that peer's L7 rules, so when the L7 policy
 * is on it is the backend's whole ingress: the frontend tier at L7, the
 * Gateway at L4 (a peer of its own, so its allow voids no rule of the
 * frontend's), and the L3/L4 policy has nothing left to say.
 */
export class BackendNetworkPolicies extends PlatformChart {
  constructor(scope: Construct, id: string, props: BackendNetworkPoliciesProps) {
    super(scope, id, props);
    const tcp = (port: number) => ({ port: String(port), protocol: CiliumNetworkPolicySpecIngressToPortsPortsProtocol.TCP });
    const clients = props.clientSelectors.map((matchLabels) => ({ matchLabels: { ...matchLabels } }));
    const gateway = { matchLabels: { 'k8s:io.kubernetes.pod.namespace': props.gatewayNamespace } };

    if (props.l3l4 && !props.l7) {
      new CiliumNetworkPolicy(this, 'backend-allow-frontend-only', {
        metadata: { name: 'backend-allow-frontend-only' },
        spec: {
          description: 'backend accepts traffic only from the frontend tier and from the Kong namespace (seed lab 2-1).',
          endpointSelector: { matchLabels: props.backendSelector },
          ingress: [{ fromEndpoints: [...clients, gateway], toPorts: [{ ports: [tcp(props.admittedPort)] }] }],
        },
      });
    }

    if (props.l7) {
      if (props.admittedPort !== props.backendPort)
        throw new Error('backend-l7-http-policy: the proxy reads HTTP on the container port, which a mesh would tunnel (HBONE)');
      new CiliumNetworkPolicy(this, 'backend-l7-http-policy', {
        metadata: { name: 'backend-l7-http-policy' },
        spec: {
          description:
            'The frontend tier may only GET the allowed paths; POST and /delay/.* are denied (seed lab 2-3). The Kong namespace keeps its route.',
          endpointSelector: { matchLabels: props.backendSelector },
          ingress: [
            {
              fromEndpoints: clients,
              toPorts: [
                {
                  ports: [tcp(props.backendPort)],
                  rules: { http: props.l7AllowedGetPaths.map((path) => ({ method: 'GET', path })) },
                },
              ],
            },
            { fromEndpoints: [gateway], toPorts: [{ ports: [tcp(props.backendPort)] }] },
          ],
        },
      });
    }
  }
}
