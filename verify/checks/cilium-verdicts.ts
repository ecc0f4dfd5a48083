import { spawnSync } from 'child_process';
import { Flow, FlowEndpoint, flowLabel, FlowPod } from '../../topology/flows';
import { KubeObject } from '../../lib/synth';
import { podTemplateOf } from './pods';

/**
 * Cilium's own policy engine as the judge of the flow table: the
 * cilium-policy harness (verify/tools/go/cilium-policy) loads every
 * CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and NetworkPolicy of
 * an environment into the agent's policy repository, gives each pod the
 * identity the agent would (its labels, its namespace's labels, its
 * ServiceAccount), and answers per flow from the distilled policy maps.
 */

export interface CiliumVerdict {
  readonly egress: 'allowed' | 'denied';
  readonly ingress: 'allowed' | 'denied';
  /** The destination's policy sends the connection to the L7 proxy. */
  readonly proxied: boolean;
  /** The proxy's answer to the flow's HTTP request. */
  readonly http?: 'allowed' | 'denied';
  readonly allowed: boolean;
}

export interface JudgedFlow {
  readonly flow: Flow;
  readonly verdict: CiliumVerdict;
}

interface HarnessEndpoint {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly serviceAccount?: string;
  readonly entity?: string;
  readonly address?: string;
}

const POLICY_KINDS = new Set([
  'cilium.io/v2 CiliumNetworkPolicy',
  'cilium.io/v2 CiliumClusterwideNetworkPolicy',
  'networking.k8s.io/v1 NetworkPolicy',
]);

/** Every object Cilium enforces as policy. */
export const policiesOf = (objects: readonly KubeObject[]): KubeObject[] => objects.filter((o) => POLICY_KINDS.has(`${o.apiVersion} ${o.kind}`));

const selects = (selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/**
 * The pod behind a flow table entry: a pod nobody renders as written; a rendered one from the one
 * workload of its namespace that the entry's labels select, with that workload's full labels and ServiceAccount.
 */
export function resolvePod(entry: FlowPod, objects: readonly KubeObject[]): HarnessEndpoint {
  if (entry.startedBy) return { name: entry.name, namespace: entry.namespace, labels: { ...entry.pods }, serviceAccount: entry.serviceAccount };
  const owners = objects.filter((o) => {
    const template = podTemplateOf(o);
    return o.metadata.namespace === entry.namespace && template && selects(entry.pods, template.metadata.labels ?? {});
  });
  if (owners.length !== 1) {
    const found = owners.map((o) => `${o.kind} ${o.metadata.name}`).join(', ') || 'none';
    throw new Error(
      `flow table: ${entry.name} (${JSON.stringify(entry.pods)} in ${entry.namespace}) must select one workload of the render; found ${found}`,
    );
  }
  const template = podTemplateOf(owners[0])!;
  return {
    name: entry.name,
    namespace: entry.namespace,
    labels: { ...(template.metadata.labels ?? {}) },
    serviceAccount: template.spec.serviceAccountName ?? 'default',
  };
}

const endpointOf = (e: FlowEndpoint, objects: readonly KubeObject[]): HarnessEndpoint =>
  'entity' in e ? { name: e.name, entity: e.entity } : 'address' in e ? { name: e.name, address: e.address } : resolvePod(e, objects);

export interface CiliumInput {
  /** Every object the environment puts into the cluster: its pods give identities, its policies the rules. */
  readonly objects: readonly KubeObject[];
  /** Namespace -> its labels, as the API server and Argo CD set them. */
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly flows: readonly Flow[];
}

/** Asks Cilium's policy engine for the verdict of every flow. */
export function judgeFlows(harness: string, input: CiliumInput): JudgedFlow[] {
  const endpoints = new Map<string, HarnessEndpoint>();
  for (const f of input.flows) for (const e of [f.from, f.to]) if (!endpoints.has(e.name)) endpoints.set(e.name, endpointOf(e, input.objects));
  const namespaces = [...new Set([...input.namespaces.keys(), ...[...endpoints.values()].flatMap((e) => (e.namespace ? [e.namespace] : []))])].map(
    (name) => ({ name, labels: { ...(input.namespaces.get(name) ?? {}), 'kubernetes.io/metadata.name': name } }),
  );
  const request = {
    namespaces,
    endpoints: [...endpoints.values()],
    policies: policiesOf(input.objects),
    flows: input.flows.map((f) => ({ from: f.from.name, to: f.to.name, port: f.port, protocol: f.protocol, ...(f.http ? { http: f.http } : {}) })),
  };
  const run = spawnSync(harness, [], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`cilium-policy failed: ${(run.stderr || String(run.error)).trim()}`);
  const verdicts = (JSON.parse(run.stdout) as { verdicts: CiliumVerdict[] }).verdicts;
  return input.flows.map((flow, i) => ({ flow, verdict: verdicts[i] }));
}

/** The flows whose verdict is not the one the table expects (or is refused on the wrong side), as readable lines. */
export const unexpected = (judged: readonly JudgedFlow[]): string[] =>
  judged
    .filter(
      (j) =>
        (j.verdict.allowed ? 'allowed' : 'denied') !== j.flow.expect || (j.flow.refusedAt !== undefined && j.verdict[j.flow.refusedAt] !== 'denied'),
    )
    .map(
      (j) =>
        `${flowLabel(j.flow)}: expected ${j.flow.expect}${j.flow.refusedAt ? ` by the ${j.flow.refusedAt} policy` : ''}, Cilium says ${verdictText(j.verdict)}`,
    );

export const verdictText = (v: CiliumVerdict): string =>
  v.allowed
    ? v.proxied
      ? 'allowed (L7 proxy admits the request)'
      : 'allowed'
    : v.egress === 'denied' && v.ingress === 'denied'
      ? "denied (source's egress and destination's ingress)"
      : v.egress === 'denied'
        ? "denied (source's egress)"
        : v.ingress === 'denied'
          ? "denied (destination's ingress)"
          : 'denied (L7 proxy refuses the request)';

/** The flow table as a Markdown report: source | destination | port | expected | Cilium's verdict. */
export function flowReport(env: string, judged: readonly JudgedFlow[]): string {
  const rows = judged.map(
    (j) =>
      `| ${j.flow.from.name} | ${j.flow.to.name} | ${j.flow.port}/${j.flow.protocol}${j.flow.http ? ` ${j.flow.http.method} ${j.flow.http.path}` : ''} | ${j.flow.expect} | ${verdictText(j.verdict)} | ${j.flow.why} |`,
  );
  return [
    `# ${env}: ${judged.length} flows judged by Cilium's policy engine`,
    '',
    "| source | destination | port | expected | Cilium's verdict | why |",
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
