import { KubeObject } from '../../lib/synth';
import { KONG_GATEWAY } from '../../topology/index';
import { CiliumVerdict, Connection, HarnessEndpoint, judgeConnections, refusedBy, verdictText } from './cilium-policy';
import { podTemplateOf } from './pods';

/**
 * A connection a workload is configured to make (a URL in its env or args), or
 * that a step of the seed makes (a curl from a pod, or from the host through
 * Kind's port mapping), resolved in a cluster state to the hops Cilium and the
 * mesh judge: the Service's pods and target port, and through Kong's proxy, the
 * route that takes the request's host, to its backend. Where a name resolves
 * to nothing, the connection is unresolved: a lab would fail it too (a DNS
 * error, or Kong's 404).
 */

/** A cluster as a connection meets it: every object (pods or their workloads, Services, routes, policies, Istio's objects) and namespace labels. */
export interface ClusterState {
  readonly objects: readonly KubeObject[];
  readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>;
  /** Where names outside the cluster resolve, as the environment's config declares them (the rollback receiver's address). */
  readonly externalAddresses?: ReadonlyMap<string, string>;
}

/** Where a name outside the cluster resolves when the config says nothing: TEST-NET-3, an address outside every cluster. */
export const UNKNOWN_EXTERNAL_ADDRESS = '203.0.113.10';

/** Who calls: a pod (as its workload renders it, or live), or this machine through Kind's host ports. */
export type Caller = HarnessEndpoint | { readonly name: string; readonly host: true };

export interface ConnectionRequest {
  readonly from: Caller;
  readonly url: string;
  readonly method?: string;
  /** The Host header, where it is not the URL's (`curl -H 'Host: api.<domain>'`, the load generator's NORTH_SOUTH_HOST). */
  readonly hostHeader?: string;
  /** Where it is configured or typed, for the report. */
  readonly where: string;
}

export interface Hop extends Connection {
  readonly what: string;
}

export type Resolution = { readonly hops: readonly Hop[] } | { readonly unresolved: string };

export interface ConnectionVerdict {
  readonly request: ConnectionRequest;
  readonly hops: ReadonlyArray<{ readonly hop: Hop; readonly verdict: CiliumVerdict }>;
  readonly unresolved?: string;
  readonly allowed: boolean;
  /** How a client sees a refusal: a drop is a timeout, the L7 proxy's is a 403, the mesh's a reset. */
  readonly refusal?: 'timeout' | 'http-403' | 'reset' | 'unresolved';
  readonly text: string;
}

interface ServicePort {
  readonly port: number;
  readonly targetPort?: number | string;
  readonly protocol?: string;
}
interface ServiceObject extends KubeObject {
  readonly spec: { readonly selector?: Record<string, string>; readonly ports?: readonly ServicePort[] };
}

const isService = (o: KubeObject): o is ServiceObject => o.apiVersion === 'v1' && o.kind === 'Service';

/** A Service named by a host: `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`. */
function serviceOf(state: ClusterState, host: string, callerNamespace: string | undefined): ServiceObject | undefined | 'not-a-service-name' {
  const parts = host.split('.');
  const clusterLocal = host.endsWith('.svc.cluster.local') ? parts.slice(0, -3) : host.endsWith('.svc') ? parts.slice(0, -1) : parts;
  if (clusterLocal.length > 2 || /^\d+$/.test(parts[parts.length - 1])) return 'not-a-service-name';
  const [name, namespace = callerNamespace] = clusterLocal;
  const found = state.objects.find((o): o is ServiceObject => isService(o) && o.metadata.name === name && o.metadata.namespace === namespace);
  if (!found && clusterLocal.length === 1 && !host.endsWith('.svc')) return 'not-a-service-name';
  if (!found && clusterLocal.length === 2 && !host.endsWith('.svc') && !state.namespaces.has(clusterLocal[1])) return 'not-a-service-name';
  return found;
}

const selects = (selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>) =>
  Object.entries(selector).every(([k, v]) => labels[k] === v);

