import { alloyRelabelRules, HUBBLE_METRICS_PORT } from '../../observability/hubble-relabel';
import { EnvironmentConfig } from '../../config';
import { imageTagsOf } from '../../config/releases';
import { ALERTMANAGER, serviceHost, UPSTREAM_SERVICES } from '../../lib/upstream';
import { NAMESPACES } from '../../lib/namespaces';
import { LgtmEndpoints } from './lgtm-endpoints';

/**
 * Typed values for the Grafana LGTM charts (seed section 7). One file for
 * the stack, since the settings refer to each other (endpoints, retention).
 */

const { mimirGateway, lokiGateway, tempo, kubeStateMetrics } = UPSTREAM_SERVICES;

/** Where the LGTM components reach each other: the charts' Services in the lab, the configured endpoints outside it. */
export function lgtmEndpoints(env: EnvironmentConfig): LgtmEndpoints {
  const inCluster = {
    alertmanager: `http://${ALERTMANAGER.name}.${NAMESPACES.monitoring}.svc:${ALERTMANAGER.port}`,
    kubeStateMetrics: `${serviceHost(kubeStateMetrics)}:${kubeStateMetrics.ports.http}`,
  };
  const b = env.observability.backends;
  const mimir = b.location === 'external' ? b.mimir.replace(/\/+$/, '') : `http://${serviceHost(mimirGateway)}:${mimirGateway.ports.http}`;
  const loki = b.location === 'external' ? b.loki.replace(/\/+$/, '') : `http://${serviceHost(lokiGateway)}:${lokiGateway.ports.http}`;
  return {
    ...inCluster,
    mimirPush: `${mimir}/api/v1/push`,
    mimirQuery: `${mimir}/prometheus`,
    mimirOtlp: `${mimir}/otlp`,
    mimirRulerApi: `${mimir}/prometheus/config/v1/rules`,
    lokiPush: `${loki}/loki/api/v1/push`,
    lokiQuery: loki,
    lokiOtlp: `${loki}/otlp`,
    tempoQuery: b.location === 'external' ? b.tempoQuery : `http://${serviceHost(tempo)}:${tempo.ports.http}`,
    tempoOtlpGrpc: b.location === 'external' ? b.tempoOtlpGrpc : `${serviceHost(tempo)}:${tempo.ports.otlpGrpc}`,
    tls: b.location === 'external',
  };
}

/** Whether Mimir, Loki and Tempo run in this cluster. */
export const lgtmInCluster = (env: EnvironmentConfig): boolean => env.observability.backends.location === 'in-cluster';

/**
 * How Mimir names what arrives over OTLP. Its default (`otel_metric_suffixes_enabled: false`, Mimir 3.0) drops the
 * unit and `_total` suffixes, so the collector's `http.server.request.duration` would land as
 * `http_server_request_duration_bucket` and every RED panel and rollback rule, which read `..._seconds_bucket` as
 * Prometheus names it, would read nothing. An external Mimir needs the same limit (README).
 */
export const MIMIR_OTLP_LIMITS = { otel_metric_suffixes_enabled: true } as const;

const hours = (retention: string) => (retention.endsWith('d') ? `${Number(retention.slice(0, -1)) * 24}h` : retention);

// ---- Mimir (the mimir-distributed chart) ---------------------------------------

export interface MimirComponent {
  readonly replicas: number;
  readonly zoneAwareReplication?: { readonly enabled: boolean };
  readonly extraVolumes?: ReadonlyArray<{ readonly name: string; readonly configMap: { readonly name: string } }>;
  readonly extraVolumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string; readonly readOnly: boolean }>;
}

