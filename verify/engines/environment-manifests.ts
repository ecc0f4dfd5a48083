import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { constraintCrdFor } from './constraint-crds';
import { BOOTSTRAP_HELM_INSTALLS } from '../../bootstrap/bootstrap-env';
import { KubeObject, RenderedEnvironment } from '../../lib/synth';
import { isHook, kindRank, objectWave, SyncPhase, syncPhases } from './argocd-semantics';
import { applicationsOf, HydratedApp } from './hydrate';
import { crdMirror } from './mirrors';

/**
 * Everything one environment puts into a cluster, in the order Argo CD would
 * apply it: the bootstrap's objects, then each child Application by sync wave
 * (its namespace first, as CreateNamespace does), inside it by phase, object
 * wave and Argo CD's kind order. Our objects come from the render, upstream
 * objects from their Helm renders.
 */
export interface OrderedObject {
  readonly app: string;
  readonly appWave: number;
  readonly phase: SyncPhase;
  readonly wave: number;
  readonly hook: boolean;
  readonly origin: 'ours' | 'upstream' | 'argocd';
  readonly object: KubeObject;
}

const PHASE_ORDER: readonly SyncPhase[] = ['PreSync', 'Sync', 'PostSync'];

/** The folders of dist/<env>/ that are not child Applications. */
const NOT_CHILDREN = new Set(['apps', 'bootstrap']);

export const objectKey = (o: KubeObject): string => `${o.apiVersion}/${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;

/**
 * CRDs that controllers create at runtime, which no chart in the environment
 * ships: Cilium's policy CRDs (the agent registers them) from the CRD mirror,
 * and Gatekeeper's Constraint CRDs, rebuilt from our rendered templates in the
 * shape Gatekeeper generates (status subresource, its labels).
 */
export function runtimeCrds(rendered: RenderedEnvironment): KubeObject[] {
  return [...ciliumRuntimeCrds(), ...constraintCrdsOf(rendered)];
}

/** The policy CRDs the Cilium agent registers when it starts, from the CRD mirror. */
export function ciliumRuntimeCrds(): KubeObject[] {
  const mirror = crdMirror();
  if (!mirror) return [];
  return ['cilium/ciliumnetworkpolicies.yaml', 'cilium/ciliumclusterwidenetworkpolicies.yaml'].map(
    (file) => YAML.parse(fs.readFileSync(path.join(mirror, file), 'utf8')) as KubeObject,
  );
}

/** The CRD Gatekeeper generates for each of our rendered ConstraintTemplates. */
export function constraintCrdsOf(rendered: RenderedEnvironment): KubeObject[] {
  const crds: KubeObject[] = [];
  for (const { object } of rendered.files.filter((f) => f.object.kind === 'ConstraintTemplate')) {
    const crd = (object.spec as any).crd.spec;
    const generated = constraintCrdFor(
      crd.names.kind,
      crd.validation?.openAPIV3Schema?.properties ? crd.validation.openAPIV3Schema : undefined,
    ) as any;
    const version = generated.spec.versions[0];
    version.subresources = { status: {} };
    version.schema.openAPIV3Schema.properties.status = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    generated.metadata.labels = { 'gatekeeper.sh/constraint': 'yes' };
    crds.push(generated as KubeObject);
  }
  return crds;
}

export function environmentManifests(rendered: RenderedEnvironment, hydrated: readonly HydratedApp[]): OrderedObject[] {
  const apps = applicationsOf(rendered);
  const waveOf = new Map(apps.map((a) => [a.name, a.wave]));
  const out: OrderedObject[] = [];
  const add = (app: string, origin: OrderedObject['origin'], object: KubeObject) => {
    for (const phase of syncPhases(object)) {
      if (!PHASE_ORDER.includes(phase)) continue;
      out.push({ app, appWave: waveOf.get(app) ?? -1, phase, wave: objectWave(object), hook: isHook(object), origin, object });
    }
  };
  // What setup.sh applies before Argo CD, and the root Application's own source.
  // Argo CD's own objects (the root and its project) come last, after the helm installs; the rest of the bootstrap first:
  // namespaces, and the lab's clone volume (bootstrap/lab-clone-volume.ts).
  const argoObject = (o: KubeObject) => o.apiVersion.startsWith('argoproj.io/');
  for (const f of rendered.files.filter((x) => x.component === 'bootstrap' && !argoObject(x.object))) add('bootstrap', 'ours', f.object);
  for (const f of rendered.files.filter((x) => x.component === 'apps' || (x.component === 'bootstrap' && argoObject(x.object))))
    add('apps', 'argocd', f.object);
  for (const f of rendered.files.filter((x) => !NOT_CHILDREN.has(x.component))) add(f.component, 'ours', f.object);
  for (const app of hydrated) for (const o of app.objects) add(app.app, 'upstream', o.object);
  // setup.sh: namespaces and secrets, `helm install` of Cilium then Argo CD, then the root Application.
  const installedFirst: readonly string[] = BOOTSTRAP_HELM_INSTALLS;
  const appOrder = (name: string) =>
    name === 'bootstrap'
      ? -1000
      : installedFirst.includes(name)
        ? -999 + installedFirst.indexOf(name)
        : name === 'apps'
          ? -900
          : (waveOf.get(name) ?? 0);
  return out.sort(
    (a, b) =>
      appOrder(a.app) - appOrder(b.app) ||
      a.app.localeCompare(b.app) ||
      PHASE_ORDER.indexOf(a.phase) - PHASE_ORDER.indexOf(b.phase) ||
      a.wave - b.wave ||
      kindRank(a.object.kind) - kindRank(b.object.kind) ||
      a.object.kind.localeCompare(b.object.kind) ||
      objectKey(a.object).localeCompare(objectKey(b.object)),
  );
}

/** The destination namespace of each child Application and the labels Argo CD puts on it (CreateNamespace, managedNamespaceMetadata). */
export function applicationNamespaces(rendered: RenderedEnvironment): Map<string, { namespace: string; labels: Record<string, string> }> {
  return namespacesOfApplications(rendered.files.filter((x) => x.component === 'apps').map((x) => x.object));
}

/** The same, read from Application objects however they were had (a render, or dist/ at a commit). */
export function namespacesOfApplications(objects: readonly KubeObject[]): Map<string, { namespace: string; labels: Record<string, string> }> {
  const out = new Map<string, { namespace: string; labels: Record<string, string> }>();
  for (const app of objects.filter((o) => o.kind === 'Application')) {
    const spec = app.spec as any;
    out.set(app.metadata.name, { namespace: spec.destination.namespace, labels: spec.syncPolicy?.managedNamespaceMetadata?.labels ?? {} });
  }
  return out;
}
