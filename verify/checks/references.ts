import { CONSTRAINTS_GROUP } from '../../lib/scope';
import { podTemplateOf } from '../engines/pods';
import { KubeObject } from '../../lib/synth';
import { UPSTREAM_COMPONENTS } from '../../argocd/upstream-components';
import { BOOTSTRAP_SECRETS, UPSTREAM_SERVICE_ACCOUNTS, UPSTREAM_SERVICES } from '../../lib/upstream';
import { UPSTREAM_PODS } from './upstream-pods';
import { KONG_PLUGINS_ANNOTATION } from '../../charts/gateway-routes';
import { AMBIENT_LABEL } from '../../lib/namespaces';
import { HBONE_PORT } from '../../lib/traffic';

/** Namespaces the upstream charts deploy into or create, from their registry entries. */
const upstreamNamespaces = UPSTREAM_COMPONENTS.flatMap((u) => [u.namespace, ...(u.otherNamespaces ?? [])]);

/**
 * Cross-object reference checks over one rendered environment. Every
 * reference must resolve to an object in the tree, or to a typed entry of
 * what an upstream chart or the bootstrap creates. Each problem names both ends.
 */
export interface ReferenceContext {
  /** Namespaces Argo CD creates for the child Applications (CreateNamespace). */
  readonly managedNamespaces: readonly string[];
}

type Labels = Record<string, string>;
interface PodShape {
  readonly owner: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly ports: string[];
  readonly numericPorts: number[];
}

const id = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const matches = (selector: Labels, labels: Labels) => Object.entries(selector).every(([k, v]) => labels[k] === v);

function podsOf(objects: readonly KubeObject[]): PodShape[] {
  const pods: PodShape[] = [];
  for (const o of objects) {
    const template = podTemplateOf(o);
    if (!template?.spec.containers) continue;
    const containers = [...template.spec.containers, ...(template.spec.initContainers ?? [])];
    pods.push({
      owner: id(o),
      namespace: o.metadata.namespace ?? 'default',
      labels: template.metadata?.labels ?? {},
      ports: containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.name).filter(Boolean)),
      numericPorts: containers.flatMap((c: any) => (c.ports ?? []).map((p: any) => p.containerPort)),
    });
  }
  for (const u of UPSTREAM_PODS)
    pods.push({ owner: `pods of ${u.chart}`, namespace: u.namespace, labels: { ...u.labels }, ports: [], numericPorts: [] });
  return pods;
}

export function findBrokenReferences(objects: readonly KubeObject[], context: ReferenceContext): string[] {
  const problems: string[] = [];
  const pods = podsOf(objects);
  const byKind = (kind: string) => objects.filter((o) => o.kind === kind);
  const find = (kind: string, namespace: string | undefined, name: string) =>
    objects.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  const namespaces = new Set<string>([...byKind('Namespace').map((n) => n.metadata.name), ...context.managedNamespaces, ...upstreamNamespaces]);
  const selectsPods = (from: KubeObject, what: string, namespace: string, selector: Labels | undefined) => {
    if (!selector || Object.keys(selector).length === 0) return;
    if (!pods.some((p) => p.namespace === namespace && matches(selector, p.labels))) {
      problems.push(`${id(from)} ${what} ${JSON.stringify(selector)} -> no pod in namespace ${namespace} carries these labels`);
    }
  };
  const serviceExists = (namespace: string, name: string, port: number | undefined) => {
    const svc = find('Service', namespace, name);
    if (svc) return port === undefined || ((svc.spec as any).ports ?? []).some((p: any) => p.port === port);
    return Object.values(UPSTREAM_SERVICES).some(
      (u) => u.namespace === namespace && u.name === name && (port === undefined || (Object.values(u.ports) as number[]).includes(port)),
    );
  };
  const serviceAccountExists = (namespace: string, name: string) =>
    !!find('ServiceAccount', namespace, name) || Object.values(UPSTREAM_SERVICE_ACCOUNTS).some((u) => u.namespace === namespace && u.name === name);

  const lookup: Lookup = { problems, pods, byKind, find, namespaces, selectsPods, serviceExists, serviceAccountExists };
  for (const o of objects) {
    const ns = o.metadata.namespace;
    if (ns && !namespaces.has(ns)) problems.push(`${id(o)} -> Namespace ${ns}: not rendered, not created by Argo CD or an upstream chart`);
    REFERENCES_OF_KIND[o.kind]?.(o, ns, o.spec as any, lookup);
    if (o.apiVersion.startsWith(`${CONSTRAINTS_GROUP}/`)) constraintReferences(o, lookup);
    podSpecReferences(o, ns, lookup);
  }
  return problems;
}