export interface MimirValues {
  readonly mimir: { readonly structuredConfig: Record<string, unknown> };
  readonly global?: { readonly extraEnvFrom: ReadonlyArray<{ readonly secretRef: { readonly name: string } }> };
  readonly kafka: { readonly enabled: boolean };
  readonly minio: { readonly enabled: boolean };
  readonly alertmanager: { readonly enabled: boolean };
  readonly rollout_operator: { readonly enabled: boolean };
  readonly distributor: MimirComponent;
  readonly ingester: MimirComponent;
  readonly querier: MimirComponent;
  readonly query_frontend: MimirComponent;
  readonly query_scheduler: MimirComponent;
  readonly store_gateway: MimirComponent;
  readonly compactor: MimirComponent;
  readonly ruler: MimirComponent;
  readonly gateway: MimirComponent & { readonly enabledNonEnterprise: boolean; readonly nginx: { readonly image: { readonly tag: string } } };
}

export interface MimirRuleMount {
  readonly configMap: string;
  readonly directory: string;
  readonly tenant: string;
}

/**
 * Mimir's object store. With MinIO the chart points every component at its
 * own MinIO and creates the buckets; with S3 the credentials come from a
 * Secret as AWS_* variables, which Mimir's S3 client reads when no keys are set.
 */
function mimirStorage(env: EnvironmentConfig): Pick<MimirValues, 'minio' | 'global'> & { config: Record<string, unknown> } {
  const storage = env.observability.mimirStorage;
  if (storage.kind === 'minio') return { minio: { enabled: true }, config: {} };
  const bucket = (suffix: string) => ({ s3: { bucket_name: `${storage.bucketPrefix}-${suffix}` } });
  return {
    minio: { enabled: false },
    global: { extraEnvFrom: [{ secretRef: { name: storage.credentialsSecret } }] },
    config: {
      common: { storage: { backend: 's3', s3: { endpoint: storage.endpoint, region: storage.region } } },
      blocks_storage: bucket('blocks'),
      alertmanager_storage: bucket('alertmanager'),
    },
  };
}

/**
 * Seed 7-2 and fix #3: the classic write path (no Kafka ingest), 7 days,
 * 50,000 samples/s, 800k series; blocks in an object store shared by all
 * components; rules from our ConfigMap.
 */
export function mimirValues(env: EnvironmentConfig, e: LgtmEndpoints, rules: MimirRuleMount): MimirValues {
  const r = env.observability.replicas;
  const zones = env.observability.zoneAwareReplication;
  const storage = mimirStorage(env);
  return {
    mimir: {
      structuredConfig: {
        ...storage.config,
        ingest_storage: { enabled: false },
        ingester: { push_grpc_method_enabled: true, ring: { replication_factor: Math.min(3, r.mimirIngester) } },
        limits: {
          ingestion_rate: 50000,
          max_global_series_per_user: 800000,
          compactor_blocks_retention_period: env.observability.retention,
          ...MIMIR_OTLP_LIMITS,
        },
        ruler_storage: { backend: 'local', local: { directory: rules.directory } },
        ruler: { alertmanager_url: e.alertmanager },
      },
    },
    ...(storage.global ? { global: storage.global } : {}),
    kafka: { enabled: false },
    minio: storage.minio,
    // The seed runs Alertmanager on its own (section 7-7).
    alertmanager: { enabled: false },
    rollout_operator: { enabled: zones },
    distributor: { replicas: r.mimirDistributor },
    ingester: { replicas: r.mimirIngester, zoneAwareReplication: { enabled: zones } },
    querier: { replicas: r.mimirQuerier },
    query_frontend: { replicas: r.mimirQueryFrontend },
    query_scheduler: { replicas: Math.min(2, r.mimirQueryFrontend) },
    store_gateway: { replicas: r.mimirStoreGateway, zoneAwareReplication: { enabled: zones } },
    compactor: { replicas: r.mimirCompactor },
    ruler: {
      replicas: r.mimirRuler,
      extraVolumes: [{ name: 'rollback-rules', configMap: { name: rules.configMap } }],
      extraVolumeMounts: [{ name: 'rollback-rules', mountPath: `${rules.directory}/${rules.tenant}`, readOnly: true }],
    },
    gateway: { enabledNonEnterprise: true, replicas: r.mimirGateway, nginx: { image: { tag: imageTagsOf(env).nginxUnprivileged } } },
  };
}

