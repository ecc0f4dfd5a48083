import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { KubeObject } from '../lib/synth';
import { toYaml } from '../lib/yaml';
import { rollbackRules, SEED_ROLLBACK_CRITERIA } from '../observability/rollback-rules';
import { ALL_ENVS, render, ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * The rollback rules and Alertmanager's config, as promtool and amtool read them.
 * Split from observability.test.ts so that npm run test:fast, which runs the
 * settings checks, does not wait for the engines; npm test runs both.
 */
const promtool = toolPath('promtool');
const amtool = toolPath('amtool');

const objects = (env: EnvironmentConfig) => render(env).files.map((f) => f.object);
const find = (env: EnvironmentConfig, kind: string, name: string) =>
  objects(env).find((o) => o.kind === kind && o.metadata.name === name) as KubeObject & { spec: any; data: any };
const values = (env: EnvironmentConfig, app: string) => find(env, 'Application', app).spec.source.helm.valuesObject;

/** The rules as the ruler gets them: the mounted rule file in the lab, the groups posted to the external ruler in production. */
function renderedRules(env: EnvironmentConfig): string {
  const data = find(env, 'ConfigMap', 'mimir-rollback-rules').data as Record<string, string>;
  if (data['rollback.yaml']) return data['rollback.yaml'];
  return toYaml({
    groups: Object.keys(data)
      .sort()
      .map((k) => YAML.parse(data[k])),
  });
}

/** Runs promtool's rule unit tests against `rules` (the YAML the Mimir ruler loads). */
function promtoolTest(rules: string) {
  const dir = tempDir('promtool-');
  fs.writeFileSync(path.join(dir, 'rules.yaml'), rules);
  fs.copyFileSync(path.join(ROOT, 'observability/tests/rollback-rules.test.yaml'), path.join(dir, 'rollback-rules.test.yaml'));
  return spawnSync(promtool, ['test', 'rules', 'rollback-rules.test.yaml'], { cwd: dir, encoding: 'utf8' });
}

describe('rollback alert rules (seed 10-3) for the Mimir ruler', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))('%s: promtool check rules accepts the rendered rules', (_, env) => {
    const rules = renderedRules(env);
    const file = path.join(tempDir('rules-'), 'rollback.yaml');
    fs.writeFileSync(file, rules);
    const result = spawnSync(promtool, ['check', 'rules', file], { encoding: 'utf8' });
    expect(result.stdout).toContain(`SUCCESS: ${rollbackRules(SEED_ROLLBACK_CRITERIA)[0].rules.length} rules found`);
    expect(rollbackRules(SEED_ROLLBACK_CRITERIA)[0].rules.map((r) => r.alert)).toEqual([
      'RollbackErrorRateHigh',
      'RollbackLatencyP99High',
      'RollbackPodCrashLooping',
      'RollbackDbConnectionPoolExhausted',
    ]);
    expect(result.status).toBe(0);
  });

  test('promtool test rules: series over each threshold fire, series just under do not', () => {
    for (const env of ALL_ENVS) {
      const result = promtoolTest(renderedRules(env));
      expect({ env: env.name, out: result.stdout + result.stderr }).toEqual({ env: env.name, out: expect.stringContaining('SUCCESS') });
    }
    const result = promtoolTest(renderedRules(ENVIRONMENTS.prod));
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.status).toBe(0);
  });

  test.each([
    ['error threshold 10% instead of 1%', { ...SEED_ROLLBACK_CRITERIA, maxErrorRatio: 0.1 }],
    ['error threshold 0.5% (fires on the near miss)', { ...SEED_ROLLBACK_CRITERIA, maxErrorRatio: 0.005 }],
    ['latency factor 10x instead of 2x', { ...SEED_ROLLBACK_CRITERIA, maxLatencyFactor: 10 }],
    ['pool threshold 90% (fires on the 19-of-20 near miss)', { ...SEED_ROLLBACK_CRITERIA, maxPoolUsageRatio: 0.9 }],
    ['pool exhaustion for 10m instead of 2m', { ...SEED_ROLLBACK_CRITERIA, poolExhaustionFor: '10m' }],
    ['pool exhaustion without a duration (fires on a one-minute spike)', { ...SEED_ROLLBACK_CRITERIA, poolExhaustionFor: '0s' }],
  ])('the unit tests catch a wrong rule: %s', (_, criteria) => {
    const result = promtoolTest(toYaml({ groups: rollbackRules(criteria) }));
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('FAILED');
  });

  test('the ruler mounts the rules ConfigMap as the anonymous tenant and sends to our Alertmanager', () => {
    const mimir = values(ENVIRONMENTS.dev, 'mimir');
    const mount = mimir.ruler.extraVolumeMounts[0];
    const volume = mimir.ruler.extraVolumes.find((v: any) => v.name === mount.name);
    expect(find(ENVIRONMENTS.dev, 'ConfigMap', volume.configMap.name)).toBeDefined();
    expect(mount.mountPath).toBe(`${mimir.mimir.structuredConfig.ruler_storage.local.directory}/anonymous`);
    expect(mimir.mimir.structuredConfig.ruler.alertmanager_url).toBe('http://alertmanager.monitoring.svc:9093');
    expect(find(ENVIRONMENTS.dev, 'Service', 'alertmanager').spec.ports[0].port).toBe(9093);
  });
});

describe('Alertmanager (seed 7-7)', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))('%s: amtool check-config accepts the rendered config', (_, env) => {
    const file = path.join(tempDir('am-'), 'alertmanager.yml');
    fs.writeFileSync(file, find(env, 'ConfigMap', 'alertmanager').data['alertmanager.yml']);
    const result = spawnSync(amtool, ['check-config', file], { encoding: 'utf8' });
    expect(result.stdout).toContain('SUCCESS');
    expect(result.status).toBe(0);
    // The release amtool checks with, from Harbor where the environment pulls from it.
    expect(find(env, 'Deployment', 'alertmanager').spec.template.spec.containers[0].image).toBe(
      `${env.registry ?? 'docker.io'}/prom/alertmanager:v0.30.1`,
    );
  });
});