/** The pods a selector picks in a namespace, one per workload (their identity is the same), with the container port a target port names. */
function podsOf(
  state: ClusterState,
  namespace: string,
  selector: Readonly<Record<string, string>>,
  targetPort: number | string,
): Array<HarnessEndpoint & { port?: number }> {
  const seen = new Set<string>();
  const out: Array<HarnessEndpoint & { port?: number }> = [];
  for (const o of state.objects) {
    if (o.metadata.namespace !== namespace) continue;
    // A live pod owned by a workload counts once; in a render, the workload stands for its pods.
    if (
      o.kind === 'Pod' &&
      (o.metadata.ownerReferences as unknown[] | undefined)?.length &&
      state.objects.some((w) => w.kind !== 'Pod' && podTemplateOf(w))
    )
      continue;
    const template = podTemplateOf(o);
    const labels = template?.metadata.labels ?? {};
    if (!template || Object.keys(selector).length === 0 || !selects(selector, labels)) continue;
    const serviceAccount = template.spec.serviceAccountName ?? 'default';
    const identity = `${JSON.stringify(Object.entries(labels).sort())} ${serviceAccount}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    const port =
      typeof targetPort === 'number'
        ? targetPort
        : template.spec.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === targetPort)?.containerPort;
    out.push({ name: `${o.kind.toLowerCase()}/${o.metadata.name} (${namespace})`, namespace, labels: { ...labels }, serviceAccount, port });
  }
  return out;
}

/** The addresses of a selectorless Service: its EndpointSlices (seed 10-3's DC Service). */
function endpointAddresses(state: ClusterState, service: ServiceObject): Array<{ address: string; port?: number }> {
  return state.objects
    .filter((o) => o.kind === 'EndpointSlice' && o.metadata.namespace === service.metadata.namespace)
    .filter((o) => (o.metadata.labels as Record<string, string> | undefined)?.['kubernetes.io/service-name'] === service.metadata.name)
    .flatMap((o) => {
      const slice = o as unknown as { endpoints?: Array<{ addresses?: string[] }>; ports?: Array<{ port?: number }> };
      return (slice.endpoints ?? []).flatMap((e) => (e.addresses ?? []).map((address) => ({ address, port: slice.ports?.[0]?.port })));
    });
}

interface HttpRouteObject extends KubeObject {
  readonly spec: {
    readonly hostnames?: readonly string[];
    readonly parentRefs?: ReadonlyArray<{ readonly name: string; readonly namespace?: string }>;
    readonly rules?: ReadonlyArray<{
      readonly matches?: ReadonlyArray<{ readonly path?: { readonly type?: string; readonly value?: string } }>;
      readonly backendRefs?: ReadonlyArray<{ readonly name: string; readonly namespace?: string; readonly port?: number; readonly weight?: number }>;
    }>;
  };
}

/** The backends of the route Kong's Gateway matches for a host and path, the weight-0 ones left out. */
function routeBackends(
  state: ClusterState,
  host: string,
  path: string,
): Array<{ namespace: string; name: string; port: number; route: string }> | undefined {
  const routes = state.objects.filter(
    (o): o is HttpRouteObject =>
      o.kind === 'HTTPRoute' &&
      ((o as HttpRouteObject).spec.hostnames ?? []).includes(host) &&
      ((o as HttpRouteObject).spec.parentRefs ?? []).some(
        (p) => p.name === KONG_GATEWAY.name && (p.namespace ?? o.metadata.namespace) === KONG_GATEWAY.namespace,
      ),
  );
  for (const route of routes) {
    for (const rule of route.spec.rules ?? []) {
      const matches = rule.matches?.length
        ? rule.matches.some((m) => !m.path || (m.path.type ?? 'PathPrefix') !== 'PathPrefix' || path.startsWith(m.path.value ?? '/'))
        : true;
      if (!matches) continue;
      return (rule.backendRefs ?? [])
        .filter((b) => b.weight !== 0)
        .map((b) => ({
          namespace: b.namespace ?? route.metadata.namespace!,
          name: b.name,
          port: b.port ?? 80,
          route: `${route.metadata.namespace}/${route.metadata.name}`,
        }));
    }
  }
  return undefined;
}

/** The names by which pods reach the API server, through the `default/kubernetes` Service that no chart renders. */
const KUBERNETES_SERVICE_NAMES = new Set(['kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local']);
/** The API server as Cilium sees it: an entity, not a pod. */
export const KUBE_APISERVER_ENTITY: HarnessEndpoint = { name: 'kube-apiserver', entity: 'kube-apiserver' };
/** The port Kind's API server listens on, which Cilium sees once it has translated the Service. */
export const KUBE_APISERVER_PORT = 6443;

const KONG_PROXY_SERVICE_NODE_PORTS = { http: 80, https: 443 } as const;

/** The hops of one request: to the Service's pods, and on through Kong's route where the Service is Kong's proxy. */
export function resolveConnection(state: ClusterState, request: ConnectionRequest): Resolution {
  const url = new URL(request.url);
  const scheme = url.protocol.replace(':', '');
  const port = Number(url.port || (scheme === 'https' ? 443 : 80));
  const http = { method: request.method ?? 'GET', path: url.pathname + url.search };
  const host = url.hostname;
  const hops: Hop[] = [];
  const kongProxy = (s: ServiceObject) => s.metadata.namespace === KONG_GATEWAY.namespace && /proxy/.test(s.metadata.name);
  let service: ServiceObject | undefined;
  let from: HarnessEndpoint;
  if ('host' in request.from) {
    // This machine reaches only what Kind publishes: Kong's proxy, through its NodePort.
    service = state.objects.find((o): o is ServiceObject => isService(o) && kongProxy(o));
    if (!service) return { unresolved: `${host}: no Kong proxy Service takes what Kind's host ports publish` };
    if (!Object.values(KONG_PROXY_SERVICE_NODE_PORTS).includes(port as 80 | 443))
      return { unresolved: `${host}:${port}: Kind publishes ports 80 and 443 only` };
    from = { name: 'this machine (through Kind\u2019s NodePort)', entity: 'world' };
  } else {
    from = request.from;
    if (KUBERNETES_SERVICE_NAMES.has(host)) {
      // Cilium translates the `kubernetes` Service to the API server itself, an entity, at the port it listens on.
      hops.push({ from, to: KUBE_APISERVER_ENTITY, port: KUBE_APISERVER_PORT, protocol: 'TCP', what: `${request.url} -> the API server` });
      return { hops };
    }
    const found = serviceOf(state, host, from.namespace);
    if (found === 'not-a-service-name') {
      // An address, or a name outside the cluster: where the config says it resolves, else a stand-in address of the world.
      const address = /^\d+\.\d+\.\d+\.\d+$/.test(host) ? host : (state.externalAddresses?.get(host) ?? UNKNOWN_EXTERNAL_ADDRESS);
      hops.push({ from, to: { name: `${host} (outside the cluster)`, address }, port, protocol: 'TCP', what: `${request.url} leaves the cluster` });
      return { hops };
    }
    if (!found) return { unresolved: `${host}: no Service of that name in the cluster (a DNS error on a lab)` };
    service = found;
  }
  const servicePort =
    service.spec.ports?.find((p) => p.port === port) ??
    (service.spec.ports?.length === 1 && 'host' in request.from ? service.spec.ports[0] : undefined);
  if (!servicePort) return { unresolved: `${service.metadata.namespace}/${service.metadata.name} has no port ${port}` };
  const target = servicePort.targetPort ?? servicePort.port;
  const selector = service.spec.selector ?? {};
  const pods = Object.keys(selector).length > 0 ? podsOf(state, service.metadata.namespace!, selector, target) : [];
  if (pods.length === 0) {
    const addresses = endpointAddresses(state, service);
    if (addresses.length === 0) return { unresolved: `${service.metadata.namespace}/${service.metadata.name} selects no pod and lists no address` };
    for (const a of addresses)
      hops.push({
        from,
        to: { name: `${a.address} (${service.metadata.name})`, address: a.address },
        port: a.port ?? Number(target),
        protocol: 'TCP',
        what: request.url,
      });
    return { hops };
  }
  for (const pod of pods) {
    if (pod.port === undefined) return { unresolved: `${pod.name} has no container port named ${target}` };
    const { port: podPort, ...to } = pod;
    hops.push({ from, to, port: podPort, protocol: 'TCP', ...(scheme === 'http' ? { http } : {}), what: `${request.url} -> ${pod.name}:${podPort}` });
  }
  if (!kongProxy(service)) return { hops };
  // Kong routes by the request's host: to the route's backends, from each proxy pod.
  const routedHost = request.hostHeader ?? host;
  const backends = routeBackends(state, routedHost, url.pathname);
  if (!backends) return { unresolved: `no HTTPRoute of ${KONG_GATEWAY.namespace}/${KONG_GATEWAY.name} takes host ${routedHost} (Kong answers 404)` };
  for (const b of backends) {
    const inner = resolveConnection(state, {
      from: hops[0].to,
      url: `http://${b.name}.${b.namespace}.svc:${b.port}${url.pathname}${url.search}`,
      method: http.method,
      where: `route ${b.route}`,
    });
    if ('unresolved' in inner) return { unresolved: `route ${b.route}: ${inner.unresolved}` };
    hops.push(...inner.hops.map((h) => ({ ...h, what: `Kong (route ${b.route}) -> ${h.what}` })));
  }
  return { hops };
}

