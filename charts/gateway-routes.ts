import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
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
import { KongPlugin } from '../imports/configuration.konghq.com';
import { RouteTarget, routeName } from '../lib/traffic';

export interface GatewayRoutesProps extends PlatformChartProps {
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
  /** Where Kong sends each route's spans (the collector's OTLP/HTTP traces URL); none, and routes are not traced. */
  readonly tracesEndpoint?: string;
}

/**
 * The keys we set of Kong 3.9's `opentelemetry` plugin. The CRD leaves `config`
 * free, and Kong checks it against its Lua schema only when KIC loads it, so
 * this interface is the one place the keys are written (Kong's plugin reference).
 */
export interface KongOpenTelemetryConfig {
  readonly traces_endpoint: string;
  /** Merged over Kong's own resource (`service.name: kong`): the route's spans name the Service it fronts. */
  readonly resource_attributes: Readonly<Record<string, string>>;
  /** W3C trace context in and out, so the upstream's spans join the gateway's trace. */
  readonly propagation: {
    readonly extract: ReadonlyArray<'w3c'>;
    readonly inject: ReadonlyArray<'w3c'>;
    readonly default_format: 'w3c';
  };
}

/** KIC's annotation that attaches KongPlugins (by name, in the route's namespace) to a route. */
export const KONG_PLUGINS_ANNOTATION = 'konghq.com/plugins';

/** The tracing plugin of one route. */
export const tracingPluginName = (route: RouteTarget): string => `tracing-${routeName(route)}`;

const HTTP_LISTENER = 'http';
const HTTPS_LISTENER = 'https';

/**
 * Seed section 3: Kong as the single Gateway API entry point. Each HTTPRoute
 * lives next to its backend Service, so no ReferenceGrant is needed.
 */
export class GatewayRoutes extends PlatformChart {
  constructor(scope: Construct, id: string, props: GatewayRoutesProps) {
    super(scope, id, props);

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
            hostname: `*.${props.env.domain}`,
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
          hostnames: [`*.${props.env.domain}`],
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
      // One plugin per route rather than one global one: each route's traces, and the RED metrics the collector
      // derives from them (observability/collector-config.ts), carry the name of the Service behind it, which is
      // what Tempo's service list, the RED dashboard and the rollback rules select by (seed 7-1: service "backend").
      if (props.tracesEndpoint) {
        const config: KongOpenTelemetryConfig = {
          traces_endpoint: props.tracesEndpoint,
          resource_attributes: { 'service.name': route.service.name },
          propagation: { extract: ['w3c'], inject: ['w3c'], default_format: 'w3c' },
        };
        new KongPlugin(this, `tracing-${route.host}`, {
          metadata: { name: tracingPluginName(route), namespace: route.service.namespace },
          plugin: 'opentelemetry',
          config,
        });
      }
      new HttpRoute(this, `route-${route.host}`, {
        metadata: {
          name: routeName(route),
          namespace: route.service.namespace,
          ...(props.tracesEndpoint ? { annotations: { [KONG_PLUGINS_ANNOTATION]: tracingPluginName(route) } } : {}),
        },
        spec: {
          parentRefs: [{ name: props.gateway.name, namespace: props.gateway.namespace, ...(props.httpsOnly ? { sectionName: HTTPS_LISTENER } : {}) }],
          hostnames: [`${route.host}.${props.env.domain}`],
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
