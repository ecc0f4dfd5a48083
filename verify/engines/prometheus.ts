import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { toYaml } from '../../lib/yaml';
import { LoopbackProcess, startLoopbackProcess } from './loopback-process';

/**
 * Prometheus as the stand-in for the Mimir ruler: Mimir, Loki and Tempo are
 * AGPL, which this project does not build. Mimir's ruler is Prometheus' rule
 * manager and PromQL engine, and Mimir's OTLP endpoint uses the same OTLP to
 * Prometheus translation as Prometheus' own OTLP receiver, so the rendered rule
 * file is evaluated as Mimir evaluates it, on series named as Mimir names them.
 * Only addresses and paths differ from the lab: the rule file as rendered, the
 * Alertmanagers on loopback.
 */

export interface RunningPrometheus extends LoopbackProcess {
  /** Where the collector's otlphttp exporter sends metrics (it appends /v1/metrics), as it does to Mimir's /otlp. */
  readonly otlpEndpoint: string;
  /** The ruler's alerts now: name, state (pending or firing) and labels. */
  readonly alerts: () => Promise<ReadonlyArray<{ name: string; state: string; labels: Record<string, string> }>>;
}

/**
 * History the ruler starts with, as the ruler would have it from earlier days: an OpenMetrics text that
 * `promtool tsdb create-blocks-from openmetrics` turns into blocks of the TSDB before Prometheus starts. It is how
 * a rule that compares with the past (the P99 against yesterday) meets a past in a run of minutes.
 */
export interface RulerHistory {
  readonly promtool: string;
  readonly openMetrics: string;
}

/**
 * How OTLP names become Prometheus names: Prometheus' own translation strategies, which Mimir shares (its
 * distributor runs the same otlptranslator). Mimir's `otel_metric_suffixes_enabled` picks between the two.
 */
export type OtlpTranslation = 'UnderscoreEscapingWithSuffixes' | 'UnderscoreEscapingWithoutSuffixes';

/**
 * The strategy a rendered Mimir config asks for: its `limits.otel_translation_strategy` where set, else
 * `limits.otel_metric_suffixes_enabled`, whose default is false (Mimir 3.0's `-distributor.otel-metric-suffixes-enabled`).
 */
export function mimirOtlpTranslation(structuredConfig: unknown): OtlpTranslation {
  const limits = ((structuredConfig as { limits?: Record<string, unknown> } | undefined)?.limits ?? {}) as Record<string, unknown>;
  const strategy = limits.otel_translation_strategy;
  if (strategy === 'UnderscoreEscapingWithSuffixes' || strategy === 'UnderscoreEscapingWithoutSuffixes') return strategy;
  if (strategy !== undefined) throw new Error(`Mimir's otel_translation_strategy ${String(strategy)} has no Prometheus stand-in here`);
  return limits.otel_metric_suffixes_enabled === true ? 'UnderscoreEscapingWithSuffixes' : 'UnderscoreEscapingWithoutSuffixes';
}

export interface RulerProps {
  readonly rules: string;
  readonly alertmanagers: readonly string[];
  readonly workDir: string;
  /** As the rendered Mimir names OTLP series (`mimirOtlpTranslation`). */
  readonly otlpTranslation: OtlpTranslation;
  readonly history?: RulerHistory;
}

