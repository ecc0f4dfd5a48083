import { spawnSync } from 'child_process';
import { KubeObject } from '../../lib/synth';
import { MeshPath, MeshRules } from './mesh-rules';

/**
 * Cilium's own policy engine, behind the mesh's rule (./mesh-rules.ts): the
 * cilium-policy harness (verify/tools/go/cilium-policy) loads every
 * CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy and NetworkPolicy of a
 * cluster into the agent's policy repository, gives each pod the identity the
 * agent would (its labels, its namespace's labels, its ServiceAccount), and
 * answers per connection from the distilled policy maps, at the port Cilium
 * sees once the mesh has carried it.
 */

export interface CiliumVerdict {
  readonly egress: 'allowed' | 'denied';
  readonly ingress: 'allowed' | 'denied';
  /** The destination's policy sends the connection to the L7 proxy. */
  readonly proxied: boolean;
  /** The proxy's answer to the flow's HTTP request. */
  readonly http?: 'allowed' | 'denied';
  /** How the mesh carries it: the port Cilium judged (HBONE's inside the mesh), and the mesh's refusal, if any. */
  readonly mesh: MeshPath;
  /** Cilium's policy and the mesh both let it through. */
  readonly allowed: boolean;
}

export interface HarnessEndpoint {
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

/** One connection for the harness: its ends, resolved, and the port and request the caller sends. */
export interface Connection {
  readonly from: HarnessEndpoint;
  readonly to: HarnessEndpoint;
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  readonly http?: { readonly method: string; readonly path: string };
}

/**
 * Asks the mesh how each connection travels, then Cilium's policy engine for its verdict at the port Cilium sees
 * (HBONE's inside the mesh, where the proxy cannot read HTTP), under every policy of `objects`.
 */
export function judgeConnections(
  harness: string,
  input: { objects: readonly KubeObject[]; namespaces: ReadonlyMap<string, Readonly<Record<string, string>>> },
  connections: readonly Connection[],
): CiliumVerdict[] {
  const mesh = new MeshRules(input.objects, input.namespaces);
  const paths = connections.map((c) => mesh.path(c.from, c.to, c.port));
  const endpoints = new Map<string, HarnessEndpoint>();
  for (const c of connections) for (const e of [c.from, c.to]) if (!endpoints.has(e.name)) endpoints.set(e.name, e);
  const namespaces = [...new Set([...input.namespaces.keys(), ...[...endpoints.values()].flatMap((e) => (e.namespace ? [e.namespace] : []))])].map(
    (name) => ({ name, labels: { ...(input.namespaces.get(name) ?? {}), 'kubernetes.io/metadata.name': name } }),
  );
  const request = {
    namespaces,
    endpoints: [...endpoints.values()],
    policies: policiesOf(input.objects),
    flows: connections.map((c, i) => ({
      from: c.from.name,
      to: c.to.name,
      port: paths[i].port,
      protocol: c.protocol,
      ...(c.http && !paths[i].tunnelled ? { http: c.http } : {}),
    })),
  };
  const run = spawnSync(harness, [], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`cilium-policy failed: ${(run.stderr || String(run.error)).trim()}`);
  const verdicts = (JSON.parse(run.stdout) as { verdicts: Array<Omit<CiliumVerdict, 'mesh'>> }).verdicts;
  return verdicts.map((v, i) => ({ ...v, mesh: paths[i], allowed: v.allowed && !paths[i].refused }));
}

/** What refused a connection: the source's egress, the destination's ingress, the L7 proxy, or the mesh. */
export function refusedBy(v: CiliumVerdict): 'egress' | 'ingress' | 'proxy' | 'mesh' | undefined {
  if (v.allowed) return undefined;
  if (v.egress === 'denied') return 'egress';
  if (v.ingress === 'denied') return 'ingress';
  if (v.proxied && v.http === 'denied') return 'proxy';
  return v.mesh.refused ? 'mesh' : undefined;
}

export function verdictText(v: CiliumVerdict): string {
  const via = v.mesh.tunnelled ? ` (in HBONE, Cilium sees port ${v.mesh.port})` : '';
  if (v.allowed) return `${v.proxied ? 'allowed (L7 proxy admits the request)' : 'allowed'}${via}`;
  if (v.egress === 'denied' && v.ingress === 'denied') return `denied (source's egress and destination's ingress)${via}`;
  if (v.egress === 'denied') return `denied (source's egress)${via}`;
  if (v.ingress === 'denied') return `denied (destination's ingress)${via}`;
  if (v.proxied && v.http === 'denied') return 'denied (L7 proxy refuses the request: 403)';
  return `denied (mesh: ${v.mesh.refused})`;
}
