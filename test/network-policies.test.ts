import * as fs from 'fs';
import * as path from 'path';
import { KubeObject } from '../lib/synth';
import * as YAML from 'yaml';
import { AMBIENT_LABEL, NAMESPACES } from '../lib/namespaces';
import { ARGOCD_PODS, GRAFANA_POD, KONG_PROXY_POD_LABELS } from '../lib/upstream';
import { ExerciseState, exerciseStates, Flow, flowLabel, flowTable } from '../verify/checks/flows';
import { SEED_2_1_POLICY, SEED_2_3_POLICY_FILE } from '../verify/exercises/seed-manifests';
import { EXERCISE_BREAKS } from '../verify/engines/exercise-breaks';
import { flowReport, judgeFlows, JudgedFlow, policiesOf, unexpected } from '../verify/checks/cilium-verdicts';
import { configuredConnections, handFlowsAlsoConfigured } from '../verify/checks/configured-connections';
import { judgeRequests } from '../verify/engines/connections';
import { renderedCluster } from '../verify/engines/rendered-cluster';
import { ALL_ENVS, render, ROOT } from './helpers';
import { toolPath } from './tools';

/**
 * The flow table (verify/checks/flows.ts) judged by Cilium's own policy engine
 * (verify/tools/go/cilium-policy) behind the mesh's rule (verify/engines/mesh-rules.ts):
 * every intended flow is allowed and every refused one denied, under every
 * policy the environment puts into the cluster, ours and the charts', and in
 * each state the seed's exercises bring (a policy the reader applied, demo out
 * of the mesh). Each rule of ours carries a flow: without it, the verdict on
 * some flow changes. The table is written to .build/reports/flows-<env>.md.
 */
