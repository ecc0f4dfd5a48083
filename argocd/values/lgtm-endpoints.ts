/**
 * Where the LGTM components are reached (argocd/values/lgtm.ts fills it in per
 * environment). Apart from lgtm.ts, so that Grafana's values read the endpoints
 * without depending on the LGTM charts' values.
 */
export interface LgtmEndpoints {
  /** Prometheus remote write into Mimir. */
  readonly mimirPush: string;
  /** Prometheus-compatible query API of Mimir (Grafana datasource). */
  readonly mimirQuery: string;
  readonly mimirOtlp: string;
  /** Mimir's ruler configuration API, where rule groups are posted. */
  readonly mimirRulerApi: string;
  readonly lokiPush: string;
  readonly lokiQuery: string;
  readonly lokiOtlp: string;
  readonly tempoQuery: string;
  readonly tempoOtlpGrpc: string;
  /** In-cluster backends speak plain HTTP and gRPC inside the mesh; external ones TLS. */
  readonly tls: boolean;
  readonly alertmanager: string;
  readonly kubeStateMetrics: string;
}