// ---- Loki (the loki chart) --------------------------------------------------

export interface LokiValues {
  readonly deploymentMode: 'SingleBinary';
  readonly loki: Record<string, unknown>;
  readonly singleBinary: { readonly replicas: number; readonly persistence: { readonly enabled: boolean; readonly size: string } };
  readonly read: { readonly replicas: 0 };
  readonly write: { readonly replicas: 0 };
  readonly backend: { readonly replicas: 0 };
  readonly lokiCanary: { readonly enabled: boolean };
  readonly chunksCache: { readonly enabled: boolean; readonly allocatedMemory: number };
  readonly resultsCache: { readonly enabled: boolean; readonly allocatedMemory: number };
  readonly minio: { readonly enabled: boolean };
  readonly test: { readonly enabled: boolean };
  readonly gateway: { readonly enabled: boolean; readonly image: { readonly tag: string } };
}

/** Seed 7-3: single binary, TSDB v13, 25MB/s, 5,000 streams, 7 days, the canary on. */
export function lokiValues(env: EnvironmentConfig): LokiValues {
  return {
    deploymentMode: 'SingleBinary',
    loki: {
      auth_enabled: false,
      commonConfig: { replication_factor: 1 },
      storage: { type: 'filesystem' },
      schemaConfig: {
        configs: [{ from: '2024-04-01', store: 'tsdb', object_store: 'filesystem', schema: 'v13', index: { prefix: 'index_', period: '24h' } }],
      },
      limits_config: {
        ingestion_rate_mb: 25,
        ingestion_burst_size_mb: 50,
        max_global_streams_per_user: 5000,
        retention_period: hours(env.observability.retention),
        allow_structured_metadata: true,
      },
      compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
    },
    singleBinary: { replicas: env.observability.replicas.loki, persistence: { enabled: true, size: '10Gi' } },
    read: { replicas: 0 },
    write: { replicas: 0 },
    backend: { replicas: 0 },
    lokiCanary: { enabled: true },
    // The chart requests 1.2x allocatedMemory per cache pod; its 8 GiB default does not fit a lab node.
    chunksCache: { enabled: env.observability.lokiCaches.enabled, allocatedMemory: env.observability.lokiCaches.chunksMemoryMb },
    resultsCache: { enabled: env.observability.lokiCaches.enabled, allocatedMemory: env.observability.lokiCaches.resultsMemoryMb },
    minio: { enabled: false },
    test: { enabled: false },
    gateway: { enabled: true, image: { tag: imageTagsOf(env).nginxUnprivileged } },
  };
}

// ---- Tempo (the tempo chart) ------------------------------------------------

export interface TempoValues {
  readonly replicas: number;
  readonly tempo: Record<string, unknown>;
  readonly persistence: { readonly enabled: boolean; readonly size: string };
}

/** Seed 7-4 and fix #4: one process with local storage, service graphs and span metrics into Mimir, 60s idle, 10MB per trace, the shared retention. */
export function tempoValues(env: EnvironmentConfig, e: LgtmEndpoints): TempoValues {
  return {
    replicas: env.observability.replicas.tempo,
    tempo: {
      storage: { trace: { backend: 'local', local: { path: '/var/tempo/traces' }, wal: { path: '/var/tempo/wal' } } },
      // tail_sampling holds traces 30s before deciding; Tempo must not cut them first.
      ingester: { trace_idle_period: '60s' },
      metricsGenerator: { enabled: true, remoteWriteUrl: e.mimirPush },
      overrides: {
        defaults: {
          global: { max_bytes_per_trace: 10 * 1024 * 1024 },
          metrics_generator: { processors: ['service-graphs', 'span-metrics'] },
        },
      },
      receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } } },
      // The compactor's block retention; the chart's default keeps 24h.
      retention: hours(env.observability.retention),
    },
    persistence: { enabled: true, size: '10Gi' },
  };
}

// ---- Alloy (the alloy chart) ------------------------------------------------

