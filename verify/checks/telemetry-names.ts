import * as YAML from 'yaml';
import { DASHBOARD_LABEL } from '../../argocd/values/grafana';
import { RenderedEnvironment } from '../../lib/synth';
import { applicationsOf } from '../engines/hydrate';
import { PromqlNode } from '../engines/prometheus';
import { MetricNames } from '../engines/producer-names';

/**
 * Every query the rendered environment asks of its telemetry (the dashboards' panels, the datasources' links, the
 * rollback rules), and whether each metric and label it names is one a producer emits. A query that names what
 * nothing emits shows an empty panel or a rule that never fires, and no engine complains: this check does.
 */

export interface TelemetryQuery {
  /** Where the query lives, as a reviewer finds it. */
  readonly where: string;
  readonly language: 'promql' | 'logql';
  readonly expr: string;
  /** Label names the panel's legend prints (`{{label}}`). */
  readonly legendLabels: readonly string[];
}

/** Grafana's provisioning turns `$$` into `$`; its Tempo datasource turns `$__tags` into the mapped span tags. */
const provisioned = (text: string) => text.replace(/\$\$/g, '$');

interface GrafanaDatasource {
  readonly name: string;
  readonly type: string;
  readonly jsonData?: {
    readonly tracesToMetrics?: {
      readonly tags?: ReadonlyArray<{ readonly key: string; readonly value?: string }>;
      readonly queries?: ReadonlyArray<{ readonly name: string; readonly query: string }>;
    };
    readonly tracesToLogsV2?: { readonly customQuery?: boolean; readonly query?: string };
  };
}

interface DashboardJson {
  readonly title: string;
  readonly panels?: ReadonlyArray<{
    readonly title: string;
    readonly datasource?: { readonly type?: string };
    readonly targets?: ReadonlyArray<{ readonly expr?: string; readonly legendFormat?: string }>;
  }>;
}

const legendLabelsOf = (legend: string | undefined) => [...(legend ?? '').matchAll(/\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}/g)].map((m) => m[1]);

export function renderedQueries(rendered: RenderedEnvironment): TelemetryQuery[] {
  const queries: TelemetryQuery[] = [];
  for (const { object } of rendered.files) {
    if (object.kind !== 'ConfigMap') continue;
    const data = ((object as { data?: Record<string, string> }).data ?? {}) as Record<string, string>;
    const labels = (object.metadata.labels ?? {}) as Record<string, string>;
    for (const [key, text] of Object.entries(data)) {
      if (labels[DASHBOARD_LABEL.key] === DASHBOARD_LABEL.value && key.endsWith('.json')) {
        const dashboard = JSON.parse(text) as DashboardJson;
        for (const panel of dashboard.panels ?? [])
          for (const target of panel.targets ?? [])
            if (target.expr && (panel.datasource?.type ?? 'prometheus') === 'prometheus')
              queries.push({
                where: `dashboard "${dashboard.title}", panel "${panel.title}"`,
                language: 'promql',
                expr: target.expr,
                legendLabels: legendLabelsOf(target.legendFormat),
              });
      }
      if (/\.ya?ml$/.test(key)) {
        // A rule file (`groups:`), or one group as the ruler API takes it (`name:` and `rules:`, an external Mimir's).
        type Group = { name?: string; rules?: Array<{ alert?: string; record?: string; expr?: string }> };
        const parsed = YAML.parse(text) as { groups?: Group[] } & Group;
        const groups = Array.isArray(parsed?.groups) ? parsed.groups : Array.isArray(parsed?.rules) ? [parsed] : [];
        for (const group of groups)
          for (const rule of group.rules ?? [])
            if (typeof rule.expr === 'string')
              queries.push({
                where: `rule ${rule.alert ?? rule.record} (ConfigMap ${object.metadata.namespace}/${object.metadata.name})`,
                language: 'promql',
                expr: rule.expr,
                legendLabels: [],
              });
      }
    }
  }
  for (const app of applicationsOf(rendered)) {
    const values = app.source.helm?.valuesObject as { datasources?: Record<string, { datasources?: GrafanaDatasource[] }> } | undefined;
    for (const file of Object.values(values?.datasources ?? {}))
      for (const ds of file.datasources ?? []) {
        const metrics = ds.jsonData?.tracesToMetrics;
        const tags = (metrics?.tags ?? []).map((t) => `${t.value ?? t.key}="x"`).join(', ');
        for (const q of metrics?.queries ?? [])
          queries.push({
            where: `datasource ${ds.name}, tracesToMetrics "${q.name}"`,
            language: 'promql',
            expr: provisioned(q.query).replace(/\$__tags/g, tags),
            legendLabels: [],
          });
        const logs = ds.jsonData?.tracesToLogsV2;
        if (logs?.customQuery && logs.query)
          queries.push({ where: `datasource ${ds.name}, tracesToLogsV2`, language: 'logql', expr: provisioned(logs.query), legendLabels: [] });
      }
  }
  return queries;
}

