import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import {
  AuthorizationPolicy,
  AuthorizationPolicySpecAction,
  PeerAuthentication,
  PeerAuthenticationSpecMtlsMode,
  PeerAuthenticationSpecPortLevelMtlsMode,
} from '../imports/security.istio.io';

export interface ServiceAccountRef {
  readonly namespace: string;
  readonly name: string;
}

export interface MeshSecurityProps extends PlatformChartProps {
  /** The backend and the ports its callers may reach inside the mesh, where Cilium sees only HBONE's 15008. */
  readonly backend: { readonly namespace: string; readonly selector: Record<string, string>; readonly ports: readonly number[] };
  /** Identities allowed to call the backend (seed: frontend, and Kong's, fix #7). */
  readonly backendCallers: readonly ServiceAccountRef[];
  /** The Kong proxy pods and every container port that NodePort traffic reaches (fix #8): proxy HTTP and HTTPS, Kong Manager where published. */
  readonly gatewayProxy: { readonly namespace: string; readonly selector: Record<string, string>; readonly ports: readonly number[] };
  readonly trustDomain: string;
}

/** SPIFFE-style principal Istio uses for a ServiceAccount. */
export function principalOf(sa: ServiceAccountRef, trustDomain: string): string {
  return `${trustDomain}/ns/${sa.namespace}/sa/${sa.name}`;
}

/**
 * Seed section 4: mesh-wide STRICT mTLS, identity-based access to the
 * backend, and a PERMISSIVE hole on each Kong port that traffic comes in on
 * through a NodePort, without mesh identity.
 */
export class MeshSecurity extends PlatformChart {
  constructor(scope: Construct, id: string, props: MeshSecurityProps) {
    super(scope, id, props);

    new PeerAuthentication(this, 'mesh-strict', {
      // The chart's namespace is Istio's root namespace: a PeerAuthentication there applies mesh-wide.
      metadata: { name: 'default' },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
    });

    new PeerAuthentication(this, 'kong-proxy-permissive', {
      metadata: { name: 'kong-proxy-permissive', namespace: props.gatewayProxy.namespace },
      spec: {
        selector: { matchLabels: props.gatewayProxy.selector },
        mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT },
        portLevelMtls: Object.fromEntries(
          props.gatewayProxy.ports.map((port) => [String(port), { mode: PeerAuthenticationSpecPortLevelMtlsMode.PERMISSIVE }]),
        ),
      },
    });

    new AuthorizationPolicy(this, 'backend-allow-callers', {
      metadata: { name: 'backend-allow-frontend-and-kong', namespace: props.backend.namespace },
      spec: {
        selector: { matchLabels: props.backend.selector },
        action: AuthorizationPolicySpecAction.ALLOW,
        rules: [
          {
            from: [{ source: { principals: props.backendCallers.map((sa) => principalOf(sa, props.trustDomain)) } }],
            // Inside HBONE Cilium sees port 15008 only: the app port is the mesh's to hold (the Gateway reaches the API port alone).
            to: [{ operation: { ports: props.backend.ports.map(String) } }],
          },
        ],
      },
    });
  }
}