/** The references each kind makes, checked by kind. */
const REFERENCES_OF_KIND: Readonly<Record<string, (o: KubeObject, ns: string | undefined, spec: any, r: Lookup) => void>> = {
  Gateway: gatewayReferences,
  HTTPRoute: httpRouteReferences,
  Service: serviceReferences,
  PodDisruptionBudget: pdbReferences,
  NetworkPolicy: networkPolicyReferences,
  CiliumNetworkPolicy: ciliumPolicyReferences,
  AuthorizationPolicy: authorizationPolicyReferences,
  PeerAuthentication: peerAuthenticationReferences,
};

/** What every reference check reads: the objects by kind and name, the namespaces, the pods, and where problems go. */
interface Lookup {
  readonly problems: string[];
  readonly pods: ReturnType<typeof podsOf>;
  readonly byKind: (kind: string) => KubeObject[];
  readonly find: (kind: string, namespace: string | undefined, name: string) => KubeObject | undefined;
  readonly namespaces: ReadonlySet<string>;
  readonly selectsPods: (from: KubeObject, what: string, namespace: string, selector: Labels | undefined) => void;
  readonly serviceExists: (namespace: string, name: string, port: number | undefined) => boolean;
  readonly serviceAccountExists: (namespace: string, name: string) => boolean;
}

/** Gateway: Its GatewayClass and the Secrets its listeners name. */
function gatewayReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { problems, find } = r;
  if (!find('GatewayClass', undefined, spec.gatewayClassName))
    problems.push(`${id(o)} gatewayClassName -> GatewayClass ${spec.gatewayClassName}: not rendered`);
  for (const listener of spec.listeners ?? []) {
    for (const ref of listener.tls?.certificateRefs ?? []) {
      const refNs = ref.namespace ?? ns;
      const known = !!find('Secret', refNs, ref.name) || Object.values(BOOTSTRAP_SECRETS).some((s) => s.namespace === refNs && s.name === ref.name);
      if (!known)
        problems.push(
          `${id(o)} listener ${listener.name} certificateRef -> Secret ${refNs}/${ref.name}: neither rendered nor created by the bootstrap`,
        );
    }
  }
}

/** HTTPRoute: Its KongPlugins, parent Gateways and their listeners and hosts, and its backend Services (cross-namespace only with a ReferenceGrant). */
function httpRouteReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { problems, find, byKind, serviceExists } = r;
  // KIC attaches the KongPlugins a route names, from the route's namespace; a name that resolves to none is skipped.
  for (const plugin of (((o.metadata.annotations ?? {}) as Record<string, string>)[KONG_PLUGINS_ANNOTATION] ?? '').split(',').filter(Boolean)) {
    if (!find('KongPlugin', ns, plugin.trim()))
      problems.push(`${id(o)} ${KONG_PLUGINS_ANNOTATION} -> KongPlugin ${ns}/${plugin.trim()}: not rendered`);
  }
  for (const parent of spec.parentRefs ?? []) {
    const gateway = find('Gateway', parent.namespace ?? ns, parent.name);
    if (!gateway) problems.push(`${id(o)} parentRef -> Gateway ${parent.namespace ?? ns}/${parent.name}: not rendered`);
    else if (parent.sectionName && !(gateway.spec as any).listeners.some((l: any) => l.name === parent.sectionName)) {
      problems.push(`${id(o)} parentRef -> ${id(gateway)} listener ${parent.sectionName}: no such listener`);
    } else {
      // A listener without hostname takes every host; `*.d` takes one label under d.
      const listeners = ((gateway.spec as any).listeners as any[]).filter((l) => !parent.sectionName || l.name === parent.sectionName);
      const accepts = (pattern: string | undefined, host: string) =>
        !pattern ||
        pattern === host ||
        (pattern.startsWith('*.') && host.endsWith(pattern.slice(1)) && !host.slice(0, -pattern.length + 1).includes('.'));
      for (const host of spec.hostnames ?? []) {
        if (!listeners.some((l) => accepts(l.hostname, host))) problems.push(`${id(o)} hostname ${host} -> ${id(gateway)}: no listener accepts it`);
      }
    }
  }
  for (const rule of spec.rules ?? []) {
    for (const ref of rule.backendRefs ?? []) {
      const refNs = ref.namespace ?? ns;
      if ((ref.kind ?? 'Service') !== 'Service') continue;
      if (!serviceExists(refNs, ref.name, ref.port))
        problems.push(`${id(o)} backendRef -> Service ${refNs}/${ref.name}:${ref.port}: no such Service and port, rendered or upstream`);
      if (refNs !== ns) {
        const granted = byKind('ReferenceGrant').some(
          (g) => g.metadata.namespace === refNs && (g.spec as any).from.some((f: any) => f.kind === 'HTTPRoute' && f.namespace === ns),
        );
        if (!granted) problems.push(`${id(o)} backendRef -> Service ${refNs}/${ref.name}: cross-namespace without a ReferenceGrant in ${refNs}`);
      }
    }
  }
}

