/**
 * The OpenTelemetry Collector configuration (seed section 7-1), as typed
 * data. The chart renders it into a ConfigMap; the tests run it through a
 * collector built with exactly these components.
 */

export type SamplingPolicy =
  | { readonly name: string; readonly type: 'status_code'; readonly status_code: { readonly status_codes: ReadonlyArray<'ERROR' | 'OK' | 'UNSET'> } }
  | { readonly name: string; readonly type: 'latency'; readonly latency: { readonly threshold_ms: number } }
  | { readonly name: string; readonly type: 'probabilistic'; readonly probabilistic: { readonly sampling_percentage: number } }
  | {
      readonly name: string;
      readonly type: 'ottl_condition';
      readonly ottl_condition: { readonly error_mode: 'ignore' | 'propagate'; readonly span: readonly string[] };
    }
  | { readonly name: string; readonly type: 'and'; readonly and: { readonly and_sub_policy: readonly SamplingPolicy[] } };

export interface CollectorConfig {
  readonly receivers: {
    readonly otlp: { readonly protocols: { readonly grpc: { readonly endpoint: string }; readonly http: { readonly endpoint: string } } };
  };
  readonly processors: {
    readonly memory_limiter: { readonly check_interval: string; readonly limit_mib: number; readonly spike_limit_mib: number };
    readonly resource: { readonly attributes: ReadonlyArray<{ readonly key: string; readonly action: 'delete' | 'upsert' | 'insert' }> };
    readonly transform: {
      readonly error_mode: 'ignore' | 'propagate';
      readonly trace_statements: readonly TransformStatements[];
      readonly metric_statements: readonly TransformStatements[];
      readonly log_statements: readonly TransformStatements[];
    };
    readonly batch: { readonly send_batch_size: number; readonly timeout: string };
    readonly tail_sampling: {
      readonly decision_wait: string;
      readonly num_traces: number;
      readonly expected_new_traces_per_sec: number;
      readonly policies: readonly SamplingPolicy[];
    };
    /** Drops the spans that match any condition. */
    readonly filter: { readonly error_mode: 'ignore' | 'propagate'; readonly traces: { readonly span: readonly string[] } };
  };
  readonly connectors: { readonly spanmetrics: SpanMetricsConfig };
  readonly exporters: Readonly<Record<string, ExporterConfig>>;
  readonly service: {
    readonly telemetry: { readonly metrics: { readonly level: 'none' | 'basic' | 'normal' | 'detailed' } };
    readonly pipelines: Readonly<
      Record<
        'traces' | 'traces/red' | 'metrics' | 'logs',
        { readonly receivers: readonly string[]; readonly processors: readonly string[]; readonly exporters: readonly string[] }
      >
    >;
  };
}

/** The span-metrics connector (contrib): request counts and a duration histogram per service and dimensions. */
export interface SpanMetricsConfig {
  /** Prefix of the metric names: `<namespace>.duration` and `<namespace>.calls`. */
  readonly namespace: string;
  readonly histogram: { readonly unit: 's' | 'ms'; readonly explicit: { readonly buckets: readonly string[] } };
  /** Span attributes that become labels, on top of service.name, span.name, span.kind and status.code. */
  readonly dimensions: ReadonlyArray<{ readonly name: string }>;
  readonly metrics_flush_interval: string;
}

export interface TransformStatements {
  readonly context: 'resource' | 'span' | 'datapoint' | 'log';
  readonly statements: readonly string[];
}

export interface ExporterConfig {
  readonly endpoint: string;
  readonly tls?: { readonly insecure: boolean };
  readonly encoding?: 'proto' | 'json';
  readonly sending_queue: SendingQueue;
}

export interface SendingQueue {
  readonly enabled: boolean;
  readonly sizer: 'items' | 'requests' | 'bytes';
  readonly queue_size: number;
  readonly batch: { readonly flush_timeout: string; readonly min_size: number; readonly max_size: number };
}

/**
 * tail_sampling comes last in the seed's processor order, after batch, and it
 * releases every sampled trace as its own request. Batching again in the
 * exporter queue keeps requests few; without it the default 1000-request
 * queue overflows and sampled traces are dropped (the tail-sampling test
 * showed this at 1,245 traces in a burst).
 */
