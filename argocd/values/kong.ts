import { EnvironmentConfig } from '../../config';
import { imageTagsOf } from '../../config/releases';
import { KONG_CONTAINER_PORTS } from '../../lib/upstream';

/** The values of Kong's `ingress` chart (the version argocd/upstream-components.ts pins): a `gateway` (Kong) and a `controller` (KIC) subchart, both the `kong` chart. */
export interface KongIngressValues {
  readonly controller: {
    readonly ingressController: {
      readonly enabled: boolean;
      readonly image: { readonly tag: string };
      readonly ingressClass: string;
      /**
       * Off: the chart generates its certificate at render time, so under Argo CD
       * every refresh renders a new Secret and selfHeal rotates it forever. The
       * API server's own CEL rules validate our Gateway API objects.
       */
      readonly admissionWebhook: { readonly enabled: boolean };
    };
  };
  readonly gateway: {
    readonly replicaCount: number;
    readonly image: { readonly tag: string };
    readonly env: {
      /** DB-less: configuration comes from KIC, not from a database. */
      readonly database: 'off';
      /**
       * What Kong traces (kong.conf `tracing_instrumentations`). Its default, `off`, leaves the OpenTelemetry
       * plugin propagating headers and exporting nothing. `request` is the root SERVER span, the one the seed's
       * sampling policies and the RED metrics read; `balancer` adds the upstream call as a CLIENT span. `all` would
       * add a span per plugin phase, router and DNS lookup on every request, which nothing here reads.
       */
      readonly tracing_instrumentations: string;
      /** Kong traces every request; the collector's tail sampling decides what is kept (seed 7-1). */
      readonly tracing_sampling_rate: number;
    };
    readonly proxy: {
      readonly type: 'NodePort';
      readonly http: { readonly enabled: boolean; readonly nodePort: number };
      readonly tls: { readonly enabled: boolean; readonly nodePort: number };
    };
    readonly manager: {
      readonly enabled: boolean;
      readonly type: 'NodePort';
      readonly http: { readonly enabled: boolean; readonly nodePort: number };
    };
  };
}

/** Seed fix #6: Kind maps host ports 80/443 to these NodePorts. */
export const KONG_NODE_PORTS = { http: 30080, https: 30443, manager: 30329 } as const;

/** Kong Manager has no login in DB-less mode: published only where unauthenticated UIs are allowed. */
const kongManagerExposed = (env: EnvironmentConfig) => env.security.exposure.unauthenticatedUis;

/**
 * Every container port that traffic from outside the mesh enters Kong on, through
 * a NodePort: the proxy's HTTP and HTTPS, and Kong Manager's where it is published.
 * Under STRICT mTLS each must be PERMISSIVE, or a client without mesh identity is refused.
 */
export function kongExternalContainerPorts(env: EnvironmentConfig): number[] {
  const p = KONG_CONTAINER_PORTS;
  return [p.proxyHttp, p.proxyTls, ...(kongManagerExposed(env) ? [p.managerHttp, p.managerTls] : [])];
}

/** Seed section 3: Kong DB-less with KIC watching the Gateway API; Kong Manager only where unauthenticated UIs are allowed. */
export function kongValues(env: EnvironmentConfig): KongIngressValues {
  const manager = kongManagerExposed(env);
  return {
    controller: {
      ingressController: {
        enabled: true,
        image: { tag: imageTagsOf(env).kongIngressController },
        ingressClass: 'kong',
        admissionWebhook: { enabled: false },
      },
    },
    gateway: {
      replicaCount: env.upstream.kongReplicas,
      image: { tag: imageTagsOf(env).kongGateway },
      env: {
        database: 'off',
        tracing_instrumentations: env.observability.gatewayTraces ? 'request,balancer' : 'off',
        tracing_sampling_rate: 1,
      },
      proxy: {
        type: 'NodePort',
        http: { enabled: true, nodePort: KONG_NODE_PORTS.http },
        tls: { enabled: true, nodePort: KONG_NODE_PORTS.https },
      },
      manager: { enabled: manager, type: 'NodePort', http: { enabled: manager, nodePort: KONG_NODE_PORTS.manager } },
    },
  };
}
