import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../config/environments';
import { checkovEnvironment, compareWithAccepted, loadAcceptedFindings, scanEnvironment } from '../verify/checks/scan';
import { manifestFiles } from '../verify/checks/schema-validation';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

const kubeScore = toolPath('kube-score');
const EXCEPTIONS = path.join(ROOT, 'security/kube-score-exceptions.yaml');
const ENVS = ENVIRONMENT_NAMES.map((name) => ENVIRONMENTS[name]);

describe('kube-score over our rendered workloads', () => {
  const findings = ENVS.flatMap((env) => scanEnvironment(kubeScore, env.name, manifestFiles(path.join(ROOT, 'dist', env.name))));
  const accepted = loadAcceptedFindings(EXCEPTIONS);

  test('has no finding that is not accepted with a reason, and no stale exception', () => {
    const { unlisted, stale } = compareWithAccepted(findings, accepted, ENVS);
    expect(unlisted).toEqual([]);
    expect(stale).toEqual([]);
  });

  test('fixed, not excepted: ephemeral storage, host anti-affinity, PDB, resources, security context', () => {
    const checks = new Set(findings.map((f) => f.check));
    for (const fixed of [
      'container-ephemeral-storage-request-and-limit',
      'deployment-has-host-podantiaffinity',
      'deployment-has-poddisruptionbudget',
      'container-resources',
      'container-security-context-user-group-id',
      'container-security-context-readonlyrootfilesystem',
      'container-security-context-privileged',
    ]) {
      expect(checks.has(fixed)).toBe(false);
    }
    // Every pod has a policy, but the lab's backend, whose policies the reader applies (security.backendPolicies).
    const synced = new Set(ENVS.filter((e) => e.security.backendPolicies.appliedBy === 'argocd').map((e) => e.name));
    expect(synced.size).toBeGreaterThan(0);
    expect(findings.filter((f) => f.check === 'pod-networkpolicy' && synced.has(f.env))).toEqual([]);
    expect(findings.filter((f) => f.env === 'prod' && f.check === 'container-image-tag')).toEqual([]);
  });

  test('a new finding is reported as new', () => {
    const dir = tempDir('scan-');
    const deployment = YAML.parse(fs.readFileSync(path.join(ROOT, 'dist/prod/demo/deployment-frontend.yaml'), 'utf8'));
    delete deployment.spec.template.spec.containers[0].resources.limits;
    deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    fs.writeFileSync(path.join(dir, 'frontend.yaml'), YAML.stringify(deployment));
    const { unlisted } = compareWithAccepted(scanEnvironment(kubeScore, 'prod', [path.join(dir, 'frontend.yaml')]), accepted, [ENVIRONMENTS.prod]);
    expect(unlisted.map((f) => `${f.object} ${f.check}`).sort()).toEqual([
      'Deployment demo/frontend container-ephemeral-storage-request-and-limit',
      'Deployment demo/frontend container-resources',
      'Deployment demo/frontend container-security-context-readonlyrootfilesystem',
      // Scanned alone, without the namespace's NetworkPolicies: no longer excepted, since dist/ isolates every pod.
      'Deployment demo/frontend pod-networkpolicy',
    ]);
  });

  test('an exception without a real reason is refused', () => {
    const file = path.join(tempDir('exc-'), 'x.yaml');
    fs.writeFileSync(file, YAML.stringify([{ check: 'pod-networkpolicy', object: 'Deployment demo/backend', reason: 'ok' }]));
    expect(() => loadAcceptedFindings(file)).toThrow(/needs check, object and a real reason/);
  });

  test('an exception holds where its setting does: a floating tag accepted in the lab is a finding in prod, and a misspelled setting is an error', () => {
    const finding = { env: 'prod', check: 'container-image-tag', object: 'Deployment demo/backend', summary: 'Image with latest tag' };
    const accepted = [
      {
        check: 'container-image-tag',
        object: 'Deployment demo/backend',
        when: '!pinnedImagesOnly',
        reason: 'floating tags are the lab default on purpose',
      },
    ];
    expect(compareWithAccepted([finding], accepted, [ENVIRONMENTS.prod]).unlisted).toEqual([finding]);
    expect(compareWithAccepted([{ ...finding, env: 'dev' }], accepted, [ENVIRONMENTS.dev]).unlisted).toEqual([]);
    expect(() => compareWithAccepted([finding], [{ ...accepted[0], when: 'pinnedImages' }], [ENVIRONMENTS.prod])).toThrow(
      'when: pinnedImages is not a setting of EnvironmentConfig',
    );
  });

  test('npm run scan refuses an unknown environment with one line and exit 2', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/scan.ts', '--env', 'nope'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect([result.status, result.stderr.trim().split('\n').length, result.stdout]).toEqual([2, 1, '']);
    expect(result.stderr).toContain("scan: error: --env 'nope' is not one of");
  });
});

