import * as fs from 'fs';
import * as path from 'path';
import { GuardedConstraint } from '../charts/api-server-guardrail';
import { guardrailObjects, guardrailParity, ParityRow, parityCases, parityTable } from '../verify/checks/guardrail-parity';
import { ControlPlane, isAlive, kindNodes, startControlPlane } from '../verify/engines/control-plane';
import { KubeObject } from '../lib/synth';
import { PolicyTemplate, POLICY_TEMPLATES } from '../policies/templates';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * Each Gatekeeper guardrail in both engines, with the same answers: every case of the gator suites
 * (policies/tests: the seed's 6-1 pods and the hidden cases: privileged, root, no labels, no limits, a registry
 * outside the allowed one, exempt namespaces) through `gator` on the Rego template, and through a real
 * Kubernetes 1.35 API server enforcing the CEL rule as the ValidatingAdmissionPolicy and binding that
 * charts/api-server-guardrail.ts renders, with nothing serving Gatekeeper's webhook. Verdict and every message
 * must agree. The table is written to .build/reports/guardrail-parity.md.
 */
const gator = toolPath('gator');
const CASES = parityCases(path.join(ROOT, 'policies/tests'));

let cp: ControlPlane;
let rows: ParityRow[] = [];

beforeAll(async () => {
  cp = await startControlPlane({ nodes: kindNodes('guardrails', 1) });
  await cp.client.discover();
}, 180_000);

afterAll(async () => {
  const pids = cp?.processes.map((p) => p.pid) ?? [];
  await cp?.stop();
  expect(pids.filter(isAlive)).toEqual([]);
}, 60_000);

test('every case of every gator suite gets the same verdict and messages from gator (Rego) and the API server (CEL)', async () => {
  rows = await guardrailParity(gator, cp.client, CASES, tempDir('guardrail-parity-'));
  fs.mkdirSync(path.join(ROOT, '.build', 'reports'), { recursive: true });
  fs.writeFileSync(path.join(ROOT, '.build', 'reports', 'guardrail-parity.md'), parityTable(rows));
  expect(rows.filter((r) => !r.agree).map((r) => `${r.case.suite}/${r.case.fixture}`)).toEqual([]);
  expect(rows).toHaveLength(CASES.length);
  // Both answers occur, from every template.
  for (const suite of new Set(CASES.map((c) => c.suite))) {
    const ofSuite = rows.filter((r) => r.case.suite === suite);
    expect({ suite, admitted: ofSuite.some((r) => r.apiServer.admitted), denied: ofSuite.some((r) => !r.apiServer.admitted) }).toEqual({
      suite,
      admitted: true,
      denied: true,
    });
  }
}, 300_000);

test('the seed\u2019s messages come from the API server word for word, several violations in one message', () => {
  const noLabels = rows.find((r) => r.case.suite === 'k8srequirelabels' && r.case.fixture === 'pod-without-labels-is-denied-once-per-label');
  expect(noLabels?.apiServer).toEqual({
    admitted: false,
    messages: ["필수 라벨 'app'이(가) 없습니다.", "필수 라벨 'env'이(가) 없습니다.", "필수 라벨 'team'이(가) 없습니다."],
  });
});

test('seeded break: a CEL rule that drifts from its Rego (an empty label value counted as present) is found', async () => {
  const drifted = (template: PolicyTemplate, constraint: GuardedConstraint): KubeObject[] =>
    guardrailObjects(template, constraint).map((o) => {
      if (o.kind !== 'ValidatingAdmissionPolicy') return o;
      const spec = o.spec as { variables: Array<{ name: string; expression: string }> };
      const variables = spec.variables.map((v) => ({ ...v, expression: v.expression.replace(' || object.metadata.labels[l] == ""', '') }));
      expect(variables).not.toEqual(spec.variables);
      return { ...o, spec: { ...spec, variables } } as KubeObject;
    });
  const labelCases = CASES.filter((c) => c.suite === POLICY_TEMPLATES.requireLabels.kind.toLowerCase());
  const broken = await guardrailParity(gator, cp.client, labelCases, tempDir('guardrail-drift-'), drifted);
  expect(
    broken
      .filter((r) => !r.agree)
      .map((r) => `${r.case.fixture}: gator ${r.gator.admitted ? 'admits' : 'denies'}, API server ${r.apiServer.admitted ? 'admits' : 'denies'}`),
  ).toEqual(['empty-label-value-counts-as-missing: gator denies, API server admits']);
}, 120_000);

test("seeded break: the API server's type checker, which the control-plane test asks about every rendered guardrail, does warn on a field no Pod has", async () => {
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'typo-in-a-field' },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'] }] },
      validations: [{ expression: 'size(object.spec.containerz) > 0' }],
    },
  } as unknown as KubeObject;
  expect((await cp.client.create(policy)).status).toBe(201);
  try {
    let warnings: Array<{ warning: string }> = [];
    for (let i = 0; i < 60 && warnings.length === 0; i++) {
      const got = await cp.client.request('GET', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies/typo-in-a-field');
      warnings = got.body.status?.typeChecking?.expressionWarnings ?? [];
      if (warnings.length === 0) await new Promise((r) => setTimeout(r, 500));
    }
    expect(warnings.map((w) => w.warning).join('\n')).toMatch(/containerz/);
  } finally {
    await cp.client.delete('admissionregistration.k8s.io/v1', 'ValidatingAdmissionPolicy', 'typo-in-a-field');
  }
}, 60_000);
