import { EnvironmentConfig } from '../../config';
import { NAMESPACES } from '../../lib/namespaces';
import { KubeObject } from '../../lib/synth';
import { CiliumVerdict, Connection, HarnessEndpoint, judgeConnections, policiesOf } from '../engines/cilium-policy';
import { ClusterState, KUBE_APISERVER_ENTITY, KUBE_APISERVER_PORT, UNKNOWN_EXTERNAL_ADDRESS } from '../engines/connections';
import { ROOT_NAMESPACE as MESH_ROOT_NAMESPACE } from '../engines/mesh-rules';
import { podTemplateOf } from '../engines/pods';
import { clusterOfFiles } from '../engines/rendered-cluster';
import { workloadEndpoint } from './configured-connections';

/**
 * Who can talk to whom, before and after a change: every pair of parties
 * (each workload, the internet, the API server) on every port a destination
 * listens on, judged by Cilium's engine behind the mesh's rule under the
 * base's objects and under the head's, and where the destination's policy
 * sends the port to the L7 proxy, each request its HTTP rules name. What a
 * reviewer reads is the pairs whose verdict changes, and the pairs a new or
 * removed workload brings or takes away.
 */

export type PairVerdict = 'allowed' | 'denied' | 'absent';

export interface ConnectivityChange {
  readonly from: string;
  readonly to: string;
  readonly port: number;
  /** The request, for a port the L7 proxy judges: `GET /status/200`. */
  readonly request?: string;
  readonly before: PairVerdict;
  readonly after: PairVerdict;
  /** The namespace a newly allowed path leads into, where it is one a reviewer guards (demo, monitoring). */
  readonly opensInto?: string;
}

export interface ConnectivityDiff {
  readonly changes: readonly ConnectivityChange[];
  /** How many pairs (with their requests) were judged on each side. */
  readonly judged: number;
}

/** The namespaces whose newly opened paths the diff marks. */
const GUARDED_NAMESPACES: readonly string[] = [NAMESPACES.demo, NAMESPACES.monitoring];

/** The internet, where a name outside the cluster resolves, and the ports a workload would reach it on. */
const WORLD: HarnessEndpoint = { name: 'the internet', address: UNKNOWN_EXTERNAL_ADDRESS };
const WORLD_PORTS = [80, 443];

/** The objects a verdict depends on: Cilium's and Kubernetes' network policies, and the mesh's security policies. */
const decidesVerdicts = (o: KubeObject): boolean => policiesOf([o]).length > 0 || o.apiVersion.startsWith('security.istio.io/');

interface Party {
  readonly endpoint: HarnessEndpoint;
  /** The ports it listens on: its containers' ports. */
  readonly ports: readonly number[];
}

/** Every workload of a cluster (a rendered Pod only where no workload owns it), with its container ports. */
function parties(state: ClusterState): Map<string, Party> {
  const out = new Map<string, Party>();
  for (const o of state.objects) {
    const template = podTemplateOf(o);
    if (!template || !o.metadata.namespace || (o.kind === 'Pod' && (o.metadata.ownerReferences as unknown[] | undefined)?.length)) continue;
    const endpoint = workloadEndpoint(o, template);
    const ports = [
      ...new Set([...(template.spec.initContainers ?? []), ...template.spec.containers].flatMap((c) => (c.ports ?? []).map((p) => p.containerPort))),
    ];
    out.set(endpoint.name, { endpoint, ports: ports.sort((a, b) => a - b) });
  }
  return out;
}

/** A sample path for a Cilium HTTP path regex, where it is one a request can stand for (`/status/.*` -> `/status/x`). */
function samplePath(regex: string): string | undefined {
  const sample = regex
    .replace(/^\^/, '')
    .replace(/\$$/, '')
    .replace(/\.\*|\.\+/g, 'x')
    .replace(/\[0-9\]\+|\\d\+/g, '1');
  return /^\/[\w/.-]*$/.test(sample) ? sample : undefined;
}

