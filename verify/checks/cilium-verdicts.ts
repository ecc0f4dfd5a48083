import { Flow, FlowEndpoint, flowLabel, FlowPod } from './flows';
import { KubeObject } from '../../lib/synth';
import { CiliumVerdict, HarnessEndpoint, judgeConnections, refusedBy, verdictText } from '../engines/cilium-policy';
import { podTemplateOf } from '../engines/pods';

export { policiesOf, verdictText } from '../engines/cilium-policy';

/**
 * The flow table (./flows.ts) judged by Cilium's own policy engine behind the
 * mesh's rule (verify/engines/cilium-policy.ts): each entry's pods resolved
 * in the render, every flow judged, and what differs from the table, in lines.
 */

export interface JudgedFlow {
  readonly flow: Flow;
  readonly verdict: CiliumVerdict;
}

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

export const endpointOf = (e: FlowEndpoint, objects: readonly KubeObject[]): HarnessEndpoint =>
  'entity' in e ? { name: e.name, entity: e.entity } : 'address' in e ? { name: e.name, address: e.address } : resolvePod(e, objects);

export interface CiliumInput {
  /** Every object the environment puts into the cluster: its pods give identities, its policies the rules. */
  readonly objects: readonly KubeObject[];
  /** Namespace -> its labels, as the API server and Argo CD set them. */
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
  readonly flows: readonly Flow[];
}

/** Asks the mesh and Cilium's policy engine for the verdict of every flow of the table. */
export function judgeFlows(harness: string, input: CiliumInput): JudgedFlow[] {
  const ends = new Map<string, HarnessEndpoint>();
  const end = (e: FlowEndpoint) => ends.get(e.name) ?? ends.set(e.name, endpointOf(e, input.objects)).get(e.name)!;
  const verdicts = judgeConnections(
    harness,
    input,
    input.flows.map((f) => ({ from: end(f.from), to: end(f.to), port: f.port, protocol: f.protocol, ...(f.http ? { http: f.http } : {}) })),
  );
  return input.flows.map((flow, i) => ({ flow, verdict: verdicts[i] }));
}

const REFUSED_BY_TEXT = { egress: "the source's egress", ingress: "the destination's ingress", proxy: 'the L7 proxy', mesh: 'the mesh' } as const;

/** The flows whose verdict is not the one the table expects (or is refused by the wrong layer), as readable lines. */
export const unexpected = (judged: readonly JudgedFlow[]): string[] =>
  judged
    .filter((j) => {
      if ((j.verdict.allowed ? 'allowed' : 'denied') !== j.flow.expect) return true;
      if (j.flow.refusedBy === undefined) return false;
      // Seed 2-1's point is the backend's own policy: its ingress must refuse, whatever else does too.
      if (j.flow.refusedBy === 'ingress') return j.verdict.ingress !== 'denied';
      return refusedBy(j.verdict) !== j.flow.refusedBy;
    })
    .map(
      (j) =>
        `${flowLabel(j.flow)}: expected ${j.flow.expect}${j.flow.refusedBy ? ` by ${REFUSED_BY_TEXT[j.flow.refusedBy]}` : ''}, Cilium and the mesh say ${verdictText(j.verdict)}`,
    );

/** The flow table as a Markdown report: source | destination | port | expected | Cilium's verdict. */
export function flowReport(env: string, judged: readonly JudgedFlow[]): string {
  const rows = judged.map(
    (j) =>
      `| ${j.flow.from.name} | ${j.flow.to.name} | ${j.flow.port}/${j.flow.protocol}${j.flow.http ? ` ${j.flow.http.method} ${j.flow.http.path}` : ''} | ${j.flow.expect} | ${verdictText(j.verdict)} | ${j.flow.why} |`,
  );
  return [
    `# ${env}: ${judged.length} flows judged by Cilium's policy engine behind the mesh's rule`,
    '',
    "| source | destination | port | expected | Cilium's verdict | why |",
    '|---|---|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