/** A metric a query selects, with the label names the query needs it to carry. */
export interface MetricUse {
  readonly metric: string;
  readonly labels: readonly string[];
}

/**
 * The metrics a parsed PromQL expression selects, each with the labels it matches on and the labels an enclosing
 * aggregation groups by or a vector match joins on: a `sum by (namespace)` over a metric without `namespace` gives
 * one unlabelled series, silently.
 */
export function metricUses(node: PromqlNode | null | undefined, inherited: readonly string[] = []): MetricUse[] {
  if (!node) return [];
  switch (node.type) {
    case 'vectorSelector':
    case 'matrixSelector':
      return [
        {
          metric: node.name ?? '',
          labels: [...new Set([...(node.matchers ?? []).map((m) => m.name).filter((n) => n !== '__name__'), ...inherited])],
        },
      ];
    case 'aggregation':
      return [...metricUses(node.expr, [...inherited, ...(node.without ? [] : (node.grouping ?? []))]), ...metricUses(node.param, inherited)];
    case 'binaryExpr': {
      const on = node.matching?.on ? [...(node.matching.labels ?? []), ...(node.matching.include ?? [])] : [];
      return [...metricUses(node.lhs, [...inherited, ...on]), ...metricUses(node.rhs, [...inherited, ...on])];
    }
    case 'call':
      return (node.args ?? []).flatMap((a) => metricUses(a, inherited));
    default:
      return metricUses(node.expr, inherited);
  }
}

/** The label names of a LogQL query's stream selector (`{namespace=~".+"}`). */
export function logStreamLabels(expr: string): string[] {
  const selector = /^\s*\{([^}]*)\}/.exec(expr);
  if (!selector) throw new Error(`the LogQL query ${expr} has no stream selector`);
  return [...selector[1].matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((m) => m[1]);
}

/** A reviewed name no engine here can produce, with the producer and why it cannot run. */
export interface UnproducedName {
  readonly metric: string;
  readonly labels: readonly string[];
  readonly producer: string;
  readonly reason: string;
}

/** One producer's names, and what a finding calls it. */
export interface Producer {
  readonly name: string;
  readonly names: MetricNames;
}

/**
 * What is wrong with the queries: a metric no producer emits, a label its producer does not set, a legend that
 * prints a label the series lack, a LogQL stream label the log agent does not set.
 */
export function unknownNames(
  queries: ReadonlyArray<TelemetryQuery & { readonly uses: readonly MetricUse[] }>,
  producers: readonly Producer[],
  logLabels: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const labelsOf = (metric: string) => producers.filter((p) => p.names.has(metric)).map((p) => ({ producer: p.name, labels: p.names.get(metric)! }));
  for (const q of queries) {
    if (q.language === 'logql') {
      for (const label of logStreamLabels(q.expr))
        if (!logLabels.has(label)) problems.push(`${q.where}: stream label "${label}" is not one the log agent sets (${[...logLabels].join(', ')})`);
      continue;
    }
    for (const use of q.uses) {
      if (!use.metric) {
        problems.push(`${q.where}: a selector without a metric name cannot be checked: ${q.expr}`);
        continue;
      }
      const found = labelsOf(use.metric);
      if (found.length === 0) {
        problems.push(`${q.where}: no producer emits ${use.metric}`);
        continue;
      }
      for (const label of [...use.labels, ...q.legendLabels])
        if (!found.some((f) => f.labels.has(label)))
          problems.push(`${q.where}: ${use.metric} (${found.map((f) => f.producer).join(', ')}) has no label "${label}"`);
    }
  }
  return [...new Set(problems)];
}

/**
 * The stream labels Alloy gives container logs: the `target_label`s of its `discovery.relabel "<component>"` block,
 * whose targets `loki.source.kubernetes` reads (their non-`__` labels become the streams' labels).
 */
export function alloyLogLabels(config: string, component = 'pod_logs'): Set<string> {
  const start = config.indexOf(`discovery.relabel "${component}" {`);
  if (start < 0) throw new Error(`Alloy's config has no discovery.relabel "${component}" block`);
  let depth = 0;
  let end = start;
  for (let i = config.indexOf('{', start); i < config.length; i++) {
    if (config[i] === '{') depth++;
    if (config[i] === '}' && --depth === 0) {
      end = i;
      break;
    }
  }
  const labels = [...config.slice(start, end).matchAll(/target_label\s*=\s*"([^"]+)"/g)].map((m) => m[1]).filter((l) => !l.startsWith('__'));
  return new Set(labels);
}