export async function startRuler(binary: string, props: RulerProps): Promise<RunningPrometheus> {
  const { rules, alertmanagers, workDir, history, otlpTranslation } = props;
  fs.mkdirSync(workDir, { recursive: true });
  if (history) {
    const file = path.join(workDir, 'history.om');
    fs.writeFileSync(file, history.openMetrics);
    execFileSync(history.promtool, ['tsdb', 'create-blocks-from', 'openmetrics', file, path.join(workDir, 'data')], { stdio: 'pipe' });
  }
  fs.writeFileSync(path.join(workDir, 'rollback.yaml'), rules);
  fs.writeFileSync(
    path.join(workDir, 'prometheus.yml'),
    toYaml({
      rule_files: ['rollback.yaml'],
      otlp: { translation_strategy: otlpTranslation },
      alerting: { alertmanagers: [{ static_configs: [{ targets: alertmanagers.map((url) => new URL(url).host) }] }] },
    }),
  );
  const server = await startLoopbackProcess({
    name: 'prometheus',
    binary,
    args: (port) => [
      `--config.file=${path.join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-otlp-receiver',
      // Alerts go to Alertmanager as soon as they fire, not on the next one-minute resend.
      '--rules.alert.resend-delay=5s',
    ],
    readyPath: '/-/ready',
    readySeconds: 60,
    cwd: workDir,
  });
  return {
    ...server,
    otlpEndpoint: `${server.url}/api/v1/otlp`,
    alerts: async () => {
      const body = (await (await fetch(`${server.url}/api/v1/alerts`)).json()) as {
        data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
      };
      return body.data.alerts.map((a) => ({ name: a.labels.alertname, state: a.state, labels: a.labels }));
    },
  };
}

/** One relabel rule as Prometheus' relabel_config takes it. */
export interface PrometheusRelabelConfig {
  readonly source_labels: readonly string[];
  readonly regex: string;
  readonly target_label: string;
  readonly replacement: string;
  readonly action: string;
}

export interface RunningScraper extends LoopbackProcess {
  /** An instant PromQL query: each series' labels and value. */
  readonly query: (expr: string) => Promise<Array<{ labels: Record<string, string>; value: number }>>;
  /** Resolves once Prometheus has scraped the target `times` times, each successfully. */
  readonly scraped: (times: number, seconds: number) => Promise<void>;
  /** Where a collector's otlphttp exporter sends metrics, when the store takes OTLP. */
  readonly otlpEndpoint?: string;
}

export interface ScraperOptions {
  /** Also take OTLP, named as this strategy names it (as the rendered Mimir would, `mimirOtlpTranslation`). */
  readonly otlpTranslation?: OtlpTranslation;
}

/** The scrape job's name, which `scraped` counts by. */
const SCRAPE_JOB = 'scraped';

/**
 * Prometheus scraping one target every second, with `metricRelabelConfigs` applied to every scraped series, as an
 * agent's scrape (Alloy's `prometheus.scrape` into `prometheus.relabel`) applies them before remote write; with
 * `otlpTranslation`, it also stores what a collector sends over OTLP, as Mimir's distributor does.
 */
export async function startScraper(
  binary: string,
  target: string,
  metricRelabelConfigs: readonly PrometheusRelabelConfig[],
  workDir: string,
  options: ScraperOptions = {},
): Promise<RunningScraper> {
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(
    path.join(workDir, 'prometheus.yml'),
    toYaml({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: SCRAPE_JOB, static_configs: [{ targets: [target] }], metric_relabel_configs: metricRelabelConfigs }],
      ...(options.otlpTranslation ? { otlp: { translation_strategy: options.otlpTranslation } } : {}),
    }),
  );
  const server = await startLoopbackProcess({
    name: 'prometheus',
    binary,
    args: (port) => [
      `--config.file=${path.join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      ...(options.otlpTranslation ? ['--web.enable-otlp-receiver'] : []),
    ],
    readyPath: '/-/ready',
    readySeconds: 60,
    cwd: workDir,
  });
  const query = (expr: string) => instantQuery(server.url, expr);
  return {
    ...server,
    query,
    ...(options.otlpTranslation ? { otlpEndpoint: `${server.url}/api/v1/otlp` } : {}),
    scraped: async (times, seconds) => {
      const deadline = Date.now() + seconds * 1000;
      for (;;) {
        const [samples] = await query(`count_over_time(up{job="${SCRAPE_JOB}"}[1h])`);
        const [up] = await query(`up{job="${SCRAPE_JOB}"}`);
        if (samples && samples.value >= times && up?.value === 1) return;
        if (Date.now() > deadline)
          throw new Error(`prometheus scraped ${samples?.value ?? 0} times in ${seconds} s (up: ${up?.value}): ${server.logs().slice(-500)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}

async function apiGet<T>(url: string, what: string): Promise<T> {
  const body = (await (await fetch(url)).json()) as { status: string; error?: string; data: T };
  if (body.status !== 'success') throw new Error(`prometheus refused ${what}: ${body.error}`);
  return body.data;
}

/** An instant PromQL query on a running Prometheus: each series' labels and value. */
export async function instantQuery(url: string, expr: string): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const data = await apiGet<{ result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
    `${url}/api/v1/query?query=${encodeURIComponent(expr)}`,
    expr,
  );
  return data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
}

/** Every series a running Prometheus holds, by its labels (`__name__` included). */
export async function allSeries(url: string): Promise<Array<Record<string, string>>> {
  return apiGet<Array<Record<string, string>>>(`${url}/api/v1/series?match[]=${encodeURIComponent('{__name__=~".+"}')}`, 'the series list');
}

/** A PromQL expression as Prometheus' own parser reads it (`/api/v1/parse_query`, the tree its UI explains). */
export async function parseQuery(url: string, expr: string): Promise<PromqlNode> {
  return apiGet<PromqlNode>(`${url}/api/v1/parse_query?query=${encodeURIComponent(expr)}`, expr);
}

/** The parts of Prometheus' `translateAST` tree that name metrics and labels. */
export interface PromqlNode {
  readonly type: string;
  readonly name?: string;
  readonly matchers?: ReadonlyArray<{ readonly name: string; readonly type: string; readonly value: string }>;
  readonly grouping?: readonly string[];
  readonly without?: boolean;
  readonly matching?: { readonly labels?: readonly string[]; readonly on?: boolean; readonly include?: readonly string[] } | null;
  readonly expr?: PromqlNode;
  readonly param?: PromqlNode | null;
  readonly lhs?: PromqlNode;
  readonly rhs?: PromqlNode;
  readonly args?: readonly PromqlNode[];
}