/** The requests the L7 rules of a cluster's CiliumNetworkPolicies name, one sample each. */
function httpRequests(objects: readonly KubeObject[]): Array<{ method: string; path: string }> {
  const out = new Map<string, { method: string; path: string }>();
  for (const o of objects.filter((x) => x.kind === 'CiliumNetworkPolicy' || x.kind === 'CiliumClusterwideNetworkPolicy')) {
    const spec = o.spec as { ingress?: Array<{ toPorts?: Array<{ rules?: { http?: Array<{ method?: string; path?: string }> } }> }> };
    for (const rule of spec.ingress ?? [])
      for (const to of rule.toPorts ?? [])
        for (const h of to.rules?.http ?? []) {
          const path = samplePath(h.path ?? '/');
          const method = (h.method ?? 'GET').replace(/[^A-Z]/g, '') || 'GET';
          if (path) out.set(`${method} ${path}`, { method, path });
        }
  }
  // A request no rule names: what a rule that names others refuses.
  out.set('POST /unlisted', { method: 'POST', path: '/unlisted' });
  return [...out.values()].sort((a, b) => `${a.method} ${a.path}`.localeCompare(`${b.method} ${b.path}`));
}

/** A request's key: its pair's, then the request, apart from it by a character no name holds. */
const REQUEST_SEPARATOR = '\u0000';
const requestKey = (pair: Pair, r: { method: string; path: string }) => `${pair.key}${REQUEST_SEPARATOR}${r.method} ${r.path}`;

/** The request a pair is judged with where its port is the proxy's: only whether it reaches the proxy counts. */
const PAIR_REQUEST = { method: 'GET', path: '/' } as const;

interface Pair {
  readonly key: string;
  readonly from: string;
  readonly to: string;
  readonly port: number;
}

/** Every verdict of one side: pair key -> allowed or denied, and the L7 requests' where the proxy judged them. */
function judgeSide(
  harness: string,
  state: ClusterState,
  own: ReadonlyMap<string, Party>,
  pairs: readonly Pair[],
  requests: ReturnType<typeof httpRequests>,
): Map<string, PairVerdict> {
  const endpointOf = (name: string): HarnessEndpoint | undefined =>
    name === WORLD.name ? WORLD : name === KUBE_APISERVER_ENTITY.name ? KUBE_APISERVER_ENTITY : own.get(name)?.endpoint;
  const present = pairs.filter((p) => endpointOf(p.from) && endpointOf(p.to));
  // The harness wants a request for a port the proxy judges; the pair's own verdict is whether it reaches the proxy.
  const connections: Connection[] = present.map((p) => ({
    from: endpointOf(p.from)!,
    to: endpointOf(p.to)!,
    port: p.port,
    protocol: 'TCP',
    http: PAIR_REQUEST,
  }));
  const l4 = connections.length > 0 ? judgeConnections(harness, state, connections) : [];
  const reaches = (v: CiliumVerdict) => v.allowed || (v.proxied && v.egress === 'allowed' && v.ingress === 'allowed' && !v.mesh.refused);
  const out = new Map<string, PairVerdict>(present.map((p, i) => [p.key, reaches(l4[i]) ? 'allowed' : 'denied']));
  // Where the proxy judges the port, each request the rules name: the L4 verdict above is the proxy's redirect.
  const proxied = present.flatMap((p, i) => (l4[i].proxied && reaches(l4[i]) ? [{ pair: p, connection: connections[i] }] : []));
  const l7Connections = proxied.flatMap(({ connection }) => requests.map((http) => ({ ...connection, http })));
  const l7: CiliumVerdict[] = l7Connections.length > 0 ? judgeConnections(harness, state, l7Connections) : [];
  proxied.forEach(({ pair }, i) =>
    requests.forEach((r, j) => out.set(requestKey(pair, r), l7[i * requests.length + j].allowed ? 'allowed' : 'denied')),
  );
  return out;
}

/**
 * The namespaces where a verdict may differ: those of a namespaced policy that changed (Cilium's and
 * NetworkPolicies select only their own namespace's pods; a mesh policy its own namespace's) and of a workload whose
 * identity or ports changed. Everywhere, where a clusterwide or mesh-wide policy or a namespace's labels changed.
 * None: these are everything a verdict depends on, so a change that touches none of them (replicas, an image, a
 * config file) needs no judging.
 */