/** Judges connections in a cluster state: every hop by the mesh and Cilium's engine, in one harness run. */
export function judgeRequests(harness: string, state: ClusterState, requests: readonly ConnectionRequest[]): ConnectionVerdict[] {
  const resolved = requests.map((r) => resolveConnection(state, r));
  const hops = resolved.flatMap((r) => ('hops' in r ? r.hops : []));
  const verdicts = hops.length > 0 ? judgeConnections(harness, state, hops) : [];
  let next = 0;
  return requests.map((request, i) => {
    const r = resolved[i];
    if ('unresolved' in r)
      return { request, hops: [], unresolved: r.unresolved, allowed: false, refusal: 'unresolved', text: `unresolved: ${r.unresolved}` };
    const judged = r.hops.map((hop) => ({ hop, verdict: verdicts[next++] }));
    const refused = judged.find((j) => !j.verdict.allowed);
    const by = refused && refusedBy(refused.verdict);
    const refusal = !refused ? undefined : by === 'proxy' ? 'http-403' : by === 'mesh' ? 'reset' : 'timeout';
    const text = judged.map((j) => `${j.hop.what}: ${verdictText(j.verdict)}`).join('; ');
    return { request, hops: judged, allowed: !refused, ...(refusal ? { refusal } : {}), text };
  });
}

