import { KubeObject, RenderedEnvironment } from '../../lib/synth';
import { ControlPlane } from './control-plane';
import { applicationNamespaces, environmentManifests, objectKey, OrderedObject, runtimeCrds } from './environment-manifests';
import { HydratedApp } from './hydrate';
import { ApiResponse, KubeClient, statusMessage } from './kube-client';

/**
 * Applies an environment to a real API server the way Argo CD would, with
 * server-side apply and strict field validation, and reports what the server
 * said about each object; then waits for the workloads that controllers and
 * kwok bring up.
 */

export const FIELD_MANAGER = 'argocd-controller';

export interface Rejection {
  readonly app: string;
  readonly object: string;
  readonly status: number;
  readonly message: string;
}

export interface ServerWarning {
  readonly app: string;
  readonly object: string;
  readonly warning: string;
}

export interface AdmissionReport {
  readonly applied: { readonly ours: number; readonly upstream: number; readonly argocd: number };
  readonly rejected: readonly Rejection[];
  readonly warnings: readonly ServerWarning[];
  readonly seconds: number;
  /** Objects the apply touched, for the second apply. */
  readonly admitted: readonly OrderedObject[];
}

const label = (o: KubeObject) => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits until the kind is served (a CRD applied just before is Established), rediscovering. */
export async function ensureServed(client: KubeClient, object: KubeObject, seconds = 10): Promise<boolean> {
  const deadline = Date.now() + seconds * 1000;
  while (!client.resourceFor(object.apiVersion, object.kind)) {
    if (Date.now() > deadline) return false;
    await sleep(200);
    await client.discover();
  }
  return true;
}

async function inBatches<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** The manifests grouped so that objects Argo CD applies together (same app, phase, wave and kind) go in parallel. */
function groups(manifests: readonly OrderedObject[]): OrderedObject[][] {
  const out: OrderedObject[][] = [];
  for (const m of manifests) {
    const last = out[out.length - 1]?.[0];
    if (last && last.app === m.app && last.phase === m.phase && last.wave === m.wave && last.object.kind === m.object.kind)
      out[out.length - 1].push(m);
    else out.push([m]);
  }
  return out;
}

export async function applyEnvironment(cp: ControlPlane, rendered: RenderedEnvironment, hydrated: readonly HydratedApp[]): Promise<AdmissionReport> {
  const started = Date.now();
  const client = cp.client;
  const rejected: Rejection[] = [];
  const warnings: ServerWarning[] = [];
  const admitted: OrderedObject[] = [];
  const applied = { ours: 0, upstream: 0, argocd: 0 };
  const record = (app: string, object: KubeObject, response: ApiResponse) => {
    for (const w of response.warnings) warnings.push({ app, object: label(object), warning: w });
    if (response.status >= 300) rejected.push({ app, object: label(object), status: response.status, message: statusMessage(response) });
  };

  for (const crd of runtimeCrds(rendered)) record('runtime CRDs', crd, await client.apply(crd, FIELD_MANAGER));
  await client.discover();

  const namespaces = applicationNamespaces(rendered);
  const created = new Set<string>();
  for (const group of groups(environmentManifests(rendered, hydrated))) {
    const { app } = group[0];
    const ns = namespaces.get(app);
    if (ns && !created.has(app)) {
      created.add(app);
      // CreateNamespace=true, with the Application's managedNamespaceMetadata labels.
      const namespace = {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: ns.namespace, ...(Object.keys(ns.labels).length ? { labels: ns.labels } : {}) },
      };
      record(app, namespace, await client.apply(namespace, `${FIELD_MANAGER}-${app}`));
    }
    await inBatches(group, 8, async (m) => {
      if (!(await ensureServed(client, m.object))) {
        rejected.push({ app, object: label(m.object), status: 404, message: `the server does not serve ${m.object.kind} in ${m.object.apiVersion}` });
        return;
      }
      const response = await client.apply(m.object, FIELD_MANAGER);
      record(app, m.object, response);
      if (response.status < 300) {
        applied[m.origin]++;
        admitted.push(m);
      }
    });
  }
  return { applied, rejected, warnings, seconds: (Date.now() - started) / 1000, admitted };
}

