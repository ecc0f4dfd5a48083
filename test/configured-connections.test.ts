import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { lgtmInCluster } from '../argocd/values/lgtm';
import { ENVIRONMENTS } from '../config/environments';
import { KubeObject } from '../lib/synth';
import { CONNECTION_EXCEPTIONS } from '../verify/checks/connection-exceptions';
import { connectionReport, judgeConfiguredConnections, JudgedConnection, refusedConnections } from '../verify/checks/configured-connections';
import { SEED_2_1_POLICY } from '../verify/exercises/seed-manifests';
import { renderedCluster, RenderedCluster } from '../verify/engines/rendered-cluster';
import { ALL_ENVS, render, ROOT } from './helpers';
import { toolPath } from './tools';

/**
 * Every connection a workload is configured to make, read from the render and the charts as Helm renders them
 * (verify/checks/configured-connections.ts), judged by Cilium's own policy engine behind the mesh's rule, in every
 * environment: a refused one fails unless the reviewed table (verify/checks/connection-exceptions.ts) names it.
 * The report is written to .build/reports/connections-<env>.md.
 */
const harness = toolPath('cilium-policy');
const helm = toolPath('helm');
const REPORTS = path.join(ROOT, '.build', 'reports');
const usedExceptions = new Set<string>();

const withObjects = (cluster: RenderedCluster, change: (objects: readonly KubeObject[]) => KubeObject[]): RenderedCluster => ({
  ...cluster,
  objects: change(cluster.objects),
});

/** The ConfigMap with one data key's text changed, the rest of the cluster as rendered. */
const editConfig = (cluster: RenderedCluster, name: string, key: string, edit: (text: string) => string) =>
  withObjects(cluster, (objects) =>
    objects.map((o) => {
      if (o.kind !== 'ConfigMap' || o.metadata.name !== name) return o;
      const data = (o as unknown as { data: Record<string, string> }).data;
      return { ...o, data: { ...data, [key]: edit(data[key]) } } as KubeObject;
    }),
  );

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s: the connections the render configures', (name, env) => {
  const cluster = renderedCluster(render(env), helm);
  let judged: JudgedConnection[] = [];
  const callers = () => new Set(judged.map((j) => j.connection.from.name));

  test("each is allowed by Cilium's engine and the mesh, or a reviewed exception names it", () => {
    judged = judgeConfiguredConnections(harness, name, cluster);
    fs.mkdirSync(REPORTS, { recursive: true });
    fs.writeFileSync(path.join(REPORTS, `connections-${name}.md`), connectionReport(name, judged));
    for (const j of judged) if (j.exception) usedExceptions.add(j.exception.why);
    expect(refusedConnections(judged)).toEqual([]);
    expect(judged.filter((j) => j.verdict.allowed).length).toBeGreaterThan(20);
  });

  test("they include the collector's exporters, Grafana's datasources, Alertmanager's webhook, the load generator's calls, Kong's routes, the API server's webhooks and Argo CD's sources", () => {
    const expected = [
      'deployment/otel-collector (monitoring)',
      'deployment/grafana (monitoring)',
      'deployment/alertmanager (monitoring)',
      'deployment/argocd-repo-server (argocd)',
      'kube-apiserver',
      'a client outside the cluster',
      ...(env.demo.loadGenerator.enabled ? ['job/load-generator (demo)'] : []),
    ];
    expect(expected.filter((caller) => !callers().has(caller))).toEqual([]);
    const sources = new Set(judged.map((j) => j.connection.source));
    expect([...sources].sort()).toEqual(['config', 'env', 'repository', 'route', 'webhook', ...(sources.has('args') ? ['args'] : [])].sort());
  });

  if (env.observability.onlineDashboards)
    test("seeded break: without Grafana's egress to grafana.com, its download-dashboards init container is refused, and Cilium says by whom", () => {
      const rule = (o: KubeObject) => o.kind === 'NetworkPolicy' && o.metadata.name === 'grafana-to-grafana-com';
      expect(cluster.objects.filter(rule)).toHaveLength(1);
      const broken = withObjects(cluster, (objects) => objects.filter((o) => !rule(o)));
      expect(refusedConnections(judgeConfiguredConnections(harness, name, broken))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^deployment\/grafana \(monitoring\) calls https:\/\/grafana\.com\/api\/dashboards\/15520\/.* \(Deployment monitoring\/grafana reads ConfigMap monitoring\/grafana download_dashboards\.sh\): .*denied \(source's egress\)$/,
          ),
        ]),
      );
    });

  test("seeded break: a wrong port in Grafana's Loki datasource fails with one line naming Grafana, the URL and why", () => {
    const broken = editConfig(cluster, 'grafana', 'datasources.yaml', (text) => text.replace(/(loki-gateway\.monitoring\.svc):80\b/, '$1:3101'));
    const lines = refusedConnections(judgeConfiguredConnections(harness, name, broken));
    if (lgtmInCluster(env))
      expect(lines).toEqual([
        'deployment/grafana (monitoring) calls http://loki-gateway.monitoring.svc:3101 (Deployment monitoring/grafana reads ConfigMap monitoring/grafana datasources.yaml): unresolved: monitoring/loki-gateway has no port 3101',
      ]);
    else expect(lines).toEqual([]);
  });
});

