import * as YAML from 'yaml';
import { KubeObject } from '../../lib/synth';
import { KONG_GATEWAY } from '../../topology/index';
import { HarnessEndpoint } from '../engines/cilium-policy';
import {
  ClusterState,
  ConnectionRequest,
  ConnectionVerdict,
  configuredRequests,
  judgeRequests,
  KUBE_APISERVER_ENTITY,
  resolveConnection,
} from '../engines/connections';
import { endpointOf } from './cilium-verdicts';
import { Flow } from './flows';
import { ConnectionException, exceptionFor } from './connection-exceptions';
import { podTemplateOf, PodTemplate } from '../engines/pods';

/**
 * Every connection the rendered objects configure, read from the objects
 * themselves rather than written down by hand:
 *
 * - a workload's own calls: URLs in its containers' env and args, and
 *   `host:port` env values that name a Service;
 * - its config files: every URL, and every `host:port` that names a Service,
 *   in the ConfigMaps and Secrets its pods mount or take env from (the
 *   collector's exporters, Grafana's datasources, Alloy's and Alertmanager's
 *   targets and webhooks), and the datasources Grafana's sidecar loads by label;
 * - Kong's routes, from outside the cluster through the proxy to each backend;
 * - the API server's calls: admission and conversion webhooks, aggregated APIs;
 * - Argo CD's repo-server to every Application's source.
 *
 * Each is a ConnectionRequest that verify/engines/connections.ts resolves to
 * the pods and port behind the Service and Cilium's engine judges.
 */

/** What kind of configuration a connection comes from, for the report. */
export type ConnectionSource = 'env' | 'args' | 'config' | 'route' | 'webhook' | 'repository';

export interface ConfiguredConnection extends ConnectionRequest {
  readonly source: ConnectionSource;
}