describe('checkov over our rendered objects (security/checkov-exceptions.yaml)', () => {
  const checkov = toolPath('checkov');
  const CHECKOV_EXCEPTIONS = path.join(ROOT, 'security/checkov-exceptions.yaml');
  const findings = ENVS.flatMap((env) => checkovEnvironment(checkov, env.name, path.join(ROOT, 'dist', env.name)));
  const accepted = loadAcceptedFindings(CHECKOV_EXCEPTIONS);

  test('has no finding that is not accepted with a reason, and no stale exception', () => {
    expect(findings.length).toBeGreaterThan(0);
    const { unlisted, stale } = compareWithAccepted(findings, accepted, ENVS);
    expect(unlisted).toEqual([]);
    expect(stale).toEqual([]);
  });

  test('fixed, not excepted: every pod is selected by a NetworkPolicy (CKV2_K8S_6), tags are pinned in prod (CKV_K8S_14)', () => {
    expect(findings.filter((f) => f.check === 'CKV2_K8S_6')).toEqual([]);
    expect(findings.filter((f) => f.env === 'prod' && f.check === 'CKV_K8S_14')).toEqual([]);
  });

  test('without the namespace isolation, checkov finds the pods no NetworkPolicy selects', () => {
    const dir = tempDir('checkov-');
    fs.cpSync(path.join(ROOT, 'dist', 'prod'), dir, { recursive: true });
    fs.rmSync(path.join(dir, 'demo-isolation'), { recursive: true });
    fs.rmSync(path.join(dir, 'monitoring-isolation'), { recursive: true });
    // checkov matches a NetworkPolicy's podSelector without its namespace: argocd's default deny (`podSelector: {}`)
    // would count for every pod of every namespace, so it goes too.
    fs.rmSync(path.join(dir, 'argocd-isolation'), { recursive: true });
    const { unlisted } = compareWithAccepted(checkovEnvironment(checkov, 'prod', dir), accepted, [ENVIRONMENTS.prod]);
    expect([...new Set(unlisted.map((f) => f.check))]).toEqual(['CKV2_K8S_6']);
    expect(unlisted.map((f) => f.object)).toEqual(
      expect.arrayContaining(['Pod demo/backend', 'Pod demo/frontend', 'Pod monitoring/otel-collector', 'Pod monitoring/alertmanager']),
    );
  });
});

describe('npm run scan', () => {
  test('one environment alone passes: an entry for an object the environment does not render (the lab load generator in prod) is not stale there', () => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/scan.ts', '--env', 'prod'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/scan: kube-score found \d+ finding\(s\) in prod; \d+ accepted, 0 new, 0 stale exception\(s\)/);
    expect(result.stdout).toMatch(/scan: checkov found \d+ finding\(s\) in prod; \d+ accepted, 0 new, 0 stale exception\(s\)/);
    expect(result.status).toBe(0);
  });
});
