import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import {
  Gateway,
  GatewayClass,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
  HttpRoute,
  HttpRouteSpecRulesMatchesPathType,
} from '../imports/gateway.networking.k8s.io';
import { PART_OF } from '../lib/labels';

export interface RouteTarget {
  /** Host prefix: `api` becomes `api.<domain>`. */
  readonly host: string;
  readonly service: { readonly namespace: string; readonly name: string; readonly port: number };
  /** A service moving from the DC (seed 10-3): the route weighs the Kubernetes Service against this one. */
  readonly dc?: { readonly name: string; readonly port: number; readonly kubernetesPercent: number };
}

export interface GatewayRoutesProps {
  readonly env: string;
  readonly domain: string;
  readonly gatewayClassName: string;
  readonly controllerName: string;
  readonly gateway: { readonly namespace: string; readonly name: string };
  /** Secret with the lab's wildcard certificate for `*.<domain>`, created by the bootstrap. */
  readonly tlsSecret: { readonly namespace: string; readonly name: string };
  readonly routes: readonly RouteTarget[];
}

/**
 * Seed section 3: Kong as the single Gateway API entry point. Each HTTPRoute
 * lives next to its backend Service, so no ReferenceGrant is needed.
 */
export class GatewayRoutes extends Chart {
  constructor(scope: Construct, id: string, props: GatewayRoutesProps) {
    super(scope, id);
    const labels = { env: props.env, 'app.kubernetes.io/part-of': PART_OF };

    new GatewayClass(this, 'gateway-class', {
      metadata: {
        name: props.gatewayClassName,
        labels,
        // The ingress chart runs the proxy itself; KIC only configures it (unmanaged gateway mode).
        annotations: { 'konghq.com/gatewayclass-unmanaged': 'true' },
      },
      spec: { controllerName: props.controllerName },
    });

    const fromAll = { namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.ALL } };
    new Gateway(this, 'gateway', {
      metadata: { name: props.gateway.name, namespace: props.gateway.namespace, labels },
      spec: {
        gatewayClassName: props.gatewayClassName,
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: fromAll },
          {
            name: 'https',
            port: 443,
            protocol: 'HTTPS',
            hostname: `*.${props.domain}`,
            allowedRoutes: fromAll,
            tls: {
              mode: GatewaySpecListenersTlsMode.TERMINATE,
              certificateRefs: [{ kind: 'Secret', group: '', name: props.tlsSecret.name, namespace: props.tlsSecret.namespace }],
            },
          },
        ],
      },
    });

    for (const route of props.routes) {
      new HttpRoute(this, `route-${route.host}`, {
        metadata: { name: route.host, namespace: route.service.namespace, labels },
        spec: {
          parentRefs: [{ name: props.gateway.name, namespace: props.gateway.namespace }],
          hostnames: [`${route.host}.${props.domain}`],
          rules: [
            {
              matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/' } }],
              backendRefs: route.dc
                ? [
                    { name: route.service.name, port: route.service.port, weight: route.dc.kubernetesPercent },
                    { name: route.dc.name, port: route.dc.port, weight: 100 - route.dc.kubernetesPercent },
                  ]
                : [{ name: route.service.name, port: route.service.port }],
            },
          ],
        },
      });
    }
  }
}