/** Addresses a config listens on, or the pod itself: never a connection to judge. */
const LOCAL_HOST = /^(0\.0\.0\.0|127\.\d+\.\d+\.\d+|localhost|\[::1?\]|::)$/;
/** A value made at run time (an env reference, a template): nothing to resolve in the render. */
const TEMPLATED = /\$\{|\$\(|\{\{|%\(|<[a-z-]+>/i;
/** A URL in a text, up to a quote, a bracket, a separator or a variable (nginx's `$request_uri`). */
const URL_IN_TEXT = /\b(?:https?|grpcs?):\/\/[^\s"'`<>,;)}\]\\$]+/g;
const HOST_PORT = /^([a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*):(\d{1,5})$/;
/** The Service name forms a pod resolves: `svc`, `svc.ns`, `svc.ns.svc`, `svc.ns.svc.cluster.local`. */
const SERVICE_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)?(\.svc(\.cluster\.local)?)?$/;

/** The workload a pod template belongs to, as the harness names it. */
export function workloadEndpoint(object: KubeObject, template: PodTemplate): HarnessEndpoint {
  return {
    name: `${object.kind.toLowerCase()}/${object.metadata.name} (${object.metadata.namespace})`,
    namespace: object.metadata.namespace,
    labels: { ...(template.metadata.labels ?? {}) },
    serviceAccount: template.spec.serviceAccountName ?? 'default',
  };
}

/** A URL worth judging: an address a pod could dial, not a listen address or a value made at run time. */
function dialable(url: string): string | undefined {
  const trimmed = url.replace(/[.:]+$/, '');
  if (TEMPLATED.test(trimmed)) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(trimmed.replace(/^grpc(s?):/, 'http$1:'));
  } catch {
    return undefined;
  }
  if (!parsed.hostname || LOCAL_HOST.test(parsed.hostname)) return undefined;
  return trimmed;
}

/** `host:port` as a URL, where the host names a Service the cluster has (a bare `name:port` is too often something else). */
function hostPortUrl(value: string, names: ReadonlySet<string>, callerNamespace: string | undefined): string | undefined {
  const match = HOST_PORT.exec(value.trim());
  if (!match || LOCAL_HOST.test(match[1]) || !SERVICE_NAME.test(match[1])) return undefined;
  const [name, namespace = callerNamespace] = match[1].replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  if (!names.has(`${namespace}/${name}`)) return undefined;
  return `tcp://${match[1]}:${match[5]}`;
}

/** Every URL and Service `host:port` in a config text: its YAML or JSON strings where it parses, else the URLs in its lines. */
function addressesInText(text: string, names: ReadonlySet<string>, namespace: string | undefined): string[] {
  const out = new Set<string>();
  const strings: string[] = [];
  try {
    const walk = (value: unknown): void => {
      if (typeof value === 'string') strings.push(value);
      else if (Array.isArray(value)) value.forEach(walk);
      else if (value && typeof value === 'object') Object.values(value).forEach(walk);
    };
    walk(YAML.parse(text));
  } catch {
    strings.push(text);
  }
  for (const s of strings.length > 0 ? strings : [text]) {
    const hostPort = hostPortUrl(s, names, namespace);
    if (hostPort) out.add(hostPort);
    for (const match of s.matchAll(URL_IN_TEXT)) {
      const url = dialable(match[0]);
      if (url) out.add(url);
    }
  }
  return [...out];
}

const textValues = (object: KubeObject): Array<[string, string]> => {
  const data = (object as { data?: Record<string, string> }).data ?? {};
  const stringData = (object as { stringData?: Record<string, string> }).stringData ?? {};
  const decoded =
    object.kind === 'Secret'
      ? Object.entries(data).map(([k, v]): [string, string] => [k, Buffer.from(v, 'base64').toString('utf8')])
      : Object.entries(data);
  return [...decoded, ...Object.entries(stringData)];
};

/** A ConfigMap or Secret a pod reads, and which of its keys (all, where `keys` is absent). */
interface ConfigSource {
  readonly kind: 'ConfigMap' | 'Secret';
  readonly name: string;
  readonly keys?: readonly string[];
}

/** The ConfigMaps and Secrets a pod reads: volumes (projected ones too, only the listed items), envFrom, and single keys in env. */
function configSources(template: PodTemplate): ConfigSource[] {
  const out: ConfigSource[] = [];
  const keys = (items: ReadonlyArray<{ key: string }> | undefined) => (items?.length ? { keys: items.map((i) => i.key) } : {});
  for (const v of template.spec.volumes ?? []) {
    if (v.configMap?.name) out.push({ kind: 'ConfigMap', name: v.configMap.name, ...keys(v.configMap.items) });
    if (v.secret?.secretName) out.push({ kind: 'Secret', name: v.secret.secretName, ...keys(v.secret.items) });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) out.push({ kind: 'ConfigMap', name: s.configMap.name, ...keys(s.configMap.items) });
      if (s.secret?.name) out.push({ kind: 'Secret', name: s.secret.name, ...keys(s.secret.items) });
    }
  }
  for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers]) {
    for (const e of c.envFrom ?? []) {
      if (e.configMapRef?.name) out.push({ kind: 'ConfigMap', name: e.configMapRef.name });
      if (e.secretRef?.name) out.push({ kind: 'Secret', name: e.secretRef.name });
    }
    for (const e of c.env ?? []) {
      const ref = e.valueFrom?.configMapKeyRef;
      const secretRef = e.valueFrom?.secretKeyRef;
      if (ref?.name) out.push({ kind: 'ConfigMap', name: ref.name, keys: [ref.key] });
      if (secretRef?.name) out.push({ kind: 'Secret', name: secretRef.name, keys: [secretRef.key] });
    }
  }
  return out;
}

/** The label by which Grafana's sidecar loads datasources from ConfigMaps and Secrets of any namespace. */
const GRAFANA_DATASOURCE_LABEL = 'grafana_datasource';

function workloadConnections(state: ClusterState, names: ReadonlySet<string>): ConfiguredConnection[] {
  const out: ConfiguredConnection[] = [];
  const configs = new Map(
    state.objects
      .filter((o) => o.kind === 'ConfigMap' || o.kind === 'Secret')
      .map((o) => [`${o.kind} ${o.metadata.namespace}/${o.metadata.name}`, o]),
  );
  const datasources = [...configs.values()].filter((o) => (o.metadata.labels as Record<string, string> | undefined)?.[GRAFANA_DATASOURCE_LABEL]);
  for (const object of state.objects) {
    const template = podTemplateOf(object);
    if (!template || object.kind === 'Pod' || !object.metadata.namespace) continue;
    const caller = workloadEndpoint(object, template);
    const where = `${object.kind} ${object.metadata.namespace}/${object.metadata.name}`;
    for (const r of configuredRequests(caller, template, where)) out.push({ ...r, source: r.where.endsWith(' args') ? 'args' : 'env' });
    for (const c of [...(template.spec.initContainers ?? []), ...template.spec.containers])
      for (const e of c.env ?? []) {
        const url = e.value && hostPortUrl(e.value, names, object.metadata.namespace);
        if (url) out.push({ from: caller, url, where: `${where} container ${c.name} env ${e.name}`, source: 'env' });
      }
    const read = configSources(template).flatMap((s) => {
      const config = configs.get(`${s.kind} ${object.metadata.namespace}/${s.name}`);
      return config ? [{ config, keys: s.keys }] : [];
    });
    const sidecarLoaded = template.spec.containers.some((c) => (c.env ?? []).some((e) => e.name === 'LABEL' && e.value === GRAFANA_DATASOURCE_LABEL))
      ? datasources.map((config) => ({ config, keys: undefined }))
      : [];
    for (const { config, keys } of [...read, ...sidecarLoaded])
      for (const [key, text] of textValues(config).filter(([k]) => !keys || keys.includes(k)))
        for (const url of addressesInText(text, names, object.metadata.namespace))
          out.push({
            from: caller,
            url,
            where: `${where} reads ${config.kind} ${config.metadata.namespace}/${config.metadata.name} ${key}`,
            source: 'config',
          });
  }
  return out;
}

interface HttpRoute extends KubeObject {
  readonly spec: {
    readonly hostnames?: readonly string[];
    readonly parentRefs?: ReadonlyArray<{ readonly name: string; readonly namespace?: string }>;
    readonly rules?: ReadonlyArray<{ readonly matches?: ReadonlyArray<{ readonly path?: { readonly value?: string } }> }>;
  };
}

/** Each host and path of Kong's routes, from outside the cluster through Kong's proxy. */
function routeConnections(state: ClusterState): ConfiguredConnection[] {
  const out: ConfiguredConnection[] = [];
  for (const route of state.objects.filter((o): o is HttpRoute => o.kind === 'HTTPRoute')) {
    const onKong = (route.spec.parentRefs ?? []).some(
      (p) => p.name === KONG_GATEWAY.name && (p.namespace ?? route.metadata.namespace) === KONG_GATEWAY.namespace,
    );
    if (!onKong) continue;
    const paths = new Set((route.spec.rules ?? []).flatMap((r) => (r.matches?.length ? r.matches.map((m) => m.path?.value ?? '/') : ['/'])));
    for (const host of route.spec.hostnames ?? [])
      for (const p of paths)
        out.push({
          from: { name: 'a client outside the cluster', host: true },
          url: `http://${host}${p}`,
          where: `HTTPRoute ${route.metadata.namespace}/${route.metadata.name}`,
          source: 'route',
        });
  }
  return out;
}

interface ServiceReference {
  readonly name: string;
  readonly namespace: string;
  readonly port?: number;
  readonly path?: string;
}

/** The API server's own calls: admission webhooks, CRD conversion webhooks and aggregated APIs served by a Service. */
function apiServerConnections(state: ClusterState): ConfiguredConnection[] {
  const out: ConfiguredConnection[] = [];
  const call = (service: ServiceReference, where: string) =>
    out.push({
      from: KUBE_APISERVER_ENTITY,
      url: `https://${service.name}.${service.namespace}.svc:${service.port ?? 443}${service.path ?? ''}`,
      where,
      source: 'webhook',
    });
  for (const o of state.objects) {
    const label = `${o.kind} ${o.metadata.name}`;
    if (o.kind === 'ValidatingWebhookConfiguration' || o.kind === 'MutatingWebhookConfiguration')
      for (const w of (o as { webhooks?: Array<{ name: string; clientConfig?: { service?: ServiceReference } }> }).webhooks ?? [])
        if (w.clientConfig?.service) call(w.clientConfig.service, `${label} webhook ${w.name}`);
    const spec = o.spec as { conversion?: { webhook?: { clientConfig?: { service?: ServiceReference } } }; service?: ServiceReference } | undefined;
    if (o.kind === 'CustomResourceDefinition' && spec?.conversion?.webhook?.clientConfig?.service)
      call(spec.conversion.webhook.clientConfig.service, `${label} conversion`);
    if (o.kind === 'APIService' && spec?.service) call(spec.service, label);
  }
  return out;
}

/** Argo CD's repo-server fetches every Application's sources. */
function repositoryConnections(state: ClusterState): ConfiguredConnection[] {
  const repoServers = state.objects.filter(
    (o) => o.kind !== 'Pod' && (podTemplateOf(o)?.metadata.labels ?? {})['app.kubernetes.io/name'] === 'argocd-repo-server',
  );
  type Source = { repoURL?: string };
  const sources = state.objects
    .filter((o) => o.kind === 'Application' && o.apiVersion.startsWith('argoproj.io/'))
    .flatMap((app) => {
      const spec = app.spec as { source?: Source; sources?: Source[] };
      return [...(spec.source ? [spec.source] : []), ...(spec.sources ?? [])].map((s) => ({ app, repoURL: s.repoURL }));
    })
    .filter((s): s is { app: KubeObject; repoURL: string } => !!s.repoURL);
  const out: ConfiguredConnection[] = [];
  for (const server of repoServers)
    for (const { app, repoURL } of sources) {
      // An OCI registry or a plain host is reached over HTTPS.
      const url = /^[a-z]+:\/\//.test(repoURL) ? repoURL.replace(/^oci:/, 'https:') : `https://${repoURL}`;
      const dial = dialable(url);
      if (dial)
        out.push({
          from: workloadEndpoint(server, podTemplateOf(server)!),
          url: dial,
          where: `Application ${app.metadata.namespace}/${app.metadata.name} source`,
          source: 'repository',
        });
    }
  return out;
}

/** Every connection the objects of a cluster configure, each once per caller, URL and Host header. */
export function configuredConnections(state: ClusterState): ConfiguredConnection[] {
  const names = new Set(state.objects.filter((o) => o.kind === 'Service').map((o) => `${o.metadata.namespace}/${o.metadata.name}`));
  const all = [...workloadConnections(state, names), ...routeConnections(state), ...apiServerConnections(state), ...repositoryConnections(state)];
  const seen = new Set<string>();
  return all.filter((c) => {
    const key = `${c.from.name} ${c.url} ${c.hostHeader ?? ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A configured connection with Cilium's and the mesh's verdict, and the reviewed exception that covers a refusal. */
export interface JudgedConnection {
  readonly connection: ConfiguredConnection;
  readonly verdict: ConnectionVerdict;
  readonly exception?: ConnectionException;
}

/** Every connection the cluster's objects configure, judged by Cilium's engine behind the mesh's rule. */
export function judgeConfiguredConnections(harness: string, env: string, state: ClusterState): JudgedConnection[] {
  const connections = configuredConnections(state);
  const verdicts = judgeRequests(harness, state, connections);
  return connections.map((connection, i) => {
    const exception = verdicts[i].allowed ? undefined : exceptionFor(env, connection.from.name, connection.url);
    return { connection, verdict: verdicts[i], ...(exception ? { exception } : {}) };
  });
}

/** One line per refused connection no exception covers: the workload, the URL, where it is configured, and the verdict. */
export const refusedConnections = (judged: readonly JudgedConnection[]): string[] =>
  judged
    .filter((j) => !j.verdict.allowed && !j.exception)
    .map((j) => `${j.connection.from.name} calls ${j.connection.url} (${j.connection.where}): ${j.verdict.text}`);

/** The report: every configured connection with its verdict, grouped by caller. */
export function connectionReport(env: string, judged: readonly JudgedConnection[]): string {
  const rows = judged.map((j) => {
    const verdict = j.verdict.allowed ? 'allowed' : j.exception ? `refused, excepted: ${j.exception.why}` : `**refused**: ${j.verdict.text}`;
    return `| ${j.connection.from.name} | ${j.connection.source} | \`${j.connection.url}\`${j.connection.hostHeader ? ` (Host ${j.connection.hostHeader})` : ''} | ${j.connection.where} | ${verdict} |`;
  });
  return [
    `# ${env}: the connections the render configures, judged by Cilium's engine`,
    '',
    `${judged.length} connections, ${judged.filter((j) => j.verdict.allowed).length} allowed, ${judged.filter((j) => j.exception).length} excepted.`,
    '',
    '| caller | from | URL | configured in | verdict |',
    '| --- | --- | --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

/** Who an endpoint is to Cilium: its entity, its address, or its namespace, labels and ServiceAccount. */
const identityOf = (e: HarnessEndpoint): string =>
  e.entity
    ? `entity ${e.entity}`
    : e.address
      ? `address ${e.address}`
      : `${e.namespace} ${JSON.stringify(Object.entries(e.labels ?? {}).sort())} ${e.serviceAccount ?? 'default'}`;

/**
 * The flows of the hand-written table (./flows.ts) that a configured connection already makes, between the same
 * identities on the same port: each fact is written once, so the table keeps only what no config names.
 */
export function handFlowsAlsoConfigured(
  flows: readonly Flow[],
  state: ClusterState,
  connections: readonly ConfiguredConnection[] = configuredConnections(state),
): Flow[] {
  const hops = new Set(
    connections.flatMap((c) => {
      const resolved = resolveConnection(state, c);
      return 'hops' in resolved ? resolved.hops.map((h) => `${identityOf(h.from)} -> ${identityOf(h.to)} ${h.port}/${h.protocol}`) : [];
    }),
  );
  return flows.filter((f) =>
    hops.has(`${identityOf(endpointOf(f.from, state.objects))} -> ${identityOf(endpointOf(f.to, state.objects))} ${f.port}/${f.protocol}`),
  );
}