function affectedNamespaces(
  before: ClusterState,
  after: ClusterState,
  partiesBefore: ReadonlyMap<string, Party> = parties(before),
  partiesAfter: ReadonlyMap<string, Party> = parties(after),
): Set<string> | 'everywhere' {
  const policies = (state: ClusterState) =>
    new Map(state.objects.filter(decidesVerdicts).map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));
  const [was, now] = [policies(before), policies(after)];
  const out = new Set<string>();
  for (const key of new Set([...was.keys(), ...now.keys()])) {
    const [b, a] = [was.get(key), now.get(key)];
    if (JSON.stringify(b?.spec) === JSON.stringify(a?.spec) && JSON.stringify(b?.metadata.labels) === JSON.stringify(a?.metadata.labels)) continue;
    const namespace = (a ?? b)!.metadata.namespace;
    if (!namespace || namespace === MESH_ROOT_NAMESPACE) return 'everywhere';
    out.add(namespace);
  }
  const labels = (state: ClusterState) => JSON.stringify([...state.namespaces].sort(([x], [y]) => x.localeCompare(y)));
  if (labels(before) !== labels(after)) return 'everywhere';
  for (const name of new Set([...partiesBefore.keys(), ...partiesAfter.keys()]))
    if (JSON.stringify(partiesBefore.get(name)) !== JSON.stringify(partiesAfter.get(name)))
      out.add((partiesAfter.get(name) ?? partiesBefore.get(name))!.endpoint.namespace!);
  return out;
}

/** Nothing any verdict depends on differs between the two clusters. */
const sameVerdicts = (before: ClusterState, after: ClusterState): boolean => {
  const affected = affectedNamespaces(before, after);
  return affected !== 'everywhere' && affected.size === 0;
};

/** The pairs whose verdict changes between two clusters, and those a workload added or removed brings or takes. */
export function connectivityDiff(harness: string, before: ClusterState, after: ClusterState): ConnectivityDiff {
  const [was, now] = [parties(before), parties(after)];
  // A pair with neither end in an affected namespace keeps its verdict: only the others are judged.
  const affected = affectedNamespaces(before, after, was, now);
  if (affected !== 'everywhere' && affected.size === 0) return { changes: [], judged: 0 };
  const all = new Map([...was, ...now]);
  const destinations: Array<{ name: string; ports: readonly number[] }> = [
    ...[...all].map(([name]) => ({ name, ports: [...new Set([...(was.get(name)?.ports ?? []), ...(now.get(name)?.ports ?? [])])] })),
    { name: WORLD.name, ports: WORLD_PORTS },
    { name: KUBE_APISERVER_ENTITY.name, ports: [KUBE_APISERVER_PORT] },
  ];
  const sources = [...all.keys(), WORLD.name];
  const judgedPair = (from: string, to: string) => {
    if (affected === 'everywhere') return true;
    const ends = [all.get(from)?.endpoint.namespace, all.get(to)?.endpoint.namespace];
    return ends.some((n) => n !== undefined && affected.has(n));
  };
  const pairs: Pair[] = sources.flatMap((from) =>
    destinations.flatMap((d) =>
      d.name === from || !judgedPair(from, d.name) ? [] : d.ports.map((port) => ({ key: `${from} -> ${d.name}:${port}`, from, to: d.name, port })),
    ),
  );
  const requests = httpRequests([...before.objects, ...after.objects]);
  const sideBefore = judgeSide(harness, before, was, pairs, requests);
  const sideAfter = judgeSide(harness, after, now, pairs, requests);
  const pairByKey = new Map(pairs.map((p) => [p.key, p]));
  const namespaceOf = (name: string) => all.get(name)?.endpoint.namespace;
  const changes: ConnectivityChange[] = [];
  for (const key of [...new Set([...sideBefore.keys(), ...sideAfter.keys()])].sort()) {
    const [pairKey, request] = key.split(REQUEST_SEPARATOR);
    const pair = pairByKey.get(pairKey)!;
    // A request's verdict exists only where the proxy judged it: elsewhere it is the pair's.
    const verdictOn = (side: Map<string, PairVerdict>) => side.get(key) ?? (request ? side.get(pair.key) : undefined) ?? 'absent';
    const b = verdictOn(sideBefore);
    const a = verdictOn(sideAfter);
    if (a === b) continue;
    // A workload nobody may reach coming or going is no change of who can talk to whom.
    if ((a === 'absent' && b === 'denied') || (a === 'denied' && b === 'absent')) continue;
    const into = namespaceOf(pair.to);
    changes.push({
      from: pair.from,
      to: pair.to,
      port: pair.port,
      ...(request ? { request } : {}),
      before: b,
      after: a,
      ...(a === 'allowed' && into && GUARDED_NAMESPACES.includes(into) ? { opensInto: into } : {}),
    });
  }
  // A pair's L4 change explains its requests' changes: show the requests only where the pair itself did not change.
  const pairChanged = new Set(changes.filter((c) => !c.request).map((c) => `${c.from} -> ${c.to}:${c.port}`));
  return {
    changes: changes.filter((c) => !c.request || !pairChanged.has(`${c.from} -> ${c.to}:${c.port}`)),
    judged: Math.max(sideBefore.size, sideAfter.size),
  };
}

