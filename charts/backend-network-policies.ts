import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { CiliumNetworkPolicy, CiliumNetworkPolicySpecIngressToPortsPortsProtocol } from '../imports/cilium.io';
import { HBONE_PORT } from '../lib/traffic';

export interface BackendNetworkPoliciesProps extends PlatformChartProps {
  readonly backendSelector: Record<string, string>;
  /** The backend's container port (policies act on pod ports, not Service ports). */
  readonly backendPort: number;
  /** Pods in the namespace that may call the backend: the frontend tier. */
  readonly clientSelectors: ReadonlyArray<Record<string, string>>;
  /** Namespace whose pods (the Kong proxy) may call the backend. */
  readonly gatewayNamespace: string;
  /** Ambient mesh traffic arrives on HBONE port 15008; open it when Istio is on. */
  readonly meshHbone: boolean;
  readonly l3l4: boolean;
  readonly l7: boolean;
  /** Seed lab 2-3: frontend may only GET these paths (Cilium path regexes). */
  readonly l7AllowedGetPaths: readonly string[];
}

/**
 * Seed section 2: `backend-allow-frontend-only` (L3/L4, lab 2-1) and
 * `backend-l7-http-policy` (L7, lab 2-3). Cilium policies add up, and an
 * L4-only allow for a peer voids that peer's L7 rules, so when the L7 policy
 * is on, the frontend tier is admitted by the L7 policy alone.
 */
export class BackendNetworkPolicies extends PlatformChart {
  constructor(scope: Construct, id: string, props: BackendNetworkPoliciesProps) {
    super(scope, id, props);
    const tcp = (port: number) => ({ port: String(port), protocol: CiliumNetworkPolicySpecIngressToPortsPortsProtocol.TCP });
    const ports = [tcp(props.backendPort), ...(props.meshHbone ? [tcp(HBONE_PORT)] : [])];
    const clients = props.clientSelectors.map((matchLabels) => ({ matchLabels: { ...matchLabels } }));

    if (props.l3l4) {
      new CiliumNetworkPolicy(this, 'backend-allow-frontend-only', {
        metadata: { name: 'backend-allow-frontend-only', namespace: props.namespace },
        spec: {
          description: 'backend accepts traffic only from the frontend tier and from the Kong namespace (seed lab 2-1).',
          endpointSelector: { matchLabels: props.backendSelector },
          ingress: [
            {
              fromEndpoints: [...(props.l7 ? [] : clients), { matchLabels: { 'k8s:io.kubernetes.pod.namespace': props.gatewayNamespace } }],
              toPorts: [{ ports }],
            },
          ],
        },
      });
    }

    if (props.l7) {
      new CiliumNetworkPolicy(this, 'backend-l7-http-policy', {
        metadata: { name: 'backend-l7-http-policy', namespace: props.namespace },
        spec: {
          description: 'The frontend tier may only GET the allowed paths; POST and /delay/.* are denied (seed lab 2-3).',
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
          ],
        },
      });
    }
  }
}