/** A URL to the pod's own loopback (a sidecar's reload call): no policy sees it. */
const onThePodItself = (url: string): boolean => /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])([:/]|$)/.test(url);

/** The URLs a pod is configured to call: http(s) URLs in its containers' env values and args, with a `<PREFIX>_HOST` env beside a `<PREFIX>_URL` as its Host header. */
export function configuredRequests(
  caller: HarnessEndpoint,
  template: NonNullable<ReturnType<typeof podTemplateOf>>,
  where: string,
): ConnectionRequest[] {
  const out: ConnectionRequest[] = [];
  for (const container of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
    const env = new Map((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!]));
    for (const [name, value] of env) {
      if (!/^https?:\/\/\S+$/.test(value) || onThePodItself(value)) continue;
      const prefix = name.replace(/_URL$/, '');
      const hostHeader = name.endsWith('_URL') ? env.get(`${prefix}_HOST`) : undefined;
      out.push({ from: caller, url: value, ...(hostHeader ? { hostHeader } : {}), where: `${where} container ${container.name} env ${name}` });
    }
    for (const arg of [...(container.command ?? []), ...(container.args ?? [])])
      for (const match of arg.matchAll(/https?:\/\/[^\s"'$`]+/g))
        if (!onThePodItself(match[0])) out.push({ from: caller, url: match[0], where: `${where} container ${container.name} args` });
  }
  return out;
}