export const EXPORTER_QUEUE: SendingQueue = {
  enabled: true,
  sizer: 'items',
  queue_size: 50000,
  batch: { flush_timeout: '1s', min_size: 2048, max_size: 8192 },
};

export interface CollectorSettings {
  /** Container memory limit in MiB; memory_limiter takes a share of it. */
  readonly memoryLimitMib: number;
  /** Seed: 75% of the container (384 of 512 MiB). */
  readonly memoryLimiterPercent: number;
  /** Seed: traces are held 30s before the decision. */
  readonly decisionWait: string;
  /** Seed normal-traces policy: 10%. */
  readonly normalTracesPercent: number;
  /** Seed slow-traces policy: 2s. */
  readonly slowTraceThresholdMs: number;
  readonly endpoints: { readonly mimirOtlp: string; readonly lokiOtlp: string; readonly tempoOtlpGrpc: string; readonly tls: boolean };
}

/** Paths that health checks hit; their traces are never sampled as normal traffic. */
export const HEALTH_CHECK_PATHS = ['/health', '/healthz', '/ready', '/readyz', '/livez'] as const;

/** Attributes that make every process a new series (seed fix #5). */
export const HIGH_CARDINALITY_ATTRIBUTES = [
  'process.pid',
  'service.instance.id',
  'process.command_line',
  'process.executable.path',
  'process.parent_pid',
] as const;

const ENTRY_POINT = 'kind == SPAN_KIND_SERVER or kind == SPAN_KIND_CONSUMER';
const healthCheckRegex = `^(${HEALTH_CHECK_PATHS.join('|')})$`;
const NOT_HEALTH_CHECK = ['url.path', 'http.target', 'http.route'].map((a) => `not IsMatch(attributes["${a}"], "${healthCheckRegex}")`).join(' and ');

/** Seed 7-1's three tail-sampling policies; a trace is kept when any of them keeps it. */
export function samplingPolicies(s: CollectorSettings): SamplingPolicy[] {
  const entryPoint: SamplingPolicy = { name: 'entry-point', type: 'ottl_condition', ottl_condition: { error_mode: 'ignore', span: [ENTRY_POINT] } };
  return [
    {
      name: 'error-traces',
      type: 'and',
      and: { and_sub_policy: [{ name: 'status-error', type: 'status_code', status_code: { status_codes: ['ERROR'] } }, entryPoint] },
    },
    {
      name: 'slow-traces',
      type: 'and',
      and: { and_sub_policy: [{ name: 'latency', type: 'latency', latency: { threshold_ms: s.slowTraceThresholdMs } }, entryPoint] },
    },
    {
      name: 'normal-traces',
      type: 'and',
      and: {
        and_sub_policy: [
          {
            name: 'server-not-health-check',
            type: 'ottl_condition',
            ottl_condition: { error_mode: 'ignore', span: [`kind == SPAN_KIND_SERVER and ${NOT_HEALTH_CHECK}`] },
          },
          { name: 'sample', type: 'probabilistic', probabilistic: { sampling_percentage: s.normalTracesPercent } },
        ],
      },
    },
  ];
}

/** `service.name` -> `service_name`, the label Prometheus and Loki queries use (seed 7-1). */
const SERVICE_NAME = ['set(attributes["service_name"], attributes["service.name"]) where attributes["service.name"] != nil'];

/**
 * Kong's spans in the names and status the rest of the pipeline reads. Kong 3.9's
 * OpenTelemetry plugin puts the response code on its root (SERVER) span as
 * `http.status_code`, the name before OpenTelemetry's HTTP conventions became
 * stable, and leaves the span's status unset on a 5xx. The conventions say a
 * server span that answered 5xx is an error; without that, the seed's
 * error-traces policy would keep none of the gateway's 5xx traces, and the RED
 * metrics would carry no status code. A status a producer set itself is kept.
 */
export const SPAN_NORMALIZATION = [
  'set(span.attributes["http.response.status_code"], span.attributes["http.status_code"]) where span.attributes["http.response.status_code"] == nil and span.attributes["http.status_code"] != nil',
  'set(span.status.code, STATUS_CODE_ERROR) where span.kind == SPAN_KIND_SERVER and span.status.code == STATUS_CODE_UNSET and span.attributes["http.response.status_code"] >= 500',
];