const harness = toolPath('cilium-policy');
const helm = toolPath('helm');
const REPORTS = path.join(ROOT, '.build', 'reports');

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

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s: traffic judged by Cilium 1.19.1 and the mesh', (name, env) => {
  const cluster = renderedCluster(render(env), helm);
  const { ours, upstream, namespaces } = cluster;
  const flows = flowTable(env);
  const states = exerciseStates(env);
  const all = [...ours, ...upstream];
  // The connections the render configures (test/configured-connections.test.ts judges them): rules carry them too.
  const configured = configuredConnections(cluster);
  const judgeConfigured = (objects: readonly KubeObject[]) => judgeRequests(harness, { ...cluster, objects }, configured);
  const judge = (objects: readonly KubeObject[], table: readonly Flow[] = flows, labels = namespaces) =>
    judgeFlows(harness, { objects, namespaces: labels, flows: table });
  /** The cluster as the reader left it after the state's step: its policy added, or demo out of the mesh. */
  const inState = (state: ExerciseState, objects: readonly KubeObject[]) => {
    if (state.applies === 'seed 4-1 ambient label removed') {
      const labels = new Map(namespaces);
      labels.set('demo', Object.fromEntries(Object.entries(labels.get('demo') ?? {}).filter(([key]) => key !== AMBIENT_LABEL.key)));
      return { objects, labels };
    }
    const applied =
      state.applies === 'seed 2-1 policy'
        ? (SEED_2_1_POLICY as unknown as KubeObject)
        : (YAML.parse(fs.readFileSync(path.join(ROOT, SEED_2_3_POLICY_FILE), 'utf8')) as KubeObject);
    return {
      objects: [...objects.filter((o) => !(o.kind === applied.kind && o.metadata.name === applied.metadata.name)), applied],
      labels: namespaces,
    };
  };
  const judgeState = (state: ExerciseState, objects: readonly KubeObject[]) => {
    const { objects: withStep, labels } = inState(state, objects);
    return judge(withStep, state.flows, labels);
  };
  let judged: JudgedFlow[] = [];

  test(`the ${flows.length} flows of the flow table get the verdict it expects`, () => {
    judged = judge(all);
    const byState = states.map((state) => ({ state, judged: judgeState(state, all) }));
    fs.mkdirSync(REPORTS, { recursive: true });
    fs.writeFileSync(
      path.join(REPORTS, `flows-${name}.md`),
      [flowReport(name, judged), ...byState.map((s) => flowReport(`${name}, ${s.state.name}`, s.judged))].join('\n'),
    );
    expect(unexpected(judged)).toEqual([]);
    expect(judged.filter((j) => j.verdict.allowed).length).toBeGreaterThan(0);
    expect(judged.filter((j) => !j.verdict.allowed).length).toBeGreaterThan(0);
    for (const s of byState) expect({ state: s.state.name, unexpected: unexpected(s.judged) }).toEqual({ state: s.state.name, unexpected: [] });
  });

  test("each state the seed's exercises bring gets the seed's outcome: the reader's policy, or demo out of the mesh", () => {
    if (!env.features.skipIstio || env.security.backendPolicies.appliedBy === 'reader') expect(states.length).toBeGreaterThan(0);
    for (const state of states) {
      const verdicts = judgeState(state, all);
      expect({ state: state.name, unexpected: unexpected(verdicts) }).toEqual({ state: state.name, unexpected: [] });
    }
  });

  test('the table writes no flow that a configured connection makes: each fact once', () => {
    expect(handFlowsAlsoConfigured(flows, cluster, configured).map(flowLabel)).toEqual([]);
    // Seeded break: the Gateway's route to Grafana, written again by hand, is found.
    const again: Flow = {
      from: { name: 'kong-proxy', namespace: NAMESPACES.kong, pods: KONG_PROXY_POD_LABELS },
      to: { name: 'grafana', namespace: NAMESPACES.monitoring, pods: GRAFANA_POD.labels },
      port: GRAFANA_POD.port,
      protocol: 'TCP',
      expect: 'allowed',
      why: 'the Gateway publishes grafana.<domain>',
    };
    expect(handFlowsAlsoConfigured([...flows, again], cluster, configured).map(flowLabel)).toEqual(['kong-proxy -> grafana:3000/TCP']);
  });

  test('every rule of our policies carries a flow: without it, the verdict on one changes, as synced or in a state of the exercises', () => {
    const baseline = judged.length > 0 ? judged : judge(all);
    const stateBaselines = states.map((state) => judgeState(state, all));
    const configuredBaseline = judgeConfigured(all);
    const idle: string[] = [];
    let rules = 0;
    for (const policy of policiesOf(ours)) {
      for (const direction of ['ingress', 'egress'] as const) {
        const list = ((policy.spec as Record<string, unknown[] | undefined>)[direction] ?? []).length;
        for (let i = 0; i < list; i++) {
          rules++;
          const objects = all.flatMap((o) => (o === policy ? withoutRule(policy, direction, i) : [o]));
          const changed =
            judge(objects).some((j, n) => j.verdict.allowed !== baseline[n].verdict.allowed) ||
            judgeConfigured(objects).some((v, n) => v.allowed !== configuredBaseline[n].allowed) ||
            states.some((state, k) => judgeState(state, objects).some((j, n) => j.verdict.allowed !== stateBaselines[k][n].verdict.allowed));
          if (!changed) idle.push(`${key(policy)} ${direction}[${i}]`);
        }
      }
    }
    expect(rules).toBeGreaterThan(5);
    expect(idle).toEqual([]);
  });

  test("the default deny alone refuses every flow of the table but those to a backend the reader's policy will close", () => {
    const denyOnly = all.filter((o) => !policiesOf(ours).includes(o) || o.metadata.name.startsWith('default-deny'));
    const openBackend = env.security.backendPolicies.appliedBy === 'reader';
    const allowed = judge(denyOnly).filter((j) => j.verdict.allowed && !(openBackend && j.flow.to.name === 'backend'));
    expect(allowed.map((j) => flowLabel(j.flow))).toEqual([]);
  });

  const [afterSeedPolicy] = states.filter((s) => s.applies === 'seed 2-1 policy');
  const seed21 = afterSeedPolicy ? { objects: inState(afterSeedPolicy, all).objects, flows: afterSeedPolicy.flows } : { objects: all, flows };

  test("seeded break: the namespace-wide allow this project once rendered lets seed 2-1's test pod reach the backend, and Cilium says so", () => {
    const demo = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'demo' } } }];
    const broken = [
      ...seed21.objects,
      networkPolicy('demo', 'allow-within-namespace-in', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: demo }] }),
      networkPolicy('demo', 'allow-within-namespace-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: demo }] }),
    ];
    expect(unexpected(judge(broken, seed21.flows))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^test-cnp \(seed 2-1\) -> backend:8080\/TCP.*expected denied by the destination's ingress, Cilium and the mesh say allowed/,
        ),
      ]),
    );
  });

  const [afterL7File] = states.filter((s) => s.applies === 'seed 2-3 policy file');
  if (afterL7File)
    test('seeded break: the frontend tier admitted at L4 on the L7 port as well (what charts/backend-network-policies.ts leaves out) voids seed 2-3: the proxy admits POST', () => {
      const { objects } = inState(afterL7File, all);
      const l7 = objects.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'backend-l7-http-policy')!;
      const spec = structuredClone(l7.spec) as { ingress: unknown[] };
      spec.ingress.push({ fromEndpoints: [{ matchLabels: { app: 'frontend' } }], toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }] });
      const broken = objects.map((o) => (o === l7 ? ({ ...o, spec } as KubeObject) : o));
      expect(unexpected(judge(broken, afterL7File.flows))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^frontend -> backend:8080\/TCP POST \/post: expected denied by the L7 proxy, Cilium and the mesh say allowed/),
        ]),
      );
    });

  if (afterL7File)
    test("the e2e's seeded break of 2-3 (verify/engines/exercise-breaks.ts) is one Cilium judges: its file lets the proxy admit POST /post", () => {
      const [l7Break] = EXERCISE_BREAKS.filter((b) => b.ids.includes('2-3') && b.intoClone);
      const [brokenFile] = Object.values(l7Break.intoClone!(ROOT));
      const applied = YAML.parse(brokenFile) as KubeObject;
      const objects = [...all.filter((o) => !(o.kind === applied.kind && o.metadata.name === applied.metadata.name)), applied];
      expect(unexpected(judge(objects, afterL7File.flows))).toEqual([
        expect.stringMatching(/^frontend -> backend:8080\/TCP POST \/post: expected denied by the L7 proxy, Cilium and the mesh say allowed/),
      ]);
    });

  if (!env.features.skipIstio)
    test("seeded break: the kubelet-probe allow as a NetworkPolicy ipBlock, as rendered before, admits every pod of demo on Cilium 1.19.1, seed 2-1's test pod too", () => {
      const asCilium = seed21.objects.find((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'kubelet-probes-in-ambient')!;
      const asIpBlock = networkPolicy('demo', 'kubelet-probes-in-ambient', {
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ ipBlock: { cidr: '169.254.7.127/32' } }] }],
      });
      const before = [...seed21.objects.filter((o) => o !== asCilium), asIpBlock];
      // Its ingress admits the test pod now; where the pod's egress still refuses, that is all that does.
      expect(unexpected(judge(before, seed21.flows))).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^test-cnp \(seed 2-1\) -> backend:8080\/TCP: expected denied by the destination's ingress, Cilium and the mesh say (allowed|denied \(source's egress\))/,
          ),
        ]),
      );
    });

  if (!env.features.skipIstio)
    test('seeded break: plaintext to the backend admitted beside HBONE, as rendered before, lets seed 4-1 pass out of the mesh, and Cilium says so', () => {
      const [outOfMesh] = states.filter((s) => s.applies === 'seed 4-1 ambient label removed');
      const { objects, labels } = inState(outOfMesh, all);
      // The app port beside HBONE wherever the backend is admitted: the callers' egress, and the backend's own policy.
      const plaintext = objects.map((o) => {
        if (o.kind === 'NetworkPolicy' && /backend/.test(o.metadata.name)) {
          const spec = o.spec as { egress?: Array<{ ports?: Array<{ port: number }> }> };
          const egress = spec.egress?.map((r) => ({ ...r, ports: [...(r.ports ?? []), { port: 8080, protocol: 'TCP' }] }));
          return { ...o, spec: { ...spec, ...(egress ? { egress } : {}) } } as KubeObject;
        }
        if (o.kind === 'CiliumNetworkPolicy' && o.metadata.name === 'backend-allow-frontend-only') {
          const spec = structuredClone(o.spec) as { ingress: Array<{ toPorts: Array<{ ports: unknown[] }> }> };
          spec.ingress[0].toPorts[0].ports.push({ port: '8080', protocol: 'TCP' });
          return { ...o, spec } as KubeObject;
        }
        return o;
      });
      expect(plaintext).not.toEqual(objects);
      expect(unexpected(judge(plaintext, outOfMesh.flows, labels))).toEqual([
        expect.stringMatching(/^frontend -> backend:8080\/TCP: expected denied by the source's egress, Cilium and the mesh say allowed/),
      ]);
    });

  test("seeded break: the Argo CD chart's own server NetworkPolicy (global.networkPolicy.create, `ingress: [{}]`) lets any pod reach the API server in plain HTTP, and Cilium says so", () => {
    const chartPolicy = networkPolicy(NAMESPACES.argocd, 'argocd-server', {
      podSelector: { matchLabels: ARGOCD_PODS.server.labels },
      policyTypes: ['Ingress'],
      ingress: [{}],
    });
    expect(unexpected(judge([...all, chartPolicy]))).toEqual([
      expect.stringMatching(/^stranger -> argocd-server:8080\/TCP.*expected denied by the destination's ingress, Cilium and the mesh say allowed/),
    ]);
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
        expect.stringMatching(/^grafana -> kube-apiserver:6443\/TCP: expected allowed, Cilium and the mesh say denied \(source's egress\)/),
      ]),
    );
  });
});
