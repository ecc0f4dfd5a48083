import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { projectOf } from '../charts/fleet';
import { FleetCluster } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { IMAGE_TAGS } from '../config/versions';
import { commitAll, FleetLab, GeneratedApp } from '../verify/engines/fleet';
import { freePort } from '../verify/engines/control-plane';
import { ROOT } from './helpers';

/**
 * One Argo CD running the fleet (issue: beyond one cluster), on the real engines: the management
 * control plane runs the pinned Argo CD's repo-server, application controller and ApplicationSet
 * controller; stg and prod are kwok control planes of their own. The ApplicationSet and the
 * AppProjects are the Fleet component's render; the spokes sync the management environment's
 * `fleet.components` (namespaces, platform, demo) of their own dist/<env>/. Before it starts, the
 * clone's head moves the demo backend to a new tag and promotes it to stg, so stg is one release
 * ahead of prod. The fleet table goes to .build/reports/fleet.md.
 */
const NEXT_HTTPBIN = 'v2.20.0';
const LATER_HTTPBIN = 'v2.21.0';
const log = (line: string) => process.stderr.write(`${line}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let lab: FleetLab;
let registered: FleetCluster[] = [];
const rows: string[] = [];

const byName = async (name: string) => (await lab.applications()).find((a) => a.name === name);
const syncedHealthy = (revision?: string) => async (name: string) => {
  const app = await byName(name);
  return app && app.sync === 'Synced' && app.health === 'Healthy' && (!revision || app.revision === revision) ? app : undefined;
};
const spoke = (environment: string) => lab.spokes.find((s) => s.cluster.environment === environment)!;
const backendImage = async (environment: string): Promise<string> =>
  (await spoke(environment).cp.client.get('apps/v1', 'Deployment', 'backend', 'demo')).body?.spec?.template?.spec?.containers?.[0]?.image;
/**
 * Every object of the synced components on a spoke, by what a sync writes: its labels, annotations, spec and data.
 * Not its resourceVersion, which the spoke's own controllers move (the quota's usage, a Deployment's status).
 */
const spokeVersions = async (environment: string): Promise<Record<string, string>> => {
  const client = spoke(environment).cp.client;
  const out: Record<string, string> = {};
  for (const [apiVersion, kind, namespace] of [
    ['v1', 'Namespace', undefined],
    ['apps/v1', 'Deployment', 'demo'],
    ['v1', 'Service', 'demo'],
    ['v1', 'ResourceQuota', 'demo'],
    ['v1', 'LimitRange', 'demo'],
    ['scheduling.k8s.io/v1', 'PriorityClass', undefined],
  ] as const)
    for (const o of (await client.list(apiVersion, kind, namespace)).body.items as any[])
      out[`${kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`] = JSON.stringify({
        labels: o.metadata.labels,
        annotations: o.metadata.annotations,
        spec: o.spec,
        value: o.value,
      });
  return out;
};
const setHeadHttpbin = (work: string, from: string, to: string) => {
  const file = path.join(work, 'config', 'versions.ts');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(`httpbin: '${from}'`, `httpbin: '${to}'`));
};
const record = (app: GeneratedApp, seconds: number, what: string) =>
  rows.push(`| ${app.name} | ${what} | ${app.resources} | ${app.sync}/${app.health} | ${seconds.toFixed(1)} s |`);

beforeAll(async () => {
  lab = await FleetLab.start({
    spokeEnvironments: ['stg', 'prod'],
    log,
    prepare: (work) => {
      // Renovate moves the head; dev runs it at once, and stg gets it by promotion. prod is one release behind.
      setHeadHttpbin(work, IMAGE_TAGS.httpbin, NEXT_HTTPBIN);
      const run = (...args: string[]) => execFileSync(process.execPath, [path.join(work, 'lib', 'run-ts.js'), ...args], { cwd: work, stdio: 'pipe' });
      run('main.ts');
      // Promotion copies what git holds: Renovate's change is a commit first.
      commitAll(work, `renovate: httpbin ${NEXT_HTTPBIN}`);
      run('ops/scripts/promote.ts', '--from', 'dev', '--to', 'stg');
    },
  });
  registered = lab.spokes.map((s) => s.cluster);
}, 300_000);

afterAll(async () => {
  await lab?.stop();
  fs.mkdirSync(path.join(ROOT, '.build', 'reports'), { recursive: true });
  fs.writeFileSync(
    path.join(ROOT, '.build', 'reports', 'fleet.md'),
    ['| spoke | step | resources | sync/health | time |', '|---|---|---|---|---|', ...rows, ''].join('\n'),
  );
}, 60_000);

describe('one Argo CD, many clusters: the ApplicationSet on the real controller, kwok spokes', () => {
  test('the ApplicationSet creates one Application per registered cluster, and each spoke reaches Synced and Healthy', async () => {
    const start = Date.now();
    await lab.applyFleet(registered);
    for (const cluster of registered) {
      // Every object of the fleet's components in the cluster's own dist/ folder, and nothing else.
      const expected = ENVIRONMENTS.dev.fleet!.components.reduce(
        (n, component) => n + fs.readdirSync(path.join(lab.work, 'dist', cluster.environment, component)).length,
        0,
      );
      const app = await lab.waitFor(
        `${cluster.name} Synced and Healthy with its ${expected} objects`,
        async () => {
          const synced = await syncedHealthy()(cluster.name);
          return synced?.resources === expected ? synced : undefined;
        },
        240,
      );
      record(app, (Date.now() - start) / 1000, `created by the ApplicationSet (${cluster.environment})`);
    }
    expect((await lab.applications()).map((a) => a.name)).toEqual(registered.map((c) => c.name).sort());
    expect(await backendImage('stg')).toMatch(new RegExp(`:${NEXT_HTTPBIN}$`));
    expect(await backendImage('prod')).toMatch(new RegExp(`:${IMAGE_TAGS.httpbin}$`));
  }, 300_000);

  test("an AppProject allows only its own cluster: pointed at another server, the cluster's Application is refused", async () => {
    const prod = registered.find((c) => c.environment === 'prod')!;
    const other = `https://127.0.0.1:${await freePort()}`;
    const project = lab.renderFleet(registered).find((o) => o.kind === 'AppProject' && o.metadata.name === projectOf(prod.name))!;
    const spec = project.spec as { destinations: Array<{ server: string }> };
    await lab.apply({ ...project, spec: { ...spec, destinations: spec.destinations.map((d) => ({ ...d, server: other })) } }, 'argocd-controller');
    await lab.refresh([prod.name]);
    const refused = await lab.waitFor(
      `${prod.name} refused by its project`,
      async () => {
        const app = await byName(prod.name);
        return app && /do not match any of the allowed destinations in project/.test(app.message ?? '') ? app : undefined;
      },
      120,
    );
    expect(refused.message).toMatch(new RegExp(`do not match any of the allowed destinations in project '${projectOf(prod.name)}'`));
    await lab.applyFleet(registered);
    await lab.refresh([prod.name]);
    await lab.waitFor(`${prod.name} Synced and Healthy again`, () => syncedHealthy()(prod.name), 120);
  }, 300_000);

  test('a promotion commit (stg -> prod) changes only the prod spoke', async () => {
    const stgBefore = await spokeVersions('stg');
    const start = Date.now();
    lab.run('ops/scripts/promote.ts', '--from', 'stg', '--to', 'prod');
    const revision = lab.commit('promote: stg to prod');
    await lab.refresh(registered.map((c) => c.name));
    for (const cluster of registered) {
      const app = await lab.waitFor(
        `${cluster.name} Synced and Healthy at ${revision.slice(0, 8)}`,
        () => syncedHealthy(revision)(cluster.name),
        240,
      );
      record(app, (Date.now() - start) / 1000, 'after the promotion commit');
    }
    await lab.waitFor(
      'the prod spoke on the promoted tag',
      async () => ((await backendImage('prod')).endsWith(`:${NEXT_HTTPBIN}`) ? true : undefined),
      120,
    );
    expect(await spokeVersions('stg')).toEqual(stgBefore);
  }, 300_000);

  test('removing a cluster entry removes its Application (its workloads stay); adding it back creates it', async () => {
    const [stg, prod] = [registered.find((c) => c.environment === 'stg')!, registered.find((c) => c.environment === 'prod')!];
    let start = Date.now();
    await lab.applyFleet([prod]);
    await lab.waitFor(`${stg.name}'s Application removed`, async () => ((await byName(stg.name)) ? undefined : true), 120);
    rows.push(`| ${stg.name} | entry removed: Application gone | - | - | ${((Date.now() - start) / 1000).toFixed(1)} s |`);
    expect((await lab.applications()).map((a) => a.name)).toEqual([prod.name]);
    expect(await backendImage('stg')).toMatch(new RegExp(`:${NEXT_HTTPBIN}$`));
    start = Date.now();
    await lab.applyFleet(registered);
    const back = await lab.waitFor(`${stg.name} created again`, () => syncedHealthy()(stg.name), 240);
    record(back, (Date.now() - start) / 1000, 'entry added back');
  }, 300_000);

  test('a spoke that is down does not block the other', async () => {
    const [stg, prod] = [spoke('stg'), spoke('prod')];
    await stg.cp.stop();
    const start = Date.now();
    setHeadHttpbin(lab.work, NEXT_HTTPBIN, LATER_HTTPBIN);
    lab.run('main.ts');
    // Promotion copies what git holds: the head's change is a commit first.
    lab.commit(`renovate: httpbin ${LATER_HTTPBIN}`);
    lab.run('ops/scripts/promote.ts', '--from', 'dev', '--to', 'stg');
    // Each promotion is its own change (npm run promote refuses an uncommitted config/releases.json).
    lab.commit(`promote: dev to stg (httpbin ${LATER_HTTPBIN})`);
    lab.run('ops/scripts/promote.ts', '--from', 'stg', '--to', 'prod');
    const revision = lab.commit(`promote: stg to prod (httpbin ${LATER_HTTPBIN})`);
    await lab.refresh(registered.map((c) => c.name));
    const app = await lab.waitFor(
      `${prod.cluster.name} Synced and Healthy while ${stg.cluster.name} is down`,
      () => syncedHealthy(revision)(prod.cluster.name),
      240,
    );
    record(app, (Date.now() - start) / 1000, `synced while ${stg.cluster.name} is down`);
    expect(await backendImage('prod')).toMatch(new RegExp(`:${LATER_HTTPBIN}$`));
    const down = (await byName(stg.cluster.name))!;
    rows.push(`| ${down.name} | down | - | ${down.sync || '-'}/${down.health || '-'} | - |`);
    expect(down.sync === 'Synced' && down.revision === revision).toBe(false);
  }, 300_000);

  test('50 registered clusters: the ApplicationSet controller generates all 50 Applications (time and memory)', async () => {
    const before = lab.memory();
    const controllerBefore = lab.memory('argocd-application-controller');
    // Endpoints nothing listens on: generation reads the Secrets only, and the application controller fails fast.
    const fleet: FleetCluster[] = [];
    for (let i = 1; i <= 50; i++) {
      const cluster = {
        name: `scale-${String(i).padStart(2, '0')}`,
        environment: i % 2 ? 'stg' : 'prod',
        server: `https://127.0.0.1:${await freePort()}`,
      };
      fleet.push(cluster);
      await lab.registerCredentials(cluster.name, cluster.server);
    }
    const start = Date.now();
    await lab.applyFleet([...registered, ...fleet]);
    await lab.waitFor(
      '50 more Applications',
      async () => ((await lab.applications()).filter((a) => a.name.startsWith('scale-')).length === 50 ? true : undefined),
      300,
    );
    const seconds = (Date.now() - start) / 1000;
    const after = lab.memory();
    // The application controller then tries each new cluster; its memory is what grows with a fleet.
    await sleep(10_000);
    const controllerAfter = lab.memory('argocd-application-controller');
    rows.push(
      `| 50 clusters | generated | - | - | ${seconds.toFixed(1)} s; ApplicationSet controller RSS ${before.rssMib.toFixed(0)} -> ${after.rssMib.toFixed(0)} MiB (peak ${after.peakMib.toFixed(0)} MiB); application controller RSS ${controllerBefore.rssMib.toFixed(0)} -> ${controllerAfter.rssMib.toFixed(0)} MiB 10 s later |`,
    );
    log(`fleet: 50 Applications generated in ${seconds.toFixed(1)} s; ${rows[rows.length - 1]}`);
    await lab.applyFleet(registered);
    await lab.waitFor(
      'the 50 Applications removed',
      async () => ((await lab.applications()).some((a) => a.name.startsWith('scale-')) ? undefined : true),
      300,
    );
  }, 600_000);
});
