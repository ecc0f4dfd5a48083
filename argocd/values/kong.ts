import { EnvironmentConfig } from '../../config';
import { mirroredRepository } from '../../lib/images';

/** Kong `ingress` 0.22.0 chart values: a `gateway` (Kong) and a `controller` (KIC) subchart. */
export interface KongIngressValues {
  readonly controller: {
    readonly ingressController: {
      readonly enabled: boolean;
      readonly image: { readonly repository: string; readonly tag: string };
      readonly ingressClass: string;
    };
  };
  readonly gateway: {
    readonly image: { readonly repository: string; readonly tag: string };
    /** DB-less: configuration comes from KIC, not from a database. */
    readonly env: { readonly database: 'off' };
    readonly proxy: {
      readonly type: 'NodePort';
      readonly http: { readonly enabled: boolean; readonly nodePort: number };
      readonly tls: { readonly enabled: boolean; readonly nodePort: number };
    };
    readonly manager: { readonly enabled: boolean; readonly type: 'NodePort'; readonly http: { readonly enabled: boolean; readonly nodePort: number } };
  };
}

/** Seed fix #6: Kind maps host ports 80/443 to these NodePorts. */
export const KONG_NODE_PORTS = { http: 30080, https: 30443, manager: 30329 } as const;

/** Seed section 3 and 12-2: Kong 3.9 DB-less with KIC 3.5 watching the Gateway API. */
export function kongValues(env: EnvironmentConfig): KongIngressValues {
  return {
    controller: {
      ingressController: {
        enabled: true,
        image: { repository: mirroredRepository('kong/kubernetes-ingress-controller', env.registry), tag: '3.5' },
        ingressClass: 'kong',
      },
    },
    gateway: {
      image: { repository: mirroredRepository('kong', env.registry), tag: '3.9' },
      env: { database: 'off' },
      proxy: {
        type: 'NodePort',
        http: { enabled: true, nodePort: KONG_NODE_PORTS.http },
        tls: { enabled: true, nodePort: KONG_NODE_PORTS.https },
      },
      manager: { enabled: true, type: 'NodePort', http: { enabled: true, nodePort: KONG_NODE_PORTS.manager } },
    },
  };
}
