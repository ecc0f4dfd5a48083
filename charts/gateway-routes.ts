import { Construct } from 'constructs';
import { PlatformChart } from '../lib/platform-chart';
import {
  Gateway,
  GatewayClass,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
  HttpRoute,
  HttpRouteSpecRulesFiltersRequestRedirectScheme,
  HttpRouteSpecRulesFiltersRequestRedirectStatusCode,
  HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesMatchesPathType,
} from '../imports/gateway.networking.k8s.io';

export interface RouteTarget {
  /** Host prefix: `api` becomes `api.<domain>`. */
  readonly host: string;
  /** The HTTPRoute's name, where it is not the host prefix: the seed's commands name `demo-api` and `hubble-ui`. */
  readonly name?: string;
  readonly service: { readonly namespace: string; readonly name: string; readonly port: number };
  /** A service moving from the DC (seed 10-3): the route weighs the Kubernetes Service against this one. */
  readonly dc?: { readonly name: string; readonly port: number; readonly kubernetesPercent: number };
}

/** The HTTPRoute's name: its own where the seed gives one, else the host prefix. */
export const routeName = (route: RouteTarget): string => route.name ?? route.host;

export interface GatewayRoutesProps {
  readonly env: string;
  readonly domain: string;
  readonly gatewayClassName: string;
  readonly controllerName: string;
  readonly gateway: { readonly namespace: string; readonly name: string };
  /** Secret with the lab's wildcard certificate for `*.<domain>`, created by the bootstrap. */
  readonly tlsSecret: { readonly namespace: string; readonly name: string };
  readonly routes: readonly RouteTarget[];
  /** Routes attach to the HTTPS listener only; plain HTTP answers every host with a redirect to HTTPS. */
  readonly httpsOnly: boolean;
  /**
   * The namespace label a namespace must carry for its HTTPRoutes to attach.
   * Without it, any namespace could claim a host such as `argocd.<domain>`.
   */
  readonly routeNamespaceLabel: { readonly key: string; readonly value: string };
}

const HTTP_LISTENER = 'http';
const HTTPS_LISTENER = 'https';

/**
 * Seed section 3: Kong as the single Gateway API entry point. Each HTTPRoute
 * lives next to its backend Service, so no ReferenceGrant is needed.
 */
export class GatewayRoutes extends PlatformChart {
  constructor(scope: Construct, id: string, props: GatewayRoutesProps) {
    super(scope, id, { env: props.env });

    new GatewayClass(this, 'gateway-class', {
      metadata: {
        name: props.gatewayClassName,
        // The ingress chart runs the proxy itself; KIC only configures it (unmanaged gateway mode).
        annotations: { 'konghq.com/gatewayclass-unmanaged': 'true' },
      },
      spec: { controllerName: props.controllerName },
    });

    const fromLabelled = {
      namespaces: {
        from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
        selector: { matchLabels: { [props.routeNamespaceLabel.key]: props.routeNamespaceLabel.value } },
      },
    };
    new Gateway(this, 'gateway', {
      metadata: { name: props.gateway.name, namespace: props.gateway.namespace },
      spec: {
        gatewayClassName: props.gatewayClassName,
        listeners: [
          { name: HTTP_LISTENER, port: 80, protocol: 'HTTP', allowedRoutes: fromLabelled },
          {
            name: HTTPS_LISTENER,
            port: 443,
            protocol: 'HTTPS',
            hostname: `*.${props.domain}`,
            allowedRoutes: fromLabelled,
            tls: {
              mode: GatewaySpecListenersTlsMode.TERMINATE,
              certificateRefs: [{ kind: 'Secret', group: '', name: props.tlsSecret.name, namespace: props.tlsSecret.namespace }],
            },
          },
        ],
      },
    });

    if (props.httpsOnly) {
      // Gateway API's own answer to "HTTPS only": the HTTP listener serves nothing but a redirect.
      new HttpRoute(this, 'route-https-redirect', {
        metadata: { name: 'https-redirect', namespace: props.gateway.namespace },
        spec: {
          parentRefs: [{ name: props.gateway.name, namespace: props.gateway.namespace, sectionName: HTTP_LISTENER }],
          hostnames: [`*.${props.domain}`],
          rules: [
            {
              filters: [
                {
                  type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
                  requestRedirect: {
                    scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                    statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
                  },
                },
              ],
            },
          ],
        },
      });
    }

    for (const route of props.routes) {
      new HttpRoute(this, `route-${route.host}`, {
        metadata: { name: routeName(route), namespace: route.service.namespace },
        spec: {
          parentRefs: [{ name: props.gateway.name, namespace: props.gateway.namespace, ...(props.httpsOnly ? { sectionName: HTTPS_LISTENER } : {}) }],
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
