import { RED_HISTOGRAM } from './collector-config';
/**
 * Grafana dashboards of this project, written as typed code (seed 12-4:
 * in an air gap, dashboards come from ConfigMaps, not grafana.com).
 */
export interface DatasourceRef {
  readonly type: 'prometheus' | 'loki' | 'tempo';
  readonly uid: string;
}

export interface Panel {
  readonly id: number;
  readonly type: 'timeseries' | 'stat';
  readonly title: string;
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number };
  readonly datasource: DatasourceRef;
  readonly targets: ReadonlyArray<{ readonly refId: string; readonly expr: string; readonly legendFormat?: string }>;
  readonly fieldConfig: { readonly defaults: { readonly unit: string }; readonly overrides: readonly [] };
}

export interface Dashboard {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly schemaVersion: number;
  readonly time: { readonly from: string; readonly to: string };
  readonly refresh: string;
  readonly panels: readonly Panel[];
}

type PanelSpec = Omit<Panel, 'id' | 'gridPos' | 'datasource' | 'fieldConfig' | 'targets'> & {
  readonly unit: string;
  readonly queries: ReadonlyArray<[string, string?]>;
};

/** Lays panels out two per row, 12 columns each, in the order given. */
function layout(datasource: DatasourceRef, specs: readonly PanelSpec[]): Panel[] {
  return specs.map((s, i) => ({
    id: i + 1,
    type: s.type,
    title: s.title,
    gridPos: { x: (i % 2) * 12, y: Math.floor(i / 2) * 8, w: 12, h: 8 },
    datasource,
    targets: s.queries.map(([expr, legendFormat], j) => ({ refId: String.fromCharCode(65 + j), expr, ...(legendFormat ? { legendFormat } : {}) })),
    fieldConfig: { defaults: { unit: s.unit }, overrides: [] },
  }));
}

const HTTP = RED_HISTOGRAM;

/** RED (rate, errors, duration) for one service, from the OTel HTTP server metrics. */
export function redDashboard(service: string, metrics: DatasourceRef): Dashboard {
  const sel = `job="${service}"`;
  return {
    uid: `red-${service}`,
    title: `Demo API (${service}): rate, errors, duration`,
    tags: ['demo', 'red'],
    schemaVersion: 39,
    time: { from: 'now-1h', to: 'now' },
    refresh: '30s',
    panels: layout(metrics, [
      { type: 'timeseries', title: 'Requests per second', unit: 'reqps', queries: [[`sum(rate(${HTTP}_count{${sel}}[5m]))`, 'requests']] },
      {
        type: 'timeseries',
        title: 'Error ratio (5xx); rollback above 1%',
        unit: 'percentunit',
        queries: [[`sum(rate(${HTTP}_count{${sel}, http_response_status_code=~"5.."}[5m])) / sum(rate(${HTTP}_count{${sel}}[5m]))`, '5xx ratio']],
      },
      {
        type: 'timeseries',
        title: 'Latency P50 / P95 / P99',
        unit: 's',
        queries: [0.5, 0.95, 0.99].map((q): [string, string] => [
          `histogram_quantile(${q}, sum by (le) (rate(${HTTP}_bucket{${sel}}[5m])))`,
          `p${q * 100}`,
        ]),
      },
      {
        type: 'timeseries',
        title: 'P99 against yesterday; rollback above 2x',
        unit: 's',
        queries: [
          [`histogram_quantile(0.99, sum by (le) (rate(${HTTP}_bucket{${sel}}[5m])))`, 'p99 now'],
          [`histogram_quantile(0.99, sum by (le) (rate(${HTTP}_bucket{${sel}}[5m] offset 1d)))`, 'p99 1d ago'],
        ],
      },
      {
        type: 'timeseries',
        title: 'DB connection pool in use; rollback at 100% for 2m',
        unit: 'percentunit',
        queries: [
          [
            // The pool's maximum under either name of the conventions (see POOL_USAGE in rollback-rules.ts).
            `sum by (db_client_connection_pool_name) (db_client_connection_count{${sel}, db_client_connection_state="used"}) / (sum by (db_client_connection_pool_name) (db_client_connection_max{${sel}}) or sum by (db_client_connection_pool_name) (db_client_connection_limit{${sel}}))`,
            '{{db_client_connection_pool_name}}',
          ],
        ],
      },
    ]),
  };
}

/** The platform at a glance: nodes, pods, resources per namespace, policy and network health. */
export function platformOverviewDashboard(metrics: DatasourceRef): Dashboard {
  return {
    uid: 'platform-overview',
    title: 'Platform overview',
    tags: ['platform'],
    schemaVersion: 39,
    time: { from: 'now-3h', to: 'now' },
    refresh: '1m',
    panels: layout(metrics, [
      { type: 'stat', title: 'Nodes ready', unit: 'none', queries: [['sum(kube_node_status_condition{condition="Ready", status="true"})']] },
      {
        type: 'stat',
        title: 'Pods in CrashLoopBackOff',
        unit: 'none',
        queries: [['sum(kube_pod_container_status_waiting_reason{reason="CrashLoopBackOff"}) or vector(0)']],
      },
      {
        type: 'timeseries',
        title: 'CPU by namespace',
        unit: 'cores',
        queries: [['sum by (namespace) (rate(container_cpu_usage_seconds_total{container!=""}[5m]))', '{{namespace}}']],
      },
      {
        type: 'timeseries',
        title: 'Memory by namespace',
        unit: 'bytes',
        queries: [['sum by (namespace) (container_memory_working_set_bytes{container!=""})', '{{namespace}}']],
      },
      {
        type: 'timeseries',
        title: 'Pod restarts (1h)',
        unit: 'none',
        queries: [['sum by (namespace) (increase(kube_pod_container_status_restarts_total[1h]))', '{{namespace}}']],
      },
      {
        type: 'timeseries',
        title: 'Running pods by namespace',
        unit: 'none',
        queries: [['sum by (namespace) (kube_pod_status_phase{phase="Running"})', '{{namespace}}']],
      },
      {
        // Seed 7-1's Hubble query, by caller and callee: HTTP that Cilium's proxy reads (an L7 policy selects the
        // callee). Empty where ambient's HBONE carries the demo's HTTP, which Cilium cannot read.
        type: 'timeseries',
        title: 'HTTP requests in demo, as Hubble sees them',
        unit: 'reqps',
        queries: [
          [
            'sum by (source_workload, destination_workload) (rate(hubble_http_requests_total{namespace="demo"}[5m]))',
            '{{source_workload}} -> {{destination_workload}}',
          ],
        ],
      },
    ]),
  };
}
