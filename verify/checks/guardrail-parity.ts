import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import * as YAML from 'yaml';
import { ApiServerGuardrail, GuardedConstraint, VIOLATION_SEPARATOR } from '../../charts/api-server-guardrail';
import { KubeObject } from '../../lib/synth';
import { ALL_POLICY_TEMPLATES, PolicyTemplate } from '../../policies/templates';
import { KubeClient, statusMessage } from '../engines/kube-client';

/**
 * The same guardrail in both engines, fixture by fixture: the Rego template as gator evaluates it, and
 * the CEL rule as the real API server enforces it in a ValidatingAdmissionPolicy built from the same
 * Constraint (charts/api-server-guardrail.ts), with nothing serving Gatekeeper's webhook. Every case of
 * the gator suites (policies/tests/<template>/suite.yaml: the seed's pods and the hidden cases) gets a
 * verdict and the set of messages from each; any difference is a finding.
 */

export interface Verdict {
  readonly admitted: boolean;
  /** The violations' messages, sorted: gator reports one per violation, the API server one policy message of lines. */
  readonly messages: readonly string[];
}

export interface ParityCase {
  readonly suite: string;
  readonly test: string;
  readonly fixture: string;
  readonly object: KubeObject;
  readonly templateFile: string;
  readonly constraintFile: string;
}

export interface ParityRow {
  readonly case: ParityCase;
  readonly gator: Verdict;
  readonly apiServer: Verdict;
  readonly agree: boolean;
}

interface Suite {
  readonly tests: ReadonlyArray<{
    readonly name: string;
    readonly template: string;
    readonly constraint: string;
    readonly cases: ReadonlyArray<{ readonly name: string; readonly object: string }>;
  }>;
}

/** Every case of every gator suite under `testsDir`, with its object and the template and Constraint it is judged by. */
export function parityCases(testsDir: string): ParityCase[] {
  return fs
    .readdirSync(testsDir)
    .filter((d) => fs.existsSync(path.join(testsDir, d, 'suite.yaml')))
    .sort()
    .flatMap((suite) => {
      const dir = path.join(testsDir, suite);
      const parsed = YAML.parse(fs.readFileSync(path.join(dir, 'suite.yaml'), 'utf8')) as Suite;
      return parsed.tests.flatMap((t) =>
        t.cases.map((c) => ({
          suite,
          test: t.name,
          fixture: c.name,
          object: YAML.parse(fs.readFileSync(path.join(dir, c.object), 'utf8')) as KubeObject,
          templateFile: path.join(dir, t.template),
          constraintFile: path.join(dir, t.constraint),
        })),
      );
    });
}

const objectKey = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/** gator's verdicts for the cases of one suite test: one `gator test` of the template, the Constraint and every case's object. */
export function gatorVerdicts(gator: string, cases: readonly ParityCase[], workDir: string): Map<ParityCase, Verdict> {
  const [first] = cases;
  fs.mkdirSync(workDir, { recursive: true });
  const objectsFile = path.join(workDir, 'objects.yaml');
  const distinct = [...new Map(cases.map((c) => [objectKey(c.object), c.object])).values()];
  fs.writeFileSync(objectsFile, distinct.map((o) => YAML.stringify(o)).join('---\n'));
  const run = spawnSync(gator, ['test', '-f', first.templateFile, '-f', first.constraintFile, '-f', objectsFile, '-o', 'json'], {
    encoding: 'utf8',
  });
  // gator test exits 1 when it finds violations; its JSON is on stdout either way.
  if (run.status !== 0 && run.status !== 1) throw new Error(`gator test failed: ${(run.stderr || String(run.error)).trim()}`);
  const results = (JSON.parse(run.stdout || '[]') ?? []) as Array<{ msg: string; violatingObject: KubeObject }>;
  return new Map(
    cases.map((c) => {
      const messages = results.filter((r) => objectKey(r.violatingObject) === objectKey(c.object)).map((r) => r.msg);
      return [c, { admitted: messages.length === 0, messages: [...new Set(messages)].sort() }];
    }),
  );
}

/** The Constraint of a suite test as the API server's policy mirrors it. */
export function guardedConstraintOf(constraint: KubeObject): GuardedConstraint {
  const spec = constraint.spec as {
    enforcementAction?: 'deny' | 'warn' | 'dryrun';
    match?: { kinds?: GuardedConstraint['kinds']; namespaces?: string[]; excludedNamespaces?: string[] };
    parameters?: Record<string, unknown>;
  };
  return {
    name: constraint.metadata.name,
    kinds: spec.match?.kinds ?? [],
    ...(spec.match?.namespaces ? { namespaces: spec.match.namespaces } : {}),
    ...(spec.match?.excludedNamespaces ? { excludedNamespaces: spec.match.excludedNamespaces } : {}),
    ...(spec.parameters ? { parameters: spec.parameters } : {}),
    enforcementAction: spec.enforcementAction ?? 'deny',
  };
}

/** The ValidatingAdmissionPolicy and binding that charts/api-server-guardrail.ts renders for a template and Constraint, denying. */
export function guardrailObjects(template: PolicyTemplate, constraint: GuardedConstraint): KubeObject[] {
  const chart = new Chart(new App(), 'parity');
  new ApiServerGuardrail(chart, 'guardrail', { template, constraint, validationActions: ['Deny'] });
  return chart.toJson() as KubeObject[];
}

export const templateOfFile = (templateFile: string): PolicyTemplate => {
  const kind = (YAML.parse(fs.readFileSync(templateFile, 'utf8')) as { spec: { crd: { spec: { names: { kind: string } } } } }).spec.crd.spec.names
    .kind;
  const template = ALL_POLICY_TEMPLATES.find((t) => t.kind === kind);
  if (!template) throw new Error(`${templateFile}: no template of kind ${kind} in policies/templates.ts`);
  return template;
};

