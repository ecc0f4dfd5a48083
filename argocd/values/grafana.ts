import { EnvironmentConfig } from '../../config';
import { LgtmEndpoints } from './lgtm-endpoints';
import { RED_HISTOGRAM } from '../../observability/collector-config';

/** The values this project sets on the Grafana chart (the version argocd/upstream-components.ts pins). */
export interface GrafanaValues {
  readonly replicas: number;
  readonly datasources: { readonly 'datasources.yaml': { readonly apiVersion: 1; readonly datasources: readonly GrafanaDatasource[] } };
  readonly sidecar: {
    readonly dashboards: { readonly enabled: boolean; readonly label: string; readonly labelValue: string; readonly searchNamespace: string };
  };
  readonly dashboardProviders?: Record<string, unknown>;
  readonly dashboards?: Record<string, Record<string, { readonly gnetId: number; readonly revision: number; readonly datasource: string }>>;
  /** The admin login comes from a Secret the bootstrap creates; a chart-generated password would change on every render. */
  readonly admin: { readonly existingSecret: string; readonly userKey: string; readonly passwordKey: string };
}

export interface GrafanaDatasource {
  readonly name: string;
  readonly uid: string;
  readonly type: 'prometheus' | 'loki' | 'tempo' | 'alertmanager';
  readonly url: string;
  readonly access: 'proxy';
  readonly isDefault?: boolean;
  readonly jsonData: Record<string, unknown>;
}

/** Datasource uids; correlations refer to each other by these. */
export const DATASOURCE_UIDS = { mimir: 'mimir', loki: 'loki', tempo: 'tempo', alertmanager: 'alertmanager' } as const;

/** Seed 7-6: the Loki derived field that turns a logged trace id into a Tempo link. */
export const TRACE_ID_REGEX = '\\[([a-f0-9]{32}),';

/** Tempo's trace-to-logs query: every line with the trace's id (`$$` escapes Grafana's provisioning expansion). */
export const TRACE_LOGS_QUERY = '{namespace=~".+"} |= "$${__trace.traceId}"';

/** Label the Grafana sidecar looks for on dashboard ConfigMaps. */
export const DASHBOARD_LABEL = { key: 'grafana_dashboard', value: '1' } as const;

/** grafana.com dashboards of seed 12-4. */
export const ONLINE_DASHBOARDS = {
  'kubernetes-overview': { gnetId: 15520, revision: 2 },
  'node-exporter-full': { gnetId: 1860, revision: 37 },
} as const;

/**
 * Four datasources with the seed's correlations: traces to logs and to
 * metrics, the service map from span metrics, and logs back to traces.
 */
export function grafanaDatasources(e: LgtmEndpoints): GrafanaDatasource[] {
  const uid = DATASOURCE_UIDS;
  return [
    {
      name: 'Mimir',
      uid: uid.mimir,
      type: 'prometheus',
      url: e.mimirQuery,
      access: 'proxy',
      isDefault: true,
      jsonData: { httpMethod: 'POST', exemplarTraceIdDestinations: [{ name: 'trace_id', datasourceUid: uid.tempo }] },
    },
    {
      name: 'Loki',
      uid: uid.loki,
      type: 'loki',
      url: e.lokiQuery,
      access: 'proxy',
      // `$$` escapes Grafana's provisioning variable expansion.
      jsonData: { derivedFields: [{ name: 'TraceID', matcherRegex: TRACE_ID_REGEX, url: '$${__value.raw}', datasourceUid: uid.tempo }] },
    },
    {
      name: 'Tempo',
      uid: uid.tempo,
      type: 'tempo',
      url: e.tempoQuery,
      access: 'proxy',
      jsonData: {
        // "Logs for this span" (seed 7-1): the lines that carry the trace's id, in whichever namespace logged them (the
        // load generator's, in demo). A service_name filter would find none: the spans name the route's service
        // (backend), the lines are the caller's.
        tracesToLogsV2: {
          datasourceUid: uid.loki,
          spanStartTimeShift: '-5m',
          spanEndTimeShift: '5m',
          customQuery: true,
          query: TRACE_LOGS_QUERY,
        },
        // From a span to its service's RED series: the collector's histogram (RED_HISTOGRAM), whose `job` is the
        // span's service.name. Tempo's own span metrics would be `traces_spanmetrics_*{service=...}`, which no
        // external Tempo of production promises.
        tracesToMetrics: {
          datasourceUid: uid.mimir,
          tags: [{ key: 'service.name', value: 'job' }],
          queries: [
            { name: 'Request rate', query: `sum(rate(${RED_HISTOGRAM}_count{$$__tags}[5m]))` },
            { name: 'P99 latency', query: `histogram_quantile(0.99, sum by (le) (rate(${RED_HISTOGRAM}_bucket{$$__tags}[5m])))` },
          ],
        },
        serviceMap: { datasourceUid: uid.mimir },
        nodeGraph: { enabled: true },
      },
    },
    {
      name: 'Alertmanager',
      uid: uid.alertmanager,
      type: 'alertmanager',
      url: e.alertmanager,
      access: 'proxy',
      jsonData: { implementation: 'prometheus' },
    },
  ];
}

export function grafanaValues(env: EnvironmentConfig, e: LgtmEndpoints, namespace: string, adminSecret: string): GrafanaValues {
  const online = env.observability.onlineDashboards;
  return {
    replicas: env.observability.replicas.grafana,
    datasources: { 'datasources.yaml': { apiVersion: 1, datasources: grafanaDatasources(e) } },
    // Our own dashboards always come from ConfigMaps; grafana.com ones only when online.
    sidecar: { dashboards: { enabled: true, label: DASHBOARD_LABEL.key, labelValue: DASHBOARD_LABEL.value, searchNamespace: namespace } },
    ...(online
      ? {
          dashboardProviders: {
            'dashboardproviders.yaml': {
              apiVersion: 1,
              providers: [
                {
                  name: 'grafana-com',
                  orgId: 1,
                  folder: 'Community',
                  type: 'file',
                  disableDeletion: false,
                  options: { path: '/var/lib/grafana/dashboards/grafana-com' },
                },
              ],
            },
          },
          dashboards: {
            'grafana-com': Object.fromEntries(Object.entries(ONLINE_DASHBOARDS).map(([name, d]) => [name, { ...d, datasource: 'Mimir' }])),
          },
        }
      : {}),
    admin: { existingSecret: adminSecret, userKey: 'admin-user', passwordKey: 'admin-password' },
  };
}