const pairText = (c: ConnectivityChange) => `${c.from} -> ${c.to}:${c.port}${c.request ? ` ${c.request}` : ''}`;
const mark = (c: ConnectivityChange) => (c.opensInto ? ` [opens a path into ${c.opensInto}]` : '');

/** The text section: one line per environment with no change, else each changed pair. */
export function formatConnectivityText(byEnv: ReadonlyArray<{ env: string; diff: ConnectivityDiff }>): string {
  const changed = byEnv.filter((e) => e.diff.changes.length > 0);
  if (changed.length === 0) return 'connectivity: no change\n';
  return changed
    .map(
      ({ env, diff }) =>
        `connectivity ${env}: ${diff.changes.length} pair(s) change\n` +
        diff.changes.map((c) => `  ${c.after === 'allowed' ? '+' : '-'} ${pairText(c)}: ${c.before} -> ${c.after}${mark(c)}\n`).join(''),
    )
    .join('');
}

/** The Markdown section for the pull request. */
export function formatConnectivityMarkdown(byEnv: ReadonlyArray<{ env: string; diff: ConnectivityDiff }>): string {
  const changed = byEnv.filter((e) => e.diff.changes.length > 0);
  if (changed.length === 0) return '\n**Connectivity:** no change (Cilium\u2019s engine judged every pair of workloads on both sides).\n';
  return [
    '',
    '### Connectivity (who can talk to whom, judged by Cilium\u2019s engine)',
    ...changed.flatMap(({ env, diff }) => [
      '',
      `**${env}**: ${diff.changes.length} pair(s) change`,
      '',
      '| | from | to | port | request | before | after |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...diff.changes.map(
        (c) =>
          `| ${c.opensInto ? `⚠️ opens ${c.opensInto}` : c.after === 'allowed' ? '➕' : '➖'} | \`${c.from}\` | \`${c.to}\` | ${c.port} | ${c.request ? `\`${c.request}\`` : ''} | ${c.before} | ${c.after} |`,
      ),
    ]),
    '',
  ].join('\n');
}

/** dist/<env>/ files, path -> content. */
type Files = ReadonlyMap<string, string>;

const applicationFilesOf = (tree: Files) => JSON.stringify([...tree].filter(([file]) => file.startsWith('apps/')).sort());

/**
 * The connectivity diff of one environment between two dist/ trees. Nothing is hydrated or judged when the trees
 * are the same, or when neither the Applications nor any input of a verdict in our own objects changed.
 */
export function treeConnectivity(
  env: EnvironmentConfig,
  before: Files,
  after: Files,
  tools: { readonly helm: string; readonly harness: () => string },
): ConnectivityDiff {
  const same = before.size === after.size && [...before].every(([file, text]) => after.get(file) === text);
  if (same) return { changes: [], judged: 0 };
  const appsSame = applicationFilesOf(before) === applicationFilesOf(after);
  if (appsSame && sameVerdicts(clusterOfFiles(before, env, tools.helm, []), clusterOfFiles(after, env, tools.helm, [])))
    return { changes: [], judged: 0 };
  const was = clusterOfFiles(before, env, tools.helm);
  const now = clusterOfFiles(after, env, tools.helm, appsSame ? was.hydrated : undefined);
  return connectivityDiff(tools.harness(), was, now);
}