/** Service: The pods it selects, or the EndpointSlices of a selectorless one, and the container ports its named target ports mean. */
function serviceReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { problems, byKind, pods, selectsPods } = r;
  selectsPods(o, 'selector', ns!, spec.selector);
  if (!spec.selector && spec.type !== 'ExternalName') {
    // A Service without a selector (a DC upstream) gets its endpoints from EndpointSlices that name it, port by port.
    const slices = byKind('EndpointSlice').filter(
      (e) =>
        e.metadata.namespace === ns && (e.metadata.labels as Record<string, string> | undefined)?.['kubernetes.io/service-name'] === o.metadata.name,
    );
    if (slices.length === 0)
      problems.push(
        `${id(o)} has no selector -> no EndpointSlice labelled kubernetes.io/service-name=${o.metadata.name}: it would have no endpoints`,
      );
    for (const port of spec.ports ?? []) {
      if (
        slices.length > 0 &&
        !slices.some((e: any) => (e.ports ?? []).some((p: any) => p.name === port.name && p.port === (port.targetPort ?? port.port)))
      ) {
        problems.push(`${id(o)} port ${port.name}:${port.port} -> no EndpointSlice port of that name and number`);
      }
    }
  }
  for (const port of spec.ports ?? []) {
    const target = port.targetPort;
    const backing = pods.filter((p) => p.namespace === ns && spec.selector && matches(spec.selector, p.labels));
    if (typeof target === 'string' && backing.length > 0 && !backing.every((p) => p.ports.includes(target))) {
      problems.push(
        `${id(o)} port ${port.name ?? port.port} targetPort -> container port named ${target}: missing in ${backing
          .filter((p) => !p.ports.includes(target))
          .map((p) => p.owner)
          .join(', ')}`,
      );
    }
  }
}

/** PodDisruptionBudget: The pods it selects. */
function pdbReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { selectsPods } = r;
  selectsPods(o, 'selector', ns!, spec.selector?.matchLabels);
}

/** NetworkPolicy: The pods it selects and its peers' namespaces and pods. */
function networkPolicyReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { problems, namespaces, selectsPods } = r;
  selectsPods(o, 'podSelector', ns!, spec.podSelector?.matchLabels);
  for (const rule of [...(spec.ingress ?? []).flatMap((r: any) => r.from ?? []), ...(spec.egress ?? []).flatMap((r: any) => r.to ?? [])]) {
    const peerNs = rule.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'] ?? (rule.namespaceSelector ? undefined : ns);
    if (peerNs && !namespaces.has(peerNs)) problems.push(`${id(o)} peer -> Namespace ${peerNs}: does not exist`);
    if (peerNs) selectsPods(o, 'peer podSelector', peerNs, rule.podSelector?.matchLabels);
  }
}