export interface AlloyValues {
  readonly controller: { readonly type: 'daemonset' };
  readonly alloy: { readonly configMap: { readonly content: string }; readonly mounts: { readonly varlog: boolean } };
}

/** Alloy's configuration: container logs to Loki, node and container metrics to Mimir. */
export function alloyConfig(e: LgtmEndpoints): string {
  return `// Generated by npm run synth (argocd/values/lgtm.ts).
discovery.kubernetes "pods" {
  role = "pod"
}

discovery.relabel "pod_logs" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_pod_node_name"]
    regex         = sys.env("HOSTNAME")
    action        = "keep"
  }
  rule {
    source_labels = ["__meta_kubernetes_namespace"]
    target_label  = "namespace"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_name"]
    target_label  = "pod"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_container_name"]
    target_label  = "container"
  }
  rule {
    source_labels = ["__meta_kubernetes_pod_label_app"]
    target_label  = "app"
  }
}

loki.source.kubernetes "pods" {
  targets    = discovery.relabel.pod_logs.output
  forward_to = [loki.write.default.receiver]
}

loki.write "default" {
  endpoint {
    url = "${e.lokiPush}"
  }
}

prometheus.exporter.unix "node" { }

prometheus.scrape "node" {
  targets    = prometheus.exporter.unix.node.targets
  forward_to = [prometheus.remote_write.mimir.receiver]
}

discovery.kubernetes "nodes" {
  role = "node"
}

discovery.relabel "cadvisor" {
  targets = discovery.kubernetes.nodes.targets
  rule {
    source_labels = ["__meta_kubernetes_node_name"]
    regex         = sys.env("HOSTNAME")
    action        = "keep"
  }
  rule {
    target_label = "__metrics_path__"
    replacement  = "/metrics/cadvisor"
  }
}

prometheus.scrape "cadvisor" {
  targets           = discovery.relabel.cadvisor.output
  scheme            = "https"
  bearer_token_file = "/var/run/secrets/kubernetes.io/serviceaccount/token"
  tls_config {
    insecure_skip_verify = true
  }
  forward_to = [prometheus.remote_write.mimir.receiver]
}

// Hubble's flow metrics from the Cilium agent on this node (host network, port ${HUBBLE_METRICS_PORT}), with the
// namespace the seed's query filters on (observability/hubble-relabel.ts).
discovery.relabel "hubble" {
  targets = discovery.kubernetes.pods.targets
  rule {
    source_labels = ["__meta_kubernetes_pod_node_name"]
    regex         = sys.env("HOSTNAME")
    action        = "keep"
  }
  rule {
    source_labels = ["__meta_kubernetes_namespace", "__meta_kubernetes_pod_label_k8s_app", "__meta_kubernetes_pod_container_port_number"]
    regex         = "kube-system;cilium;${HUBBLE_METRICS_PORT}"
    action        = "keep"
  }
}

prometheus.scrape "hubble" {
  targets    = discovery.relabel.hubble.output
  forward_to = [prometheus.relabel.hubble.receiver]
}

prometheus.relabel "hubble" {
  forward_to = [prometheus.remote_write.mimir.receiver]
${alloyRelabelRules()}
}

prometheus.scrape "kube_state_metrics" {
  targets    = [{"__address__" = "${e.kubeStateMetrics}"}]
  forward_to = [prometheus.remote_write.mimir.receiver]
}

prometheus.remote_write "mimir" {
  endpoint {
    url = "${e.mimirPush}"
  }
}
`;
}

export function alloyValues(e: LgtmEndpoints): AlloyValues {
  return {
    controller: { type: 'daemonset' },
    alloy: { configMap: { content: alloyConfig(e) }, mounts: { varlog: true } },
  };
}

// ---- kube-state-metrics (the kube-state-metrics chart) ----------------------

export interface KubeStateMetricsValues {
  readonly replicas: number;
}

export function kubeStateMetricsValues(): KubeStateMetricsValues {
  return { replicas: 1 };
}