/**
 * RED metrics from spans, under the names the rollback rules and the RED
 * dashboard read: OpenTelemetry's `http.server.request.duration` histogram, in
 * seconds, with its advised buckets, by `http.response.status_code`.
 *
 * Why from spans: in the lab the one HTTP producer is Kong's OpenTelemetry
 * plugin, which traces every request (sampling rate 1) and names each route's
 * spans after the Service the route fronts (charts/gateway-routes.ts); the demo
 * services are upstream images without instrumentation. Production services
 * with their own SDKs emit the same histogram themselves, so a rule reads one
 * name whichever produced it. The spans are counted before tail sampling, on
 * their own pipeline, so keeping every error trace does not skew the error
 * ratio; only SERVER spans are counted, one per request, so Kong's internal and
 * upstream (CLIENT) spans do not dilute it.
 */
export const RED_METRICS: SpanMetricsConfig = {
  namespace: 'http.server.request',
  histogram: {
    unit: 's',
    explicit: { buckets: ['5ms', '10ms', '25ms', '50ms', '75ms', '100ms', '250ms', '500ms', '750ms', '1s', '2500ms', '5s', '7500ms', '10s'] },
  },
  dimensions: [{ name: 'http.response.status_code' }],
  // Mimir's resolution for a 15 s scrape; the error-rate rule's 5m rate needs several points.
  metrics_flush_interval: '15s',
};
/**
 * RED_METRICS' histogram as Mimir stores it: dots to underscores, the unit as `_seconds` (Mimir's
 * `otel_metric_suffixes_enabled`, argocd/values/lgtm.ts), `_bucket`/`_count`/`_sum` series, `job` from service.name.
 * The dashboards, the rollback rules and Grafana's trace-to-metrics link read it; test/telemetry-names.test.ts
 * proves the name on Prometheus' own translation.
 */
export const RED_HISTOGRAM = 'http_server_request_duration_seconds';

const ONLY_SERVER_SPANS = ['kind != SPAN_KIND_SERVER'];

export function collectorConfig(s: CollectorSettings): CollectorConfig {
  const limit = Math.floor((s.memoryLimitMib * s.memoryLimiterPercent) / 100);
  const common = ['memory_limiter', 'resource', 'transform', 'batch'];
  return {
    receivers: { otlp: { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } } },
    processors: {
      memory_limiter: { check_interval: '1s', limit_mib: limit, spike_limit_mib: Math.floor(limit / 5) },
      resource: { attributes: HIGH_CARDINALITY_ATTRIBUTES.map((key) => ({ key, action: 'delete' as const })) },
      transform: {
        error_mode: 'ignore',
        trace_statements: [
          { context: 'resource', statements: SERVICE_NAME },
          { context: 'span', statements: SPAN_NORMALIZATION },
        ],
        metric_statements: [{ context: 'resource', statements: SERVICE_NAME }],
        log_statements: [{ context: 'resource', statements: SERVICE_NAME }],
      },
      batch: { send_batch_size: 2048, timeout: '1s' },
      tail_sampling: { decision_wait: s.decisionWait, num_traces: 50000, expected_new_traces_per_sec: 100, policies: samplingPolicies(s) },
      filter: { error_mode: 'ignore', traces: { span: ONLY_SERVER_SPANS } },
    },
    connectors: { spanmetrics: RED_METRICS },
    exporters: {
      'otlphttp/mimir': { endpoint: s.endpoints.mimirOtlp, sending_queue: EXPORTER_QUEUE },
      'otlphttp/loki': { endpoint: s.endpoints.lokiOtlp, sending_queue: EXPORTER_QUEUE },
      'otlp/tempo': { endpoint: s.endpoints.tempoOtlpGrpc, tls: { insecure: !s.endpoints.tls }, sending_queue: EXPORTER_QUEUE },
    },
    service: {
      telemetry: { metrics: { level: 'basic' } },
      pipelines: {
        traces: { receivers: ['otlp'], processors: [...common, 'tail_sampling'], exporters: ['otlp/tempo'] },
        // The same spans, unsampled, into RED metrics (RED_METRICS).
        'traces/red': { receivers: ['otlp'], processors: ['memory_limiter', 'resource', 'transform', 'filter'], exporters: ['spanmetrics'] },
        metrics: { receivers: ['otlp', 'spanmetrics'], processors: common, exporters: ['otlphttp/mimir'] },
        logs: { receivers: ['otlp'], processors: common, exporters: ['otlphttp/loki'] },
      },
    },
  };
}