/** CiliumNetworkPolicy: The endpoints it selects, its peers, and that its ports are the targets' container ports. */
function ciliumPolicyReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { problems, find, namespaces, pods, selectsPods } = r;
  selectsPods(o, 'endpointSelector', ns!, spec.endpointSelector?.matchLabels);
  for (const rule of spec.ingress ?? []) {
    for (const from of rule.fromEndpoints ?? []) {
      const labels: Labels = { ...from.matchLabels };
      const peerNs = labels['k8s:io.kubernetes.pod.namespace'] ?? ns!;
      delete labels['k8s:io.kubernetes.pod.namespace'];
      if (!namespaces.has(peerNs)) problems.push(`${id(o)} fromEndpoints -> Namespace ${peerNs}: does not exist`);
      selectsPods(o, 'fromEndpoints', peerNs, labels);
    }
    for (const toPort of rule.toPorts ?? []) {
      const targets = pods.filter((p) => p.namespace === ns && matches(spec.endpointSelector?.matchLabels ?? {}, p.labels));
      // In an ambient namespace ztunnel takes HBONE on 15008 in every pod's own network namespace: a port of each pod too.
      const meshed = (find('Namespace', undefined, ns!)?.metadata.labels as Labels | undefined)?.[AMBIENT_LABEL.key] === AMBIENT_LABEL.value;
      const appPorts = new Set([...targets.flatMap((p) => p.numericPorts), ...(meshed ? [HBONE_PORT] : [])]);
      const declared = (toPort.ports ?? []).map((p: any) => Number(p.port));
      if (targets.length > 0 && !declared.some((p: number) => appPorts.has(p))) {
        problems.push(`${id(o)} toPorts ${declared.join(',')} -> none of these is a container port of ${targets.map((p) => p.owner).join(', ')}`);
      }
    }
  }
}

/** AuthorizationPolicy: The pods it selects and the ServiceAccounts its principals name. */
function authorizationPolicyReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { problems, selectsPods, serviceAccountExists } = r;
  selectsPods(o, 'selector', ns!, spec.selector?.matchLabels);
  for (const rule of spec.rules ?? []) {
    for (const from of rule.from ?? []) {
      for (const principal of from.source?.principals ?? []) {
        const m = /^[^/]+\/ns\/([^/]+)\/sa\/([^/]+)$/.exec(principal);
        if (!m) problems.push(`${id(o)} principal ${principal}: not of the form <trust-domain>/ns/<namespace>/sa/<name>`);
        else if (!serviceAccountExists(m[1], m[2]))
          problems.push(`${id(o)} principal ${principal} -> ServiceAccount ${m[1]}/${m[2]}: not rendered and not created by an upstream chart`);
      }
    }
  }
}

/** PeerAuthentication: The pods it selects. */
function peerAuthenticationReferences(o: KubeObject, ns: string | undefined, spec: any, r: Lookup): void {
  const { selectsPods } = r;
  selectsPods(o, 'selector', ns!, spec.selector?.matchLabels);
}

/** A Gatekeeper Constraint: the ConstraintTemplate that defines its kind. */
function constraintReferences(o: KubeObject, r: Lookup): void {
  if (o.apiVersion.startsWith('constraints.gatekeeper.sh/')) {
    const template = r.byKind('ConstraintTemplate').find((t) => (t.spec as any).crd.spec.names.kind === o.kind);
    if (!template) r.problems.push(`${id(o)} -> ConstraintTemplate for kind ${o.kind}: not rendered`);
  }
}

/** A workload's pod template: its ServiceAccount and PriorityClass. */
function podSpecReferences(o: KubeObject, ns: string | undefined, r: Lookup): void {
  const podSpec = podTemplateOf(o)?.spec;
  if (podSpec) {
    if (podSpec.serviceAccountName && !r.serviceAccountExists(ns ?? 'default', podSpec.serviceAccountName)) {
      r.problems.push(`${id(o)} serviceAccountName -> ServiceAccount ${ns}/${podSpec.serviceAccountName}: not rendered`);
    }
    if (podSpec.priorityClassName && !r.find('PriorityClass', undefined, podSpec.priorityClassName)) {
      r.problems.push(`${id(o)} priorityClassName -> PriorityClass ${podSpec.priorityClassName}: not rendered`);
    }
  }
}
