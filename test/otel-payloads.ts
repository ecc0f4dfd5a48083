/** OTLP/JSON payloads as the lab's SDK producers send them, for the tests that feed the rendered collector. */

/** One attribute of an OTLP/JSON payload. */
export const otlpAttribute = (key: string, value: string | number) => ({
  key,
  value: typeof value === 'number' ? { intValue: value } : { stringValue: value },
});

export interface PoolMetricsProps {
  readonly service: string;
  readonly pool: string;
  readonly used: number;
  readonly max: number;
  readonly startNs: string;
  readonly nowNs: string;
  /** The pool's maximum under the conventions' older name (`max`, the default) or the newer one (`limit`). */
  readonly maxName?: 'db.client.connection.max' | 'db.client.connection.limit';
}

/**
 * One service's database connection pool, as OpenTelemetry's pool instrumentations report it (semantic conventions
 * v1.26+): `db.client.connection.count` by state and the pool's maximum, non-monotonic sums.
 */
export function poolMetrics(p: PoolMetricsProps) {
  const attr = otlpAttribute;
  const gauge = (name: string, points: Array<[Array<ReturnType<typeof attr>>, number]>) => ({
    name,
    unit: '{connection}',
    sum: {
      aggregationTemporality: 2,
      isMonotonic: false,
      dataPoints: points.map(([attributes, v]) => ({ attributes, startTimeUnixNano: p.startNs, timeUnixNano: p.nowNs, asInt: String(v) })),
    },
  });
  const pool = attr('db.client.connection.pool.name', p.pool);
  return {
    resource: { attributes: [attr('service.name', p.service)] },
    scopeMetrics: [
      {
        scope: { name: 'lab' },
        metrics: [
          gauge('db.client.connection.count', [
            [[pool, attr('db.client.connection.state', 'used')], p.used],
            [[pool, attr('db.client.connection.state', 'idle')], p.max - p.used],
          ]),
          gauge(p.maxName ?? 'db.client.connection.max', [[[pool], p.max]]),
        ],
      },
    ],
  };
}
