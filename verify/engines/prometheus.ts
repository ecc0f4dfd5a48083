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

export async function startRuler(
  binary: string,
  rules: string,
  alertmanagers: readonly string[],
  workDir: string,
  history?: RulerHistory,
): Promise<RunningPrometheus> {
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
}

/**
 * Prometheus scraping one target every second, with `metricRelabelConfigs` applied to every scraped series, as an
 * agent's scrape (Alloy's `prometheus.scrape` into `prometheus.relabel`) applies them before remote write.
 */
export async function startScraper(
  binary: string,
  target: string,
  metricRelabelConfigs: readonly PrometheusRelabelConfig[],
  workDir: string,
): Promise<RunningScraper> {
  fs.mkdirSync(workDir, { recursive: true });
  fs.writeFileSync(
    path.join(workDir, 'prometheus.yml'),
    toYaml({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      scrape_configs: [{ job_name: 'hubble', static_configs: [{ targets: [target] }], metric_relabel_configs: metricRelabelConfigs }],
    }),
  );
  const server = await startLoopbackProcess({
    name: 'prometheus',
    binary,
    args: (port) => [
      `--config.file=${path.join(workDir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(workDir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    readyPath: '/-/ready',
    readySeconds: 60,
    cwd: workDir,
  });
  const query = async (expr: string) => {
    const response = await fetch(`${server.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
    const body = (await response.json()) as {
      status: string;
      error?: string;
      data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
    };
    if (body.status !== 'success') throw new Error(`prometheus refused ${expr}: ${body.error}`);
    return body.data.result.map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
  };
  return {
    ...server,
    query,
    scraped: async (times, seconds) => {
      const deadline = Date.now() + seconds * 1000;
      for (;;) {
        const [samples] = await query('count_over_time(up{job="hubble"}[1h])');
        const [up] = await query('up{job="hubble"}');
        if (samples && samples.value >= times && up?.value === 1) return;
        if (Date.now() > deadline)
          throw new Error(`prometheus scraped ${samples?.value ?? 0} times in ${seconds} s (up: ${up?.value}): ${server.logs().slice(-500)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
  };
}
