import { RED_HISTOGRAM } from './collector-config';
/**
 * The seed's automatic rollback criteria (section 10-3), as Prometheus rule
 * groups for the Mimir ruler. promtool checks and unit-tests them.
 */
export interface AlertingRule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: { readonly summary: string; readonly description: string };
}

export interface RuleGroup {
  readonly name: string;
  readonly interval: string;
  readonly rules: readonly AlertingRule[];
}

export interface RollbackCriteria {
  /** Seed: error rate above 1% ... */
  readonly maxErrorRatio: number;
  /** ... for 5 minutes. */
  readonly errorRateFor: string;
  /** Seed: P99 above 200% of the baseline. */
  readonly maxLatencyFactor: number;
  /** The baseline: the same window this long ago (the previous deployment's behaviour). */
  readonly latencyBaselineOffset: string;
  readonly latencyFor: string;
  /** Seed: DB connection pool exhaustion, as the share of the pool's maximum in use ... */
  readonly maxPoolUsageRatio: number;
  /** ... for this long: a pool full through whole evaluations, not one busy scrape. */
  readonly poolExhaustionFor: string;
}

export const SEED_ROLLBACK_CRITERIA: RollbackCriteria = {
  maxErrorRatio: 0.01,
  errorRateFor: '5m',
  maxLatencyFactor: 2,
  latencyBaselineOffset: '1d',
  latencyFor: '5m',
  maxPoolUsageRatio: 1,
  poolExhaustionFor: '2m',
};

/**
 * OpenTelemetry's database client connection metrics (semantic conventions
 * v1.26+) as Mimir stores them from OTLP: `db.client.connection.count` by
 * state (used/idle), against the pool's maximum, per pool and service. The
 * maximum is `db.client.connection.max` up to the conventions that renamed it
 * `db.client.connection.limit`; producers on either side of the rename are read.
 * Who emits them: the OpenTelemetry instrumentations of connection pools (the
 * Java agent's HikariCP, DBCP, c3p0, Tomcat JDBC and Vibur pools; .NET's and
 * Go's database/sql ones) in the production services that own a database. No
 * lab workload has one, so the rule is proven on synthetic series only.
 */
const POOL = 'db_client_connection';
const BY_POOL = `by (job, ${POOL}_pool_name)`;
export const POOL_USAGE = `sum ${BY_POOL} (${POOL}_count{${POOL}_state="used"}) / (sum ${BY_POOL} (${POOL}_max) or sum ${BY_POOL} (${POOL}_limit))`;

/**
 * OpenTelemetry's HTTP server histogram as Mimir stores it from OTLP; `job`
 * carries service.name. These come from the metrics pipeline, which is not
 * tail-sampled, so the error ratio is not skewed by keeping every error trace.
 */
const REQUESTS = RED_HISTOGRAM;
const P99 = (window: string, offset = '') => `histogram_quantile(0.99, sum by (job, le) (rate(${REQUESTS}_bucket[${window}]${offset})))`;

export function rollbackRules(c: RollbackCriteria): RuleGroup[] {
  const labels = { severity: 'critical', action: 'rollback' };
  return [
    {
      name: 'rollback-criteria',
      interval: '1m',
      rules: [
        {
          alert: 'RollbackErrorRateHigh',
          expr: `(sum by (job) (rate(${REQUESTS}_count{http_response_status_code=~"5.."}[5m])) / sum by (job) (rate(${REQUESTS}_count[5m]))) > ${c.maxErrorRatio}`,
          for: c.errorRateFor,
          labels,
          annotations: {
            summary: '{{ $labels.job }}: 5xx above ' + `${c.maxErrorRatio * 100}% for ${c.errorRateFor}`,
            description: '{{ $labels.job }} answers {{ $value | humanizePercentage }} of requests with 5xx. Roll the deployment back.',
          },
        },
        {
          alert: 'RollbackLatencyP99High',
          expr: `${P99('5m')} > ${c.maxLatencyFactor} * ${P99('5m', ` offset ${c.latencyBaselineOffset}`)}`,
          for: c.latencyFor,
          labels,
          annotations: {
            summary: `{{ $labels.job }}: P99 latency above ${c.maxLatencyFactor * 100}% of the baseline (${c.latencyBaselineOffset} ago)`,
            description: '{{ $labels.job }} P99 is {{ $value | humanizeDuration }}, more than twice the baseline. Roll the deployment back.',
          },
        },
        {
          alert: 'RollbackPodCrashLooping',
          // Any container in CrashLoopBackOff (kube-state-metrics).
          expr: 'max by (namespace, pod, container) (kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}) > 0',
          labels,
          annotations: {
            summary: '{{ $labels.namespace }}/{{ $labels.pod }} ({{ $labels.container }}) is in CrashLoopBackOff',
            description: 'A container keeps crashing after a rollout. Roll the deployment back.',
          },
        },
        {
          alert: 'RollbackDbConnectionPoolExhausted',
          expr: `(${POOL_USAGE}) >= ${c.maxPoolUsageRatio}`,
          for: c.poolExhaustionFor,
          labels,
          annotations: {
            summary: `{{ $labels.job }}: DB connection pool {{ $labels.${POOL}_pool_name }} at ${c.maxPoolUsageRatio * 100}% of its maximum for ${c.poolExhaustionFor}`,
            description:
              '{{ $labels.job }} uses {{ $value | humanizePercentage }} of the connections of pool {{ $labels.' +
              POOL +
              '_pool_name }}; requests wait for a connection. Roll the deployment back.',
          },
        },
      ],
    },
  ];
}
