import { minorOf, VERSIONS } from '../config/versions';

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
  };
  readonly exporters: Readonly<Record<string, ExporterConfig>>;
  readonly service: {
    readonly telemetry: { readonly metrics: { readonly level: 'none' | 'basic' | 'normal' | 'detailed' } };
    readonly pipelines: Readonly<
      Record<
        'traces' | 'metrics' | 'logs',
        { readonly receivers: readonly string[]; readonly processors: readonly string[]; readonly exporters: readonly string[] }
      >
    >;
  };
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
        trace_statements: [{ context: 'resource', statements: SERVICE_NAME }],
        metric_statements: [{ context: 'resource', statements: SERVICE_NAME }],
        log_statements: [{ context: 'resource', statements: SERVICE_NAME }],
      },
      batch: { send_batch_size: 2048, timeout: '1s' },
      tail_sampling: { decision_wait: s.decisionWait, num_traces: 50000, expected_new_traces_per_sec: 100, policies: samplingPolicies(s) },
    },
    exporters: {
      'otlphttp/mimir': { endpoint: s.endpoints.mimirOtlp, sending_queue: EXPORTER_QUEUE },
      'otlphttp/loki': { endpoint: s.endpoints.lokiOtlp, sending_queue: EXPORTER_QUEUE },
      'otlp/tempo': { endpoint: s.endpoints.tempoOtlpGrpc, tls: { insecure: !s.endpoints.tls }, sending_queue: EXPORTER_QUEUE },
    },
    service: {
      telemetry: { metrics: { level: 'basic' } },
      pipelines: {
        traces: { receivers: ['otlp'], processors: [...common, 'tail_sampling'], exporters: ['otlp/tempo'] },
        metrics: { receivers: ['otlp'], processors: common, exporters: ['otlphttp/mimir'] },
        logs: { receivers: ['otlp'], processors: common, exporters: ['otlphttp/loki'] },
      },
    },
  };
}

/**
 * Core's Go modules are tagged with the release itself; contrib's modules of a
 * release are its `x.y.0` (contrib tagged no module patch for 0.146.1).
 */
const core = (module: string) => `go.opentelemetry.io/collector/${module} v${VERSIONS.otelCollector}`;
const contrib = (module: string) => `github.com/open-telemetry/opentelemetry-collector-contrib/${module} v${minorOf(VERSIONS.otelCollector)}.0`;

/** Go modules of every component type the config can use, at the collector version we build. */
export const COMPONENT_MODULES: Readonly<Record<string, { readonly kind: 'receivers' | 'processors' | 'exporters'; readonly gomod: string }>> = {
  otlp: { kind: 'receivers', gomod: core('receiver/otlpreceiver') },
  memory_limiter: { kind: 'processors', gomod: core('processor/memorylimiterprocessor') },
  batch: { kind: 'processors', gomod: core('processor/batchprocessor') },
  resource: { kind: 'processors', gomod: contrib('processor/resourceprocessor') },
  transform: { kind: 'processors', gomod: contrib('processor/transformprocessor') },
  tail_sampling: { kind: 'processors', gomod: contrib('processor/tailsamplingprocessor') },
  'exporter:otlp': { kind: 'exporters', gomod: core('exporter/otlpexporter') },
  otlphttp: { kind: 'exporters', gomod: core('exporter/otlphttpexporter') },
};

/** Component types a config uses, e.g. `otlp/tempo` -> exporter `otlp`. */
export function componentTypes(config: CollectorConfig): { receivers: string[]; processors: string[]; exporters: string[] } {
  const type = (id: string) => id.split('/')[0];
  return {
    receivers: [...new Set(Object.keys(config.receivers).map(type))].sort(),
    processors: [...new Set(Object.keys(config.processors).map(type))].sort(),
    exporters: [...new Set(Object.keys(config.exporters).map(type))].sort(),
  };
}

/** The OpenTelemetry Collector Builder manifest for exactly the components of `config`. */
/** The builder manifest for every given config (one per environment): the union of their components. */
export function builderManifest(configs: readonly CollectorConfig[], outputPath: string): Record<string, unknown> {
  const all = configs.map(componentTypes);
  const union = (kind: 'receivers' | 'processors' | 'exporters') => [...new Set(all.flatMap((t) => t[kind]))].sort();
  const types = { receivers: union('receivers'), processors: union('processors'), exporters: union('exporters') };
  const modules = (kind: 'receivers' | 'processors' | 'exporters', names: string[]) =>
    names.map((name) => {
      const entry = COMPONENT_MODULES[kind === 'exporters' && name === 'otlp' ? 'exporter:otlp' : name];
      if (!entry || entry.kind !== kind) throw new Error(`no Go module known for ${kind} ${name}; add it to COMPONENT_MODULES`);
      return { gomod: entry.gomod };
    });
  return {
    dist: {
      name: 'otelcol-lab',
      description: 'Collector with exactly the components of the rendered config',
      output_path: outputPath,
      version: VERSIONS.otelCollector,
    },
    receivers: modules('receivers', types.receivers),
    processors: modules('processors', types.processors),
    exporters: modules('exporters', types.exporters),
    // Only the providers we use; the proxy lacks httpprovider at this release.
    providers: ['envprovider', 'fileprovider', 'yamlprovider'].map((p) => ({ gomod: `go.opentelemetry.io/collector/confmap/provider/${p} v1.52.0` })),
  };
}