describe("seed 11-2 and 11-4: the demo-app chart as `helm install demo-app lab/03-argocd/apps/demo-app/ -n demo-helm` renders it, in the Kind lab after seed 2-1's policy", () => {
  const env = ENVIRONMENTS.dev;
  const cluster = renderedCluster(render(env), helm);
  const release = (chartDir: string): KubeObject[] => {
    const run = spawnSync(helm, ['template', 'demo-app', chartDir, '-n', 'demo-helm'], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`helm template ${chartDir}: ${run.stderr.trim()}`);
    return YAML.parseAllDocuments(run.stdout)
      .map((d) => d.toJSON() as KubeObject)
      .filter(Boolean);
  };
  const afterSeedPolicy = (objects: readonly KubeObject[]): RenderedCluster => {
    const namespaces = new Map(cluster.namespaces);
    if (!namespaces.has('demo-helm')) namespaces.set('demo-helm', {});
    return { ...cluster, namespaces, objects: [...cluster.objects, SEED_2_1_POLICY as unknown as KubeObject, ...objects] };
  };
  const hookCalls = (judged: readonly JudgedConnection[]) => judged.filter((j) => j.connection.from.name === 'job/load-generator (demo-helm)');

  test("the release's PostSync hook calls its own backend and the Gateway, and Cilium's engine allows both", () => {
    const judged = judgeConfiguredConnections(harness, env.name, afterSeedPolicy(release(path.join(ROOT, 'lab/03-argocd/apps/demo-app'))));
    expect(hookCalls(judged).map((j) => [j.connection.url, j.verdict.allowed])).toEqual([
      ['http://backend.demo-helm.svc:80/get', true],
      ['http://kong-gateway-proxy.kong.svc:80/get', true],
    ]);
    expect(refusedConnections(hookCalls(judged))).toEqual([]);
  });

  test("seeded break: the hook calling the platform's backend (as the chart did before) is refused by seed 2-1's policy, as on a lab", () => {
    const chart = fs.mkdtempSync(path.join(ROOT, '.build', 'demo-app-'));
    try {
      fs.cpSync(path.join(ROOT, 'lab/03-argocd/apps/demo-app'), chart, { recursive: true });
      const job = path.join(chart, 'templates/load-generator-job.yaml');
      fs.writeFileSync(job, fs.readFileSync(job, 'utf8').replace('http://backend.{{ .Release.Namespace }}.svc', 'http://backend.demo.svc'));
      const lines = refusedConnections(hookCalls(judgeConfiguredConnections(harness, env.name, afterSeedPolicy(release(chart)))));
      expect(lines).toEqual([
        expect.stringMatching(
          /^job\/load-generator \(demo-helm\) calls http:\/\/backend\.demo\.svc:80\/get \(Job demo-helm\/load-generator container load-generator env EAST_WEST_URL\): .*denied \(destination's ingress\)/,
        ),
      ]);
    } finally {
      fs.rmSync(chart, { recursive: true, force: true });
    }
  });
});

test('every reviewed exception covers a refused connection of some environment: none outlives its reason', () => {
  // Runs after the environments above (jest runs a file's tests in order); on a filtered run it finds nothing to check.
  if (usedExceptions.size === 0) return;
  expect(CONNECTION_EXCEPTIONS.map((e) => e.why).filter((why) => !usedExceptions.has(why))).toEqual([]);
});
