import { MigrationState } from '../config/migration-state';
import { plainHttpWarning, serviceOfAlert } from '../ops/receiver';
import { decideRollback } from '../ops/rollback';

/** Seed 10-3's rollback decision and the receiver's reading of an alert, without git or Alertmanager (automatic-rollback.test.ts runs both). */
const STATE: MigrationState = {
  dev: { backend: { name: 'switching', kubernetesPercent: 40 } },
  stg: { backend: { name: 'internal-check', temporaryHost: 'api-k8s' } },
  prod: { backend: { name: 'dc-retired' } },
};

describe('the rollback decision', () => {
  test('a switching service goes to rolled-back with the reason; every other entry stays as it was', () => {
    const decision = decideRollback(STATE, { env: 'dev', service: 'backend', reason: 'RollbackErrorRateHigh fired' });
    expect(decision).toEqual({
      kind: 'roll-back',
      from: 'switching 40%',
      state: { ...STATE, dev: { backend: { name: 'rolled-back', reason: 'RollbackErrorRateHigh fired' } } },
    });
  });

  test('a service that takes no Kubernetes traffic yet is already on the DC: nothing to do', () => {
    expect(decideRollback(STATE, { env: 'stg', service: 'backend', reason: 'x' })).toEqual({ kind: 'already-on-dc', stage: 'internal-check' });
  });

  test.each([
    [{ env: 'qa', service: 'backend', reason: 'x' }, "config/migration-state.json has no environment 'qa' (it has dev, stg, prod)"],
    [{ env: 'dev', service: 'frontend', reason: 'x' }, "'frontend' is not migrating in dev (config/migration-state.json lists backend)"],
    [
      { env: 'prod', service: 'backend', reason: 'x' },
      'backend in prod has no DC to go back to (its stage is dc-retired); roll the deployment back instead',
    ],
    [{ env: 'dev', service: 'backend', reason: '  ' }, 'a rollback needs a reason (--reason): the alert, or who asked'],
  ])('%j is refused: %s', (request, message) => {
    expect(() => decideRollback(STATE, request)).toThrow(message);
  });
});

describe('which service an alert names', () => {
  test.each([
    [{ alertname: 'RollbackErrorRateHigh', job: 'backend' }, 'backend'],
    // OTLP metrics in Mimir: job is service.namespace/service.name.
    [{ alertname: 'RollbackLatencyP99High', job: 'demo/backend' }, 'backend'],
    [{ alertname: 'RollbackDbConnectionPoolExhausted', service: 'backend', job: 'demo/backend-db' }, 'backend'],
    // kube-state-metrics names the pod; its Deployment is the name before the ReplicaSet and pod hashes.
    [{ alertname: 'RollbackPodCrashLooping', namespace: 'demo', pod: 'backend-7d9c6b5f4-x2k8p', container: 'httpbin' }, 'backend'],
    [{ alertname: 'RollbackPodCrashLooping', namespace: 'kong', pod: 'kong-proxy-7d9c6b5f4-x2k8p' }, undefined],
    [{ alertname: 'Watchdog' }, undefined],
  ])('%j -> %s', (labels, service) => {
    expect(serviceOfAlert(labels)).toBe(service);
  });
});

describe("the receiver's start-up warning", () => {
  test.each([
    ['127.0.0.1', false, undefined],
    ['::1', false, undefined],
    ['localhost', false, undefined],
    ['172.18.0.1', true, undefined],
    ['172.18.0.1', false, 'plain HTTP on 172.18.0.1, which other machines'],
    ['0.0.0.0', false, 'plain HTTP on 0.0.0.0, which other machines'],
  ])('%s, TLS %s: %s', (host, tls, says) => {
    const warning = plainHttpWarning(host, tls);
    if (says === undefined) expect(warning).toBeUndefined();
    else expect(warning).toContain(says);
  });
});