const DENIED = /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request: ([\s\S]*)$/;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The API server's verdicts for the cases of one suite test: the guardrail's policy and binding applied, each case's
 * object submitted in its own namespace as a dry run, with no Pod Security level there (a control plane of its own),
 * so only the policy answers. A pod with ephemeral containers is created without them first, as `kubectl debug` finds
 * it, and they are added through the ephemeralcontainers subresource, which the API server only accepts that way.
 */
export async function apiServerVerdicts(
  client: KubeClient,
  guardrail: readonly KubeObject[],
  cases: readonly ParityCase[],
): Promise<Map<ParityCase, Verdict>> {
  for (const namespace of new Set(cases.map((c) => c.object.metadata.namespace ?? 'default'))) {
    const created = await client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } } as KubeObject);
    if (created.status !== 201 && created.status !== 409)
      throw new Error(`creating namespace ${namespace}: ${created.status} ${statusMessage(created)}`);
  }
  for (const o of guardrail) {
    const created = await client.create(o);
    if (created.status !== 201) throw new Error(`creating ${o.kind} ${o.metadata.name}: ${created.status} ${statusMessage(created)}`);
  }
  const submit = async (c: ParityCase): Promise<{ status: number; message: string }> => {
    const object = c.object;
    const namespace = object.metadata.namespace ?? 'default';
    const spec = object.spec as { ephemeralContainers?: unknown[] } | undefined;
    if (object.kind === 'Pod' && spec?.ephemeralContainers?.length) {
      const { ephemeralContainers, ...base } = spec;
      const created = await client.create({ ...object, spec: base } as KubeObject);
      if (created.status !== 201) return { status: created.status, message: statusMessage(created) };
      try {
        // A patch, as kubectl debug sends it: the scheduler and kwok write the pod meanwhile, so a PUT would conflict.
        const path = `${client.pathOf('v1', 'Pod', namespace, object.metadata.name)}/ephemeralcontainers?dryRun=All`;
        const r = await client.request('PATCH', path, { spec: { ephemeralContainers } }, 'application/strategic-merge-patch+json');
        return { status: r.status, message: statusMessage(r) };
      } finally {
        await client.delete('v1', 'Pod', object.metadata.name, namespace);
      }
    }
    const r = await client.request('POST', `${client.pathOf(object.apiVersion, object.kind, namespace)}?dryRun=All`, object);
    return { status: r.status, message: statusMessage(r) };
  };
  // A binding reaches the API server's policy cache a second or two after it is created, and leaves it as late:
  // wait until a denied case is denied, and after deleting, until it passes again, so the next guardrail is judged alone.
  const probe = cases.find((c) => /is-denied/.test(c.fixture));
  const settle = async (denied: boolean) => {
    for (let i = 0; probe && i < 60 && ((await submit(probe)).status === 403) !== denied; i++) await sleep(500);
  };
  try {
    await settle(true);
    const out = new Map<ParityCase, Verdict>();
    for (const c of cases) {
      const { status, message } = await submit(c);
      const denied = DENIED.exec(message);
      const admitted = status === 200 || status === 201;
      if (!admitted && !denied) throw new Error(`${c.suite}/${c.fixture}: the API server answered ${status} ${message}`);
      out.set(c, { admitted, messages: denied ? [...new Set(denied[1].split(VIOLATION_SEPARATOR))].sort() : [] });
    }
    return out;
  } finally {
    for (const o of [...guardrail].reverse()) await client.delete(o.apiVersion, o.kind, o.metadata.name);
    await settle(false);
  }
}

/** Both engines' verdicts per case, and whether they agree in verdict and in every message. */
export async function guardrailParity(
  gator: string,
  client: KubeClient,
  cases: readonly ParityCase[],
  workDir: string,
  guardrailFor: (template: PolicyTemplate, constraint: GuardedConstraint) => KubeObject[] = guardrailObjects,
): Promise<ParityRow[]> {
  const rows: ParityRow[] = [];
  const byTest = new Map<string, ParityCase[]>();
  for (const c of cases) byTest.set(`${c.suite} ${c.test}`, [...(byTest.get(`${c.suite} ${c.test}`) ?? []), c]);
  for (const [key, group] of byTest) {
    const gatorSide = gatorVerdicts(gator, group, path.join(workDir, key.replace(/\W+/g, '-')));
    const constraint = guardedConstraintOf(YAML.parse(fs.readFileSync(group[0].constraintFile, 'utf8')) as KubeObject);
    const apiSide = await apiServerVerdicts(client, guardrailFor(templateOfFile(group[0].templateFile), constraint), group);
    for (const c of group) {
      const [g, a] = [gatorSide.get(c)!, apiSide.get(c)!];
      rows.push({ case: c, gator: g, apiServer: a, agree: g.admitted === a.admitted && JSON.stringify(g.messages) === JSON.stringify(a.messages) });
    }
  }
  return rows;
}

/** The parity table in Markdown: fixture, gator's answer, the API server's. */
export function parityTable(rows: readonly ParityRow[]): string {
  const answer = (v: Verdict) => (v.admitted ? 'admitted' : `denied: ${v.messages.join(' / ')}`);
  return [
    '| template | fixture | gator (Rego) | API server (CEL, Gatekeeper stopped) | agree |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.case.suite} | ${r.case.fixture} | ${answer(r.gator)} | ${answer(r.apiServer)} | ${r.agree ? 'yes' : '**no**'} |`),
    '',
  ].join('\n');
}