export interface ReapplyReport {
  readonly objects: number;
  /** A second apply that bumps a generation changed the object: always a defect. */
  readonly generationBumps: ReadonlyArray<{ readonly object: string; readonly what: string }>;
  /** Objects whose applied field set changed, and whether a third apply then changes nothing. */
  readonly managedFieldChanges: ReadonlyArray<{ readonly object: string; readonly settlesOnThirdApply: boolean; readonly manifest: KubeObject }>;
  /** Writes that changed only the resourceVersion (a CRD's status defaults re-applied), not the object. */
  readonly writesWithoutChange: readonly string[];
  readonly rejected: readonly string[];
}

const ourFields = (meta: any): string =>
  JSON.stringify((meta?.managedFields ?? []).filter((f: any) => f.manager === FIELD_MANAGER && f.operation === 'Apply').map((f: any) => f.fieldsV1));

/** A second apply of every non-hook object: no generation bump, and the same fields owned by the applier. */
export async function reapply(client: KubeClient, admitted: readonly OrderedObject[]): Promise<ReapplyReport> {
  const generationBumps: Array<{ object: string; what: string }> = [];
  const managedFieldChanges: Array<{ object: string; settlesOnThirdApply: boolean; manifest: KubeObject }> = [];
  const writesWithoutChange: string[] = [];
  const rejected: string[] = [];
  const objects = admitted.filter((m) => !m.hook);
  await inBatches(objects, 8, async (m) => {
    const key = objectKey(m.object);
    const before = await client.get(m.object.apiVersion, m.object.kind, m.object.metadata.name, m.object.metadata.namespace);
    const after = await client.apply(m.object, FIELD_MANAGER);
    const b = before.body?.metadata ?? {};
    const a = after.body?.metadata ?? {};
    if (after.status >= 300) rejected.push(`${key}: ${statusMessage(after)}`);
    else if (a.generation !== b.generation) generationBumps.push({ object: key, what: `generation ${b.generation} -> ${a.generation}` });
    else if (ourFields(a) !== ourFields(b)) {
      const third = await client.apply(m.object, FIELD_MANAGER);
      managedFieldChanges.push({ object: key, settlesOnThirdApply: ourFields(third.body?.metadata) === ourFields(a), manifest: m.object });
    } else if (a.resourceVersion !== b.resourceVersion) writesWithoutChange.push(key);
  });
  return { objects: objects.length, generationBumps, managedFieldChanges, writesWithoutChange, rejected };
}

export interface WorkloadStatus {
  readonly kind: string;
  readonly name: string;
  readonly ready: number;
  readonly desired: number;
}

/** Deployments, StatefulSets and DaemonSets with their ready and desired counts. */
export async function workloads(client: KubeClient): Promise<WorkloadStatus[]> {
  const out: WorkloadStatus[] = [];
  for (const kind of ['Deployment', 'StatefulSet', 'DaemonSet'] as const) {
    for (const o of (await client.list('apps/v1', kind)).body.items as any[]) {
      const name = `${o.metadata.namespace}/${o.metadata.name}`;
      if (kind === 'DaemonSet') out.push({ kind, name, ready: o.status?.numberReady ?? 0, desired: o.status?.desiredNumberScheduled ?? -1 });
      else out.push({ kind, name, ready: o.status?.readyReplicas ?? 0, desired: o.spec?.replicas ?? 1 });
    }
  }
  return out.sort((a, b) => `${a.kind} ${a.name}`.localeCompare(`${b.kind} ${b.name}`));
}

/** Waits until every workload has its desired ready count (DaemonSets: at least one scheduled), or the time is up. */
export async function waitForWorkloads(client: KubeClient, seconds: number): Promise<{ statuses: WorkloadStatus[]; seconds: number }> {
  const started = Date.now();
  let statuses = await workloads(client);
  const done = (s: readonly WorkloadStatus[]) => s.every((w) => w.desired > 0 && w.ready === w.desired);
  while (!done(statuses) && Date.now() - started < seconds * 1000) {
    await sleep(1000);
    statuses = await workloads(client);
  }
  return { statuses, seconds: (Date.now() - started) / 1000 };
}
