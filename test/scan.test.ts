import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { compareWithAccepted, loadAcceptedFindings, scanEnvironment } from '../lib/scan';
import { manifestFiles } from '../lib/schema-validation';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

const kubeScore = toolPath('kube-score');
const EXCEPTIONS = path.join(ROOT, 'security/kube-score-exceptions.yaml');
const ENVS = ['dev', 'stg', 'prod'];

describe('kube-score over our rendered workloads', () => {
  const findings = ENVS.flatMap((env) => scanEnvironment(kubeScore, env, manifestFiles(path.join(ROOT, 'dist', env))));
  const accepted = loadAcceptedFindings(EXCEPTIONS);

  test('has no finding that is not accepted with a reason, and no stale exception', () => {
    const { unlisted, stale } = compareWithAccepted(findings, accepted, ENVS);
    expect(unlisted).toEqual([]);
    expect(stale).toEqual([]);
  });

  test('fixed, not excepted: ephemeral storage, host anti-affinity, PDB, resources, security context', () => {
    const checks = new Set(findings.map((f) => f.check));
    for (const fixed of ['container-ephemeral-storage-request-and-limit', 'deployment-has-host-podantiaffinity', 'deployment-has-poddisruptionbudget', 'container-resources', 'container-security-context-user-group-id', 'container-security-context-readonlyrootfilesystem', 'container-security-context-privileged']) {
      expect(checks.has(fixed)).toBe(false);
    }
    expect(findings.filter((f) => f.env === 'prod' && f.check === 'container-image-tag')).toEqual([]);
  });

  test('a new finding is reported as new', () => {
    const dir = tempDir('scan-');
    const deployment = YAML.parse(fs.readFileSync(path.join(ROOT, 'dist/prod/demo/deployment-frontend.yaml'), 'utf8'));
    delete deployment.spec.template.spec.containers[0].resources.limits;
    deployment.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
    fs.writeFileSync(path.join(dir, 'frontend.yaml'), YAML.stringify(deployment));
    const { unlisted } = compareWithAccepted(scanEnvironment(kubeScore, 'prod', [path.join(dir, 'frontend.yaml')]), accepted, ['prod']);
    expect(unlisted.map((f) => `${f.object} ${f.check}`).sort()).toEqual([
      'Deployment demo/frontend container-ephemeral-storage-request-and-limit',
      'Deployment demo/frontend container-resources',
      'Deployment demo/frontend container-security-context-readonlyrootfilesystem',
    ]);
  });

  test('an exception without a real reason is refused', () => {
    const file = path.join(tempDir('exc-'), 'x.yaml');
    fs.writeFileSync(file, YAML.stringify([{ check: 'pod-networkpolicy', object: 'Deployment demo/backend', reason: 'ok' }]));
    expect(() => loadAcceptedFindings(file)).toThrow(/needs check, object and a real reason/);
  });
});
