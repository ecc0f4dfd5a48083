/**
 * How Hubble's series get the labels the seed queries (seed 7-1:
 * `rate(hubble_http_requests_total{namespace="demo"}[5m])`). Hubble's
 * `labelsContext` names both ends (`source_namespace`, `destination_namespace`);
 * the collection adds `namespace`: the namespace of the workload that served
 * the flow, or its source's where the destination is outside the cluster.
 *
 * One list of rules, rendered twice: into Alloy's `prometheus.relabel` block
 * (argocd/values/lgtm.ts), and, in the tests, into the `metric_relabel_configs`
 * of a real Prometheus scrape: both run Prometheus' relabelling code.
 */

/** One relabel rule, as Prometheus' relabel_config and Alloy's `rule` block both take it. */
export interface RelabelRule {
  /** Labels of Hubble's `labelsContext` (argocd/values/cilium.ts: HUBBLE_CONTEXT names both ends' namespaces). */
  readonly sourceLabels: readonly string[];
  readonly regex: string;
  readonly targetLabel: string;
  readonly replacement: string;
  readonly action: 'replace';
}

/** Hubble's metrics port on every agent: the chart's `hubble.metrics.port` default, which the Helm test reads back from cilium-config. */
export const HUBBLE_METRICS_PORT = 9965;

/** The label the seed's query filters on. */
export const NAMESPACE_LABEL = 'namespace';

/** Applied in order: the destination's namespace, when there is one, replaces the source's. */
export const HUBBLE_RELABEL_RULES: readonly RelabelRule[] = [
  { sourceLabels: ['source_namespace'], regex: '(.+)', targetLabel: NAMESPACE_LABEL, replacement: '$1', action: 'replace' },
  { sourceLabels: ['destination_namespace'], regex: '(.+)', targetLabel: NAMESPACE_LABEL, replacement: '$1', action: 'replace' },
];

/** The rules as Alloy's `rule` blocks (River syntax: strings in double quotes, lists in brackets). */
export function alloyRelabelRules(rules: readonly RelabelRule[] = HUBBLE_RELABEL_RULES): string {
  const quote = (s: string) => JSON.stringify(s);
  return rules
    .map((r) =>
      [
        '  rule {',
        `    source_labels = [${r.sourceLabels.map(quote).join(', ')}]`,
        `    regex         = ${quote(r.regex)}`,
        `    target_label  = ${quote(r.targetLabel)}`,
        `    replacement   = ${quote(r.replacement)}`,
        `    action        = ${quote(r.action)}`,
        '  }',
      ].join('\n'),
    )
    .join('\n');
}
