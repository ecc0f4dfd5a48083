import * as fs from 'fs';
import * as path from 'path';
import { EnvironmentConfig } from '../config';
import { KubeObject } from '../lib/synth';
import { flowLabel, flowTable } from '../topology/flows';
import { EXERCISES } from '../verify/exercises/catalog';
import { flowReport, judgeFlows, JudgedFlow, policiesOf, unexpected } from '../verify/checks/cilium-verdicts';
import { applicationNamespaces } from '../verify/engines/environment-manifests';
import { applicationsOf, hydrateApplications } from '../verify/engines/hydrate';
import { ALL_ENVS, render, ROOT } from './helpers';
import { toolPath } from './tools';

/**
 * The flow table (topology/flows.ts) judged by Cilium's own policy engine
 * (verify/engines/cilium-policy.ts): every intended flow is allowed and every
 * refused one denied, under every policy the environment puts into the
 * cluster, ours and the charts'. Each rule of ours carries a flow: without it,
 * Cilium's verdict on some flow changes. The table is written to
 * .build/reports/flows-<env>.md.
 */
const harness = toolPath('cilium-policy');
const helm = toolPath('helm');
const REPORTS = path.join(ROOT, '.build', 'reports');

/** What the environment puts into the cluster: our render and the Helm renders of the charts. */
function clusterObjects(env: EnvironmentConfig): { ours: KubeObject[]; upstream: KubeObject[]; namespaces: Map<string, Record<string, string>> } {
  const rendered = render(env);
  const ours = rendered.files.filter((f) => f.component !== 'apps').map((f) => f.object);
  const upstream = hydrateApplications(applicationsOf(rendered), { helm, cache: true }).flatMap((a) => a.objects.map((o) => o.object));
  const namespaces = new Map<string, Record<string, string>>();
  for (const { namespace, labels } of applicationNamespaces(rendered).values())
    namespaces.set(namespace, { ...namespaces.get(namespace), ...labels });
  for (const o of [...ours, ...upstream].filter((x) => x.kind === 'Namespace'))
    namespaces.set(o.metadata.name, { ...namespaces.get(o.metadata.name), ...(o.metadata.labels ?? {}) });
  return { ours, upstream, namespaces };
}

const networkPolicy = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec }) as KubeObject;

/** Our policy with one rule of one direction taken out; none when that was a CiliumNetworkPolicy's only rule (Cilium refuses an empty one). */
function withoutRule(policy: KubeObject, direction: 'ingress' | 'egress', index: number): KubeObject[] {
  const spec = structuredClone(policy.spec) as Record<string, unknown[] | undefined>;
  spec[direction] = spec[direction]!.filter((_, i) => i !== index);
  const empty = !spec.ingress?.length && !spec.egress?.length;
  return policy.kind === 'CiliumNetworkPolicy' && empty ? [] : [{ ...policy, spec } as KubeObject];
}

