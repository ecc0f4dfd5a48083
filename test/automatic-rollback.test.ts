import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ENVIRONMENTS } from '../config/environments';
import { readMigrationState } from '../config/migration-state';
import { RunningReceiver, startRollbackReceiver } from '../ops/receiver';
import { rollBackInClone } from '../ops/rollback';
import { onLoopback, PostedAlert, RunningAlertmanager, startAlertmanager } from '../verify/engines/alertmanager';
import { copyWorkingTree } from '../verify/engines/working-tree';
import { render, ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * Seed 10-3's automatic rollback, on the real Alertmanager with the rendered
 * config: an alert fires, Alertmanager routes it to the receiver, and the
 * receiver commits the rollback in a clone (the state file and the route synth
 * renders from it). The e2e suite carries the same commit on to Argo CD.
 */
const ENV = 'dev';

const renderedConfig = (): string => {
  const map = render(ENVIRONMENTS[ENV]).files.find((f) => f.object.kind === 'ConfigMap' && f.object.metadata.name === 'alertmanager')!;
  return (map.object as unknown as { data: Record<string, string> }).data['alertmanager.yml'];
};

/** A clone of the working tree, committed, where synth runs as in the user's clone. */
function cloneOfWorkingTree(): string {
  const clone = path.join(tempDir('rollback-clone-'), 'repo');
  copyWorkingTree(ROOT, clone);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  // The identity the receiver commits as, as its clone would have it configured.
  git('config', 'user.name', 'rollback-receiver');
  git('config', 'user.email', 'rollback-receiver@lab.local');
  git('add', '-A');
  git('commit', '-q', '-m', 'the working tree');
  return clone;
}

const ALERTS: PostedAlert[] = [
  // Over the seed's threshold for the migrating backend (the ruler's labels: job is OTLP's service.name).
  { labels: { alertname: 'RollbackErrorRateHigh', job: 'backend', severity: 'critical', action: 'rollback' } },
  // A rollback alert for a service that is not migrating: answered, never acted on.
  { labels: { alertname: 'RollbackLatencyP99High', job: 'frontend', severity: 'critical', action: 'rollback' } },
  // Not a rollback alert: Alertmanager's default route takes it, and the receiver never sees it.
  { labels: { alertname: 'HighMemory', job: 'backend', severity: 'warning' } },
];

interface Run {
  readonly clone: string;
  readonly receiver: RunningReceiver;
  readonly alertmanager: RunningAlertmanager;
  readonly log: string[];
}

async function startRun(config: (receiverUrl: string) => string): Promise<Run> {
  const clone = cloneOfWorkingTree();
  const log: string[] = [];
  const receiver = await startRollbackReceiver({
    env: ENV,
    migrating: () => Object.keys(readMigrationState(clone)[ENV] ?? {}),
    rollBack: async (service, reason) => {
      const r = rollBackInClone(clone, { env: ENV, service, reason });
      return `${r.outcome} ${r.message}`;
    },
    log: (line) => log.push(line),
  });
  const alertmanager = await startAlertmanager(toolPath('alertmanager'), config(receiver.url), tempDir('alertmanager-'));
  return { clone, receiver, alertmanager, log };
}

const commits = (clone: string) => execFileSync('git', ['log', '--format=%s'], { cwd: clone, encoding: 'utf8' }).trim().split('\n');

describe('automatic rollback (seed 10-3): the real Alertmanager routes a rollback alert to the receiver, which commits the rollback', () => {
  const runs: Run[] = [];
  afterAll(async () => {
    for (const r of runs) {
      await r.alertmanager.stop();
      await r.receiver.close();
    }
  });

  test("a firing alert for the migrating backend becomes one commit: the stage rolled-back and dev's api route at DC 100, Kubernetes 0; nothing else", async () => {
    // Two Alertmanagers side by side, so that one group_wait (30 s, as rendered) serves both: the rendered
    // config, and the seeded break, a config whose rollback route sends to the default receiver.
    const good = await startRun((url) => onLoopback(renderedConfig(), url));
    const broken = await startRun((url) => {
      const config = YAML.parse(onLoopback(renderedConfig(), url));
      config.route.routes = config.route.routes.map((r: { receiver: string }) => ({ ...r, receiver: 'default' }));
      return YAML.stringify(config);
    });
    runs.push(good, broken);
    for (const run of runs) await run.alertmanager.post(ALERTS);

    const deadline = Date.now() + 90_000;
    while (commits(good.clone).length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
    // The broken one had the same time, and a few seconds more.
    await new Promise((r) => setTimeout(r, 5000));
    for (const run of runs) await run.receiver.idle();

    expect(commits(good.clone)).toEqual(['rollback: backend in dev back to the DC (switching 100% -> 0%)', 'the working tree']);
    const files = execFileSync('git', ['show', '--name-only', '--format=', 'HEAD'], { cwd: good.clone, encoding: 'utf8' }).trim().split('\n');
    expect(files).toEqual(['config/migration-state.json', 'dist/dev/gateway/httproute-demo-api.yaml']);
    const route = YAML.parse(fs.readFileSync(path.join(good.clone, 'dist/dev/gateway/httproute-demo-api.yaml'), 'utf8'));
    expect(route.spec.rules[0].backendRefs.map((r: { name: string; weight: number }) => [r.name, r.weight])).toEqual([
      ['backend', 0],
      ['backend-dc', 100],
    ]);
    expect(readMigrationState(good.clone)[ENV].backend).toEqual({ name: 'rolled-back', reason: 'RollbackErrorRateHigh fired (Alertmanager)' });
    // The receiver saw the two rollback alerts and acted on one; the third went to the default receiver.
    expect(good.log.filter((l) => !l.includes('resolved'))).toEqual([
      expect.stringMatching(/^receiver: RollbackErrorRateHigh fired for backend in dev: committed backend in dev back to the DC/),
      'receiver: RollbackLatencyP99High for frontend in dev: not a migrating service; ignored',
    ]);
    // Without the route, nothing reaches the receiver and nothing is committed.
    expect({ commits: commits(broken.clone), log: broken.log }).toEqual({ commits: ['the working tree'], log: [] });
    process.stdout.write(
      `automatic rollback: ${ALERTS.length} alerts posted; rendered config: 1 commit (${files.join(', ')}); rollback route removed: 0 commits\n`,
    );
  }, 150_000);

  test('a second firing of the same alert finds the service on the DC already and commits nothing', async () => {
    const clone = runs[0].clone;
    const before = commits(clone);
    expect(rollBackInClone(clone, { env: ENV, service: 'backend', reason: 'again' })).toEqual({
      outcome: 'already-on-dc',
      message: 'backend in dev already sends every request to the DC (stage rolled-back); nothing to commit',
      files: [],
    });
    expect(commits(clone)).toEqual(before);
  });

  test('npm run rollback makes the same commit by hand, for another environment, and refuses a service that is not migrating', () => {
    const clone = runs[0].clone;
    const run = (...args: string[]) =>
      spawnSync(process.execPath, ['lib/run-ts.js', 'ops/scripts/rollback.ts', ...args], { cwd: clone, encoding: 'utf8' });
    const refused = run('--env', 'stg', '--service', 'frontend', '--reason', 'by hand');
    expect({ status: refused.status, stderr: refused.stderr }).toEqual({
      status: 2,
      stderr: "rollback: error: 'frontend' is not migrating in stg (config/migration-state.json lists backend)\n",
    });
    const done = run('--env', 'stg', '--service', 'backend', '--reason', 'by hand: the error budget of the week is spent');
    expect({ status: done.status, stderr: done.stderr }).toEqual({ status: 0, stderr: '' });
    expect(done.stdout).toMatch(
      /^rollback: backend in stg back to the DC \(switching 100% -> 0%\): commit [0-9a-f]{12} changes config\/migration-state.json, dist\/stg\/gateway\/httproute-demo-api.yaml\n$/,
    );
    expect(commits(clone)[0]).toBe('rollback: backend in stg back to the DC (switching 100% -> 0%)');
  });
});
