import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { DATASOURCE_UIDS, TRACE_ID_REGEX, TRACE_LOGS_QUERY } from '../argocd/values/grafana';
import { lgtmEndpoints } from '../argocd/values/lgtm';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { KubeObject } from '../lib/synth';
import { serviceHost, UPSTREAM_SERVICES } from '../lib/upstream';
import { toYaml } from '../lib/yaml';
import { alloyRelabelRules, HUBBLE_METRICS_PORT } from '../observability/hubble-relabel';
import { rollbackRules, SEED_ROLLBACK_CRITERIA } from '../observability/rollback-rules';
import { render, tempDir } from './helpers';
import { toolPath } from './tools';

const objects = (env: EnvironmentConfig) => render(env).files.map((f) => f.object);
const find = (env: EnvironmentConfig, kind: string, name: string) =>
  objects(env).find((o) => o.kind === kind && o.metadata.name === name) as KubeObject & { spec: any; data: any };
const values = (env: EnvironmentConfig, app: string) => find(env, 'Application', app).spec.source.helm.valuesObject;

describe('production keeps the LGTM backends outside the cluster (seed 10-1, 10-3)', () => {
  const { prod } = ENVIRONMENTS;
  const backends = prod.observability.backends;

  test('no Mimir, Loki or Tempo Application, and nothing in the whole render names their in-cluster Services', () => {
    if (backends.location !== 'external') throw new Error('prod is expected to use external backends');
    const files = render(prod).files;
    expect(files.filter((f) => f.object.kind === 'Application' && ['mimir', 'loki', 'tempo'].includes(f.object.metadata.name))).toEqual([]);
    const inCluster = [UPSTREAM_SERVICES.mimirGateway, UPSTREAM_SERVICES.lokiGateway, UPSTREAM_SERVICES.tempo].map((s) => s.name);
    const mentions = files.filter((f) => inCluster.some((name) => f.content.includes(`${name}.monitoring`)));
    expect(mentions.map((f) => f.path)).toEqual([]);
  });

  test('Grafana, the collector and Alloy point at the configured external endpoints', () => {
    if (backends.location !== 'external') throw new Error('prod is expected to use external backends');
    const ds = values(prod, 'grafana').datasources['datasources.yaml'].datasources;
    expect(Object.fromEntries(ds.map((d: any) => [d.type, d.url]))).toMatchObject({
      prometheus: `${backends.mimir}/prometheus`,
      loki: backends.loki,
      tempo: backends.tempoQuery,
    });
    const collector = YAML.parse(find(prod, 'ConfigMap', 'otel-collector').data['config.yaml']);
    expect(collector.exporters['otlphttp/mimir'].endpoint).toBe(`${backends.mimir}/otlp`);
    expect(collector.exporters['otlphttp/loki'].endpoint).toBe(`${backends.loki}/otlp`);
    expect(collector.exporters['otlp/tempo']).toMatchObject({ endpoint: backends.tempoOtlpGrpc, tls: { insecure: false } });
    const alloy: string = values(prod, 'alloy').alloy.configMap.content;
    expect(alloy).toContain(`url = "${backends.loki}/loki/api/v1/push"`);
    expect(alloy).toContain(`url = "${backends.mimir}/api/v1/push"`);
  });

  test('the rollback rules go to the external ruler: a PostSync Job posts each group, and fails on a refusal', async () => {
    const job = find(prod, 'Job', 'mimir-rules-sync');
    const env = Object.fromEntries(job.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
    expect(env.RULER_API).toBe(`${(backends as { mimir: string }).mimir}/prometheus/config/v1/rules`);
    expect((job.metadata.annotations as Record<string, string>)['argocd.argoproj.io/hook']).toBe('PostSync');
    // The Job's own script, against a stand-in for Mimir's ruler API on loopback.
    const dir = tempDir('rules-sync-');
    for (const [name, content] of Object.entries(find(prod, 'ConfigMap', 'mimir-rollback-rules').data as Record<string, string>))
      fs.writeFileSync(path.join(dir, name), content);
    const script = job.spec.template.spec.containers[0].command[2].replace(/\/rules\//g, `${dir}/`);
    const run = async (status: number) => {
      const received: Array<{ url: string; tenant: string; body: string }> = [];
      const http = await import('http');
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (c) => (body += c));
        req.on('end', () => {
          received.push({ url: req.url ?? '', tenant: String(req.headers['x-scope-orgid']), body });
          res.writeHead(status).end(status >= 300 ? 'refused' : '');
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as { port: number }).port;
      const { spawn } = await import('child_process');
      const child = spawn('sh', ['-c', script], {
        env: { ...process.env, ...env, RULER_API: `http://127.0.0.1:${port}/prometheus/config/v1/rules` },
      });
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      server.close();
      return { code, received };
    };
    const ok = await run(202);
    expect(ok.code).toBe(0);
    expect(ok.received.map((r) => [r.url, r.tenant])).toEqual(
      rollbackRules(SEED_ROLLBACK_CRITERIA).map(() => ['/prometheus/config/v1/rules/rollback', 'anonymous']),
    );
    expect(ok.received.map((r) => YAML.parse(r.body).name).sort()).toEqual(
      rollbackRules(SEED_ROLLBACK_CRITERIA)
        .map((g) => g.name)
        .sort(),
    );
    const refused = await run(500);
    expect(refused.code).not.toBe(0);
    expect(refused.received).toHaveLength(1);
  });
});

describe('LGTM values with the seed settings (section 7)', () => {
  const { dev, stg, prod } = ENVIRONMENTS;

  test('Mimir: classic write path, Kafka off, 7 days, 50,000 samples/s, 800k series', () => {
    const v = values(stg, 'mimir');
    expect(v.kafka.enabled).toBe(false);
    expect(v.mimir.structuredConfig.ingest_storage).toEqual({ enabled: false });
    expect(v.mimir.structuredConfig.ingester.push_grpc_method_enabled).toBe(true);
    expect(v.mimir.structuredConfig.limits).toEqual({
      ingestion_rate: 50000,
      max_global_series_per_user: 800000,
      compactor_blocks_retention_period: '7d',
      // OTLP names as Prometheus gives them (test/telemetry-names.test.ts proves what the dashboards read).
      otel_metric_suffixes_enabled: true,
    });
    expect(find(stg, 'Application', 'mimir').spec.source).toMatchObject({ chart: 'mimir-distributed', targetRevision: '6.0.5' });
  });

  test('Loki: single binary, TSDB v13, 25MB/s, 5,000 streams, 7 days, canary', () => {
    const v = values(dev, 'loki');
    expect(v.deploymentMode).toBe('SingleBinary');
    expect(v.loki.schemaConfig.configs[0]).toMatchObject({ store: 'tsdb', schema: 'v13' });
    expect(v.loki.limits_config).toMatchObject({ ingestion_rate_mb: 25, max_global_streams_per_user: 5000, retention_period: '168h' });
    expect(v.lokiCanary.enabled).toBe(true);
  });

  test('Tempo: filesystem, service graphs and span metrics to Mimir, 60s idle, 10MB per trace', () => {
    const v = values(dev, 'tempo').tempo;
    expect(v.storage.trace.backend).toBe('local');
    expect(v.metricsGenerator).toEqual({ enabled: true, remoteWriteUrl: lgtmEndpoints(dev).mimirPush });
    expect(v.overrides.defaults.metrics_generator.processors).toEqual(['service-graphs', 'span-metrics']);
    expect(v.ingester.trace_idle_period).toBe('60s');
    expect(v.overrides.defaults.global.max_bytes_per_trace).toBe(10485760);
  });

  test('Alloy: a DaemonSet sending container logs to Loki and node and container metrics to Mimir', () => {
    const v = values(dev, 'alloy');
    expect(v.controller.type).toBe('daemonset');
    const config: string = v.alloy.configMap.content;
    expect(config).toContain(`url = "${lgtmEndpoints(dev).lokiPush}"`);
    expect(config).toContain(`url = "${lgtmEndpoints(dev).mimirPush}"`);
    expect(config).toContain('loki.source.kubernetes "pods"');
    expect(config).toContain('prometheus.exporter.unix "node"');
    expect(config).toContain('/metrics/cadvisor');
    // Hubble's metrics: the agent on this node, through the relabel rules Prometheus runs in test/hubble-metrics.test.ts.
    // Alloy's syntax has no engine here: the blocks are checked by shape, the rules by Prometheus.
    expect(config).toContain(`regex         = "kube-system;cilium;${HUBBLE_METRICS_PORT}"`);
    expect(config).toContain(`prometheus.relabel "hubble" {\n  forward_to = [prometheus.remote_write.mimir.receiver]\n${alloyRelabelRules()}\n}`);
    expect(config).toContain('forward_to = [prometheus.relabel.hubble.receiver]');
  });

  test('Tempo\'s "Logs for this span" asks Loki for the lines that carry the trace\'s id, wherever they were logged', () => {
    const tempo = values(dev, 'grafana').datasources['datasources.yaml'].datasources.find((d: any) => d.type === 'tempo').jsonData;
    expect(tempo.tracesToLogsV2).toMatchObject({ datasourceUid: DATASOURCE_UIDS.loki, customQuery: true, query: TRACE_LOGS_QUERY });
    // Grafana expands ${__trace.traceId}; `$$` keeps its provisioning from expanding it first.
    expect(TRACE_LOGS_QUERY).toBe('{namespace=~".+"} |= "$${__trace.traceId}"');
  });

  test('Grafana: four datasources correlated as the seed describes', () => {
    const ds = values(dev, 'grafana').datasources['datasources.yaml'].datasources;
    expect(ds.map((d: any) => d.type)).toEqual(['prometheus', 'loki', 'tempo', 'alertmanager']);
    const uids = new Set(ds.map((d: any) => d.uid));
    const tempo = ds.find((d: any) => d.type === 'tempo').jsonData;
    for (const ref of [tempo.tracesToLogsV2.datasourceUid, tempo.tracesToMetrics.datasourceUid, tempo.serviceMap.datasourceUid])
      expect(uids).toContain(ref);
    const derived = ds.find((d: any) => d.type === 'loki').jsonData.derivedFields[0];
    expect(derived.matcherRegex).toBe('\\[([a-f0-9]{32}),');
    expect(derived.datasourceUid).toBe(DATASOURCE_UIDS.tempo);
    expect(new RegExp(TRACE_ID_REGEX).exec('level=info [4bf92f3577b34da6a3ce929d0e0e4736, 00f067aa0ba902b7] GET /get 200')?.[1]).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  test('in the lab, datasource URLs and collector exporters point at Services the charts create', () => {
    const hosts = new Set(Object.values(UPSTREAM_SERVICES).map(serviceHost));
    hosts.add('alertmanager.monitoring.svc');
    const urls = [
      ...values(dev, 'grafana').datasources['datasources.yaml'].datasources.map((d: any) => d.url),
      ...Object.values(lgtmEndpoints(dev)).filter((v) => typeof v === 'string'),
    ];
    const collector = YAML.parse(find(dev, 'ConfigMap', 'otel-collector').data['config.yaml']);
    urls.push(...Object.values(collector.exporters).map((e: any) => e.endpoint));
    for (const url of urls)
      expect({
        url,
        known: hosts.has(
          String(url)
            .replace(/^https?:\/\//, '')
            .split(/[:/]/)[0],
        ),
      }).toEqual({ url, known: true });
  });

  test('dashboards: grafana.com ones when online, our own from ConfigMaps always, with valid PromQL', () => {
    expect(values(dev, 'grafana').dashboards['grafana-com']).toEqual({
      'kubernetes-overview': { gnetId: 15520, revision: 2, datasource: 'Mimir' },
      'node-exporter-full': { gnetId: 1860, revision: 37, datasource: 'Mimir' },
    });
    const airGapped = { ...dev, registry: 'harbor.example.com/lab', observability: { ...dev.observability, onlineDashboards: false } };
    expect(values(airGapped, 'grafana').dashboards).toBeUndefined();
    const maps = objects(airGapped).filter((o) => o.kind === 'ConfigMap' && (o.metadata as any).labels?.grafana_dashboard === '1');
    expect(maps.map((m) => m.metadata.name).sort()).toEqual(['dashboard-platform-overview', 'dashboard-red-backend']);
    // Every panel query, checked by promtool as a recording rule expression.
    const exprs = maps.flatMap((m: any) =>
      Object.values(m.data).flatMap((json: any) => JSON.parse(json).panels.flatMap((p: any) => p.targets.map((t: any) => t.expr))),
    );
    expect(exprs.length).toBeGreaterThanOrEqual(10);
    const file = path.join(tempDir('dash-'), 'exprs.yaml');
    fs.writeFileSync(file, toYaml({ groups: [{ name: 'dashboards', rules: exprs.map((expr, i) => ({ record: `dashboard:query_${i}`, expr })) }] }));
    const result = spawnSync(toolPath('promtool'), ['check', 'rules', file], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });

  test('light mode is the smallest working set; stg scales Mimir out; prod runs the in-cluster agents in HA', () => {
    const d = values(dev, 'mimir');
    const s = values(stg, 'mimir');
    expect([d.ingester.replicas, d.distributor.replicas, d.querier.replicas, d.mimir.structuredConfig.ingester.ring.replication_factor]).toEqual([
      1, 1, 1, 1,
    ]);
    expect(d.ingester.zoneAwareReplication.enabled).toBe(false);
    expect([s.ingester.replicas, s.distributor.replicas, s.mimir.structuredConfig.ingester.ring.replication_factor]).toEqual([2, 2, 2]);
    expect(values(dev, 'loki').chunksCache.enabled).toBe(false);
    expect(find(prod, 'Deployment', 'otel-collector').spec.replicas).toBe(2);
    expect(find(prod, 'PodDisruptionBudget', 'otel-collector')).toBeDefined();
  });
});