const key = (o: KubeObject) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`;

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s: traffic judged by Cilium 1.19.1', (name, env) => {
  const { ours, upstream, namespaces } = clusterObjects(env);
  const flows = flowTable(env);
  const judge = (objects: readonly KubeObject[]) => judgeFlows(harness, { objects, namespaces, flows });
  const all = [...ours, ...upstream];
  let judged: JudgedFlow[] = [];

  test(`the ${flows.length} flows of the flow table get the verdict it expects`, () => {
    judged = judge(all);
    fs.mkdirSync(REPORTS, { recursive: true });
    fs.writeFileSync(path.join(REPORTS, `flows-${name}.md`), flowReport(name, judged));
    expect(unexpected(judged)).toEqual([]);
    expect(judged.filter((j) => j.verdict.allowed).length).toBeGreaterThan(0);
    expect(judged.filter((j) => !j.verdict.allowed).length).toBeGreaterThan(0);
  });

  test("each seed step a flow names is a dataplane step of that exercise, and the seed's outcome is Cilium's verdict", () => {
    const named = flows.flatMap((f) => (f.seedSteps ?? []).map((id) => ({ f, id })));
    expect(named.length).toBeGreaterThan(0);
    const problems = named.flatMap(({ f, id }) => {
      const [exercise, step] = id.split('.');
      const s = EXERCISES.find((e) => e.id === exercise)?.steps[Number(step) - 1];
      if (!s || s.judge !== 'a dataplane') return [`${id}: no dataplane step of that number`];
      return (s.expect === 'succeeds') === (f.expect === 'allowed') ? [] : [`${id} (${s.says}) against ${flowLabel(f)} ${f.expect}`];
    });
    expect(problems).toEqual([]);
  });

  test('every rule of our policies carries a flow: without it, Cilium changes its verdict on one', () => {
    const baseline = judged.length > 0 ? judged : judge(all);
    const idle: string[] = [];
    let rules = 0;
    for (const policy of policiesOf(ours)) {
      for (const direction of ['ingress', 'egress'] as const) {
        const list = ((policy.spec as Record<string, unknown[] | undefined>)[direction] ?? []).length;
        for (let i = 0; i < list; i++) {
          rules++;
          const objects = all.flatMap((o) => (o === policy ? withoutRule(policy, direction, i) : [o]));
          const changed = judge(objects).filter((j, n) => j.verdict.allowed !== baseline[n].verdict.allowed);
          if (changed.length === 0) idle.push(`${key(policy)} ${direction}[${i}]`);
        }
      }
    }
    expect(rules).toBeGreaterThan(5);
    expect(idle).toEqual([]);
  });

  test('the default deny alone refuses every flow of the table: each one has an end in a namespace it isolates', () => {
    const denyOnly = all.filter((o) => !policiesOf(ours).includes(o) || o.metadata.name === 'default-deny');
    const allowed = judge(denyOnly).filter((j) => j.verdict.allowed);
    expect(allowed.map((j) => flowLabel(j.flow))).toEqual([]);
  });

  test("seeded break: the namespace-wide allow this project once rendered lets seed 2-1's test pod reach the backend, and Cilium says so", () => {
    const demo = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'demo' } } }];
    const broken = [
      ...all,
      networkPolicy('demo', 'allow-within-namespace-in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: demo }] }),
      networkPolicy('demo', 'allow-within-namespace-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: demo }] }),
    ];
    expect(unexpected(judge(broken))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^test-cnp \(seed 2-1\) -> backend:8080\/TCP.*expected denied by the ingress policy, Cilium says allowed/),
      ]),
    );
  });

  if (env.security.backendL7Policy)
    test('seeded break: the frontend tier admitted at L4 on the L7 port as well (what charts/backend-network-policies.ts leaves out) voids seed 2-3: the proxy admits POST', () => {
      const l3l4 = all.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'backend-allow-frontend-only')!;
      const spec = structuredClone(l3l4.spec) as { ingress: Array<{ fromEndpoints: unknown[] }> };
      spec.ingress[0].fromEndpoints.push({ matchLabels: { app: 'frontend' } });
      const broken = all.map((o) => (o === l3l4 ? ({ ...o, spec } as KubeObject) : o));
      expect(unexpected(judge(broken))).toEqual(
        expect.arrayContaining([expect.stringMatching(/^frontend -> backend:8080\/TCP POST \/post: expected denied, Cilium says allowed/)]),
      );
    });

  if (!env.features.skipIstio)
    test("seeded break: the kubelet-probe allow as a NetworkPolicy ipBlock, as rendered before, admits every pod of demo on Cilium 1.19.1, seed 2-1's test pod too", () => {
      const asCilium = all.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'kubelet-probes-in-ambient')!;
      const asIpBlock = networkPolicy('demo', 'kubelet-probes-in-ambient', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }],
      });
      const before = [...all.filter((o) => o !== asCilium), asIpBlock];
      expect(unexpected(judge(before))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^test-cnp \(seed 2-1\) -> backend:8080\/TCP: expected denied by the ingress policy, Cilium says denied \(source's egress\)/,
          ),
        ]),
      );
    });

  test('seeded break: a 0.0.0.0/0 allow, as once rendered in place of the kube-apiserver entity, does not reach the API server on Cilium', () => {
    const cidrOnly = networkPolicy('monitoring', 'to-kube-apiserver', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
          ports: [
            { port: 443, protocol: 'TCP' },
            { port: 6443, protocol: 'TCP' },
          ],
        },
      ],
    });
    const before = [
      ...all.filter((o) => !(policiesOf([o]).length > 0 && o.metadata.namespace === 'monitoring' && o.metadata.name === 'to-kube-apiserver')),
      cidrOnly,
    ];
    const failures = unexpected(judge(before));
    expect(failures).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^grafana -> kube-apiserver:6443\/TCP: expected allowed, Cilium says denied \(source's egress\)/),
      ]),
    );
  });
});
