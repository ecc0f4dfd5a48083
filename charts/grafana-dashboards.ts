// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { Dashboard } from '../observability/dashboards';

export interface GrafanaDashboardsProps extends PlatformChartProps {
  /** The label Grafana's sidecar watches (grafana_dashboard=1). */
  readonly label: { readonly key: string; readonly value: string };
  readonly dashboards: readonly Dashboard[];
}

/** One ConfigMap per dashboard, picked up by Grafana's sidecar; no internet needed. */
export class GrafanaDashboards extends PlatformChart {
  constructor(scope: Construct, id: string, props: GrafanaDashboardsProps) {
    super(scope, id, props);
    for (const dashboard of props.dashboards) {
      new k8s.KubeConfigMap(this, dashboard.uid, {
        metadata: {
          name: `dashboard-${dashboard.uid}`,
          labels: { [props.label.key]: props.label.value },
        },
        data: { [`${dashboard.uid}.json`]: `${JSON.stringify(dashboard, null, 2)}\n` },
      });
    }
  }
}
