/**
 * Names that upstream Helm charts create and our objects refer to: Services
 * that HTTPRoutes point at and ServiceAccounts that mesh policies allow. The
 * reference checks resolve against this typed list, since these objects are
 * not rendered here.
 */

import { NAMESPACES } from './namespace-names';
export interface UpstreamService {
  readonly chart: string;
  readonly namespace: string;
  readonly name: string;
  readonly ports: Readonly<Record<string, number>>;
}

export const UPSTREAM_SERVICES = {
  /** Kong `ingress` chart, release `kong`: the gateway subchart's proxy (seed section 3). */
  kongProxy: { chart: 'kong/ingress', namespace: NAMESPACES.kong, name: 'kong-gateway-proxy', ports: { http: 80, https: 443 } },
  /** ... and Kong Manager's, rendered only where the environment allows UIs without a login (`kongValues`). */
  kongManager: { chart: 'kong/ingress', namespace: NAMESPACES.kong, name: 'kong-gateway-manager', ports: { http: 8002, https: 8445 } },
  /** Grafana chart, release `grafana`. */
  grafana: { chart: 'grafana/grafana', namespace: NAMESPACES.monitoring, name: 'grafana', ports: { http: 80 } },
  /** Argo CD chart (nameOverride `argocd`): the API/UI server, plain HTTP with server.insecure. */
  argocdServer: { chart: 'argo/argo-cd', namespace: NAMESPACES.argocd, name: 'argocd-server', ports: { http: 80, https: 443 } },
  /** mimir-distributed chart, release `mimir`: the nginx gateway in front of push, query and OTLP. */
  mimirGateway: { chart: 'grafana/mimir-distributed', namespace: NAMESPACES.monitoring, name: 'mimir-gateway', ports: { http: 80 } },
  /** Loki chart, release `loki`, single binary behind its gateway. */
  lokiGateway: { chart: 'grafana/loki', namespace: NAMESPACES.monitoring, name: 'loki-gateway', ports: { http: 80 } },
  /** Tempo chart, release `tempo`: OTLP gRPC in, HTTP query API out. */
  tempo: { chart: 'grafana/tempo', namespace: NAMESPACES.monitoring, name: 'tempo', ports: { otlpGrpc: 4317, http: 3200 } },
  /** kube-state-metrics chart, release `kube-state-metrics`. */
  kubeStateMetrics: {
    chart: 'prometheus-community/kube-state-metrics',
    namespace: NAMESPACES.monitoring,
    name: 'kube-state-metrics',
    ports: { http: 8080 },
  },
  /** Cilium chart with hubble.ui.enabled. */
  hubbleUi: { chart: 'cilium/cilium', namespace: NAMESPACES.kubeSystem, name: 'hubble-ui', ports: { http: 80 } },
} as const satisfies Record<string, UpstreamService>;

export interface UpstreamServiceAccount {
  readonly chart: string;
  readonly namespace: string;
  readonly name: string;
}

export const UPSTREAM_SERVICE_ACCOUNTS = {
  /** The Kong proxy's identity; the seed's fix #7 allows it on the backend. */
  kongGateway: { chart: 'kong/ingress', namespace: NAMESPACES.kong, name: 'kong-gateway' },
} as const satisfies Record<string, UpstreamServiceAccount>;

/** Labels of the Kong proxy pods (the `gateway` subchart of release `kong`). */
export const KONG_PROXY_POD_LABELS = { 'app.kubernetes.io/instance': 'kong', 'app.kubernetes.io/name': 'gateway' } as const;
/** The Kong chart's container ports behind the NodePorts (its defaults for `proxy.http`, `proxy.tls`, `manager.http` and `manager.tls`). */
export const KONG_CONTAINER_PORTS = { proxyHttp: 8000, proxyTls: 8443, managerHttp: 8002, managerTls: 8445 } as const;
/** The proxy's container port for plain HTTP, which NodePort 30080 reaches. */
export const KONG_PROXY_CONTAINER_PORT = KONG_CONTAINER_PORTS.proxyHttp;
/** Grafana's container port (the chart's `service.targetPort`); policies act on pod ports. */
export const GRAFANA_POD = { labels: { 'app.kubernetes.io/name': 'grafana' }, port: 3000 } as const;
/**
 * The Argo CD chart's pods (release `argocd`, app.kubernetes.io/name per component) and the container ports its
 * components call each other on, as the chart's own NetworkPolicy templates name them (server 8080 with
 * server.insecure, repo-server 8081, redis 6379, dex 5556 HTTP and 5557 gRPC).
 */
const argocdPod = (name: string, ...ports: number[]) => ({ labels: { 'app.kubernetes.io/name': name }, ports }) as const;
export const ARGOCD_PODS = {
  server: argocdPod('argocd-server', 8080),
  repoServer: argocdPod('argocd-repo-server', 8081),
  redis: argocdPod('argocd-redis', 6379),
  dex: argocdPod('argocd-dex-server', 5556, 5557),
  applicationController: argocdPod('argocd-application-controller'),
  applicationSetController: argocdPod('argocd-applicationset-controller'),
  notificationsController: argocdPod('argocd-notifications-controller'),
} as const;
/** The cluster DNS pods (CoreDNS as Kind and kubeadm deploy it). */
export const CLUSTER_DNS_POD = { namespace: NAMESPACES.kubeSystem, labels: { 'k8s-app': 'kube-dns' }, port: 53 } as const;

/**
 * Secrets created outside git by the bootstrap (never committed). The Gateway's
 * HTTPS listener refers to the lab's wildcard certificate.
 */
export const BOOTSTRAP_SECRETS = {
  labWildcardTls: { namespace: NAMESPACES.kong, name: 'lab-wildcard-tls' },
  /** Grafana's admin login (keys admin-user, admin-password), named as the seed's password command reads it (monitoring/grafana); a chart-generated one would change on every render. */
  grafanaAdmin: { namespace: NAMESPACES.monitoring, name: 'grafana' },
  /**
   * The rollback receiver's credential (key `token`, and `ca.crt` where it serves HTTPS), which Alertmanager sends as a
   * bearer token: the lab's setup.sh makes a random one; production creates it from its secret store.
   */
  rollbackReceiver: { namespace: NAMESPACES.monitoring, name: 'rollback-receiver' },
} as const;

/** `<name>.<namespace>.svc`, the in-cluster DNS name of a Service. */
export const serviceHost = (s: { readonly name: string; readonly namespace: string }) => `${s.name}.${s.namespace}.svc`;

/** ConfigMap the Mimir ruler mounts as its local rule store, for the anonymous tenant. */
export const MIMIR_RULES = {
  configMap: 'mimir-rollback-rules',
  file: 'rollback.yaml',
  tenant: 'anonymous',
  directory: '/etc/mimir/rules',
  namespace: 'rollback',
} as const;

/** Our Alertmanager (charts/alertmanager.ts), which the upstream Mimir ruler and Grafana are pointed at. */
export const ALERTMANAGER = { name: 'alertmanager', port: 9093 } as const;
