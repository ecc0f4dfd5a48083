import { spawnSync } from 'child_process';
import { RelabelRule } from '../../observability/hubble-relabel';
import { PrometheusRelabelConfig } from './prometheus';

/**
 * Hubble's own metrics handlers (the hubble-metrics harness, verify/tools/go/cilium-policy/hubble-metrics, built
 * from the lab's Cilium release) over flows as a dataplane observes them: the series the agent's :9965 would serve
 * under the rendered `hubble-metrics` option.
 */

/** One end of a flow, as Hubble's flow names it: namespace, pod and the workload that owns it. */
export interface FlowEnd {
  readonly namespace: string;
  readonly pod: string;
  readonly workload: string;
}

/** An HTTP exchange the L7 proxy saw, as Hubble's two L7 flows of it (the request, then the response). */
export interface HttpExchange {
  readonly from: FlowEnd;
  readonly to: FlowEnd;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The policy's verdict: a request the L7 rules refuse is answered 403 by the proxy and DROPPED. */
  readonly verdict: 'FORWARDED' | 'DROPPED';
}

const endpoint = (e: FlowEnd) => ({ namespace: e.namespace, pod_name: e.pod, workloads: [{ name: e.workload, kind: 'Deployment' }] });

/** The protojson of Hubble's flows of one exchange, observed at the server's proxy (ingress). */
export function httpFlows(x: HttpExchange): unknown[] {
  const http = { method: x.method, url: `http://${x.to.workload}.${x.to.namespace}.svc${x.path}`, protocol: 'HTTP/1.1' };
  return [
    {
      verdict: x.verdict,
      Type: 'L7',
      source: endpoint(x.from),
      destination: endpoint(x.to),
      traffic_direction: 'INGRESS',
      l7: { type: 'REQUEST', http },
    },
    {
      verdict: x.verdict,
      Type: 'L7',
      source: endpoint(x.to),
      destination: endpoint(x.from),
      traffic_direction: 'INGRESS',
      is_reply: true,
      l7: { type: 'RESPONSE', latency_ns: '2000000', http: { ...http, code: x.status } },
    },
  ];
}

/** What the agent's metrics endpoint serves after these flows, under `metricsOption` (cilium-config's `hubble-metrics`). */
export function hubbleExposition(harness: string, metricsOption: string, flows: readonly unknown[]): string {
  const run = spawnSync(harness, [], { input: JSON.stringify({ metrics: metricsOption, flows }), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`hubble-metrics failed: ${(run.stderr || String(run.error)).trim()}`);
  return run.stdout;
}

/** The rules as Prometheus' `metric_relabel_configs`: the same fields, Prometheus' names. */
export const prometheusRelabelConfigs = (rules: readonly RelabelRule[]): PrometheusRelabelConfig[] =>
  rules.map((r) => ({
    source_labels: [...r.sourceLabels],
    regex: r.regex,
    target_label: r.targetLabel,
    replacement: r.replacement,
    action: r.action,
  }));
