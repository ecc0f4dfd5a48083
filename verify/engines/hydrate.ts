import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { VERSIONS } from '../../config/versions';
import { groupOf, KubeObject, RenderedEnvironment } from '../../lib/synth';
import { toYaml } from '../../lib/yaml';
import { userCacheDir } from '../tools/cache';
import { CLUSTER_SCOPED_BUILTIN_KINDS } from '../../lib/scope';
import { objectWave, SyncPhase, syncPhases } from './argocd-semantics';
import { KUBERNETES_BUILTIN_APIS } from './kubernetes-apis';
import { chartLabel, ChartRef, locateChart } from './charts';
import { crdMirror, GIT_SOURCE_MIRRORS } from './mirrors';

/**
 * Hydration: every upstream Application of an environment rendered as Argo
 * CD's repo-server renders it, from the Application as committed in dist/
 * and read the way Go reads it (YAML 1.1). Helm sources go through the pinned
 * Helm with the pinned chart; git sources come from the CRD mirror or a clone.
 */

/** A child Application as committed, reduced to what rendering needs. */
export interface ApplicationManifest {
  readonly name: string;
  readonly wave: number;
  readonly namespace: string;
  readonly source: {
    readonly repoURL: string;
    readonly targetRevision: string;
    readonly chart?: string;
    readonly path?: string;
    readonly helm?: { readonly releaseName?: string; readonly valuesObject?: unknown; readonly values?: string };
  };
  /** Fields Argo CD does not compare (spec.ignoreDifferences), which the rendered diff leaves out too. */
  readonly ignoreDifferences?: readonly IgnoreDifference[];
}

export interface IgnoreDifference {
  readonly group?: string;
  readonly kind: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly jsonPointers?: readonly string[];
  readonly jqPathExpressions?: readonly string[];
}

export interface HydratedObject {
  readonly app: string;
  readonly object: KubeObject;
  readonly phases: readonly SyncPhase[];
  readonly wave: number;
  /** Path inside the hydrated tree of the environment: `<app>/<kind>-<name>.yaml`. */
  readonly file: string;
}

export type HydrationStatus = 'rendered' | 'unverified' | 'failed';

export interface HydratedApp {
  readonly app: string;
  readonly wave: number;
  readonly namespace: string;
  /** `<chart> <version> (<repository>)` or `<repo> <path> <revision>`. */
  readonly source: string;
  readonly status: HydrationStatus;
  /** Why it failed or could not be verified. */
  readonly message?: string;
  readonly via?: 'mirror' | 'upstream';
  readonly chart?: { readonly ref: ChartRef; readonly archive?: string };
  /** Objects Argo CD would apply (hooks of an unsupported type are left out, as Argo CD leaves them out). */
  readonly objects: readonly HydratedObject[];
  /** Objects Argo CD never applies during a sync (Helm test hooks and the like). */
  readonly skipped: number;
}

export interface HydrationOptions {
  readonly helm: string;
  readonly kubeVersion?: string;
  /** Read and write renders in the per-user cache (default true). */
  readonly cache?: boolean;
  /** Told before and after each render Helm actually runs (a cached one is instant): `lib/progress.ts`. */
  readonly progress?: (what: string) => void;
}

const APPLICATION_FILE = /^apps\/application-.*\.yaml$/;

/** Child Applications of one environment from its dist/ files, parsed as YAML 1.1 like Argo CD does. */
export function readApplications(files: ReadonlyMap<string, string>): ApplicationManifest[] {
  const apps: ApplicationManifest[] = [];
  for (const [file, text] of [...files].sort(([a], [b]) => a.localeCompare(b))) {
    if (!APPLICATION_FILE.test(file)) continue;
    const app = YAML.parse(text, { version: '1.1' }) as {
      metadata: { name: string; annotations?: Record<string, string> };
      spec: { destination: { namespace: string }; source: ApplicationManifest['source']; ignoreDifferences?: IgnoreDifference[] };
    };
    apps.push({
      name: app.metadata.name,
      wave: Number(app.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0),
      namespace: app.spec.destination.namespace,
      source: app.spec.source,
      ...(app.spec.ignoreDifferences ? { ignoreDifferences: app.spec.ignoreDifferences } : {}),
    });
  }
  return apps;
}

/** Applications whose source is not our own dist/ folder: Helm charts and upstream git folders. */
export const isUpstream = (app: ApplicationManifest): boolean => !!app.source.chart || !(app.source.path ?? '').startsWith('dist/');

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

function parseManifests(text: string): KubeObject[] {
  return YAML.parseAllDocuments(text, { version: '1.1' })
    .map((doc) => doc.toJS({ maxAliasCount: -1 }) as KubeObject | null)
    .filter((o): o is KubeObject => !!o && typeof o === 'object' && !!o.kind);
}

interface RenderResult {
  readonly ok: boolean;
  readonly objects: KubeObject[];
  readonly message?: string;
}

/** The line of Helm's output that says what went wrong (it ends with a hint about --debug). */
const helmError = (stderr: string): string => {
  const lines = stderr.trim().split('\n');
  return (lines.find((l) => l.startsWith('Error:')) ?? lines[0]).replace(/^Error: /, '');
};

/** A chart archive's sha256, read once per process while its size and modification time stay the same. */
const ARCHIVE_DIGESTS = new Map<string, { stamp: string; digest: string }>();
function archiveDigest(archive: string): string {
  const stat = fs.statSync(archive);
  const stamp = `${stat.size} ${stat.mtimeMs}`;
  const known = ARCHIVE_DIGESTS.get(archive);
  if (known?.stamp === stamp) return known.digest;
  const digest = sha256(fs.readFileSync(archive));
  ARCHIVE_DIGESTS.set(archive, { stamp, digest });
  return digest;
}

/** `helm template` as Argo CD's repo-server runs it, cached by (chart archive, release, namespace, values, capabilities). */
function helmTemplate(app: ApplicationManifest, archive: string, apiVersions: readonly string[], options: HydrationOptions): RenderResult {
  const kubeVersion = options.kubeVersion ?? VERSIONS.kubernetesNode;
  const release = app.source.helm?.releaseName ?? app.name;
  const values = [app.source.helm?.values ? YAML.parse(app.source.helm.values, { version: '1.1' }) : undefined, app.source.helm?.valuesObject].filter(
    (v) => v !== undefined,
  );
  const key = sha256(JSON.stringify({ chart: archiveDigest(archive), release, namespace: app.namespace, kubeVersion, apiVersions, values }));
  const cacheFile = path.join(userCacheDir('renders'), `${key}.json`);
  if (options.cache !== false && fs.existsSync(cacheFile)) return JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as RenderResult;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'hydrate-'));
  options.progress?.(`rendering ${app.name} with Helm`);
  try {
    const valueFiles = values.map((v, i) => {
      const file = path.join(work, `values-${i}.json`);
      fs.writeFileSync(file, JSON.stringify(v));
      return file;
    });
    const args = ['template', release, archive, '--namespace', app.namespace, '--kube-version', kubeVersion, '--include-crds'];
    for (const v of apiVersions) args.push('--api-versions', v);
    for (const f of valueFiles) args.push('--values', f);
    const result = spawnSync(options.helm, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
    const rendered: RenderResult =
      result.status === 0
        ? { ok: true, objects: parseManifests(result.stdout) }
        : { ok: false, objects: [], message: helmError(result.stderr || result.error?.message || 'helm failed') };
    if (options.cache !== false) {
      fs.mkdirSync(path.dirname(cacheFile), { recursive: true });
      const temp = `${cacheFile}.${process.pid}`;
      fs.writeFileSync(temp, JSON.stringify(rendered));
      fs.renameSync(temp, cacheFile);
    }
    options.progress?.(`rendered ${app.name} with Helm`);
    return rendered;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The files of an upstream git folder: the CRD mirror's copy, else a shallow clone cached per user. Argo CD reads *.yaml, *.yml and *.json, not recursively. */
function gitDirectory(app: ApplicationManifest): { dir?: string; message?: string; via?: 'mirror' | 'upstream' } {
  const { repoURL, path: sub = '', targetRevision } = app.source;
  const known = GIT_SOURCE_MIRRORS.find((m) => m.repoURL === repoURL && m.path === sub && m.revision === targetRevision);
  const mirror = crdMirror();
  if (known && mirror && fs.existsSync(path.join(mirror, known.crdMirrorDir))) return { dir: path.join(mirror, known.crdMirrorDir), via: 'mirror' };
  const clone = path.join(userCacheDir('charts'), 'git', sha256(`${repoURL}@${targetRevision}`).slice(0, 16));
  if (!fs.existsSync(path.join(clone, '.git'))) {
    fs.rmSync(clone, { recursive: true, force: true });
    const result = spawnSync('git', ['clone', '--quiet', '--depth', '1', '--branch', targetRevision, repoURL, clone], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    if (result.status !== 0) {
      fs.rmSync(clone, { recursive: true, force: true });
      return { message: `not in the CRD mirror, and git clone of ${repoURL} failed: ${(result.stderr || 'no output').trim().split('\n').pop()}` };
    }
  }
  return { dir: path.join(clone, sub), via: 'upstream' };
}

function renderGit(app: ApplicationManifest): { result: RenderResult; via?: 'mirror' | 'upstream' } {
  const found = gitDirectory(app);
  if (!found.dir) return { result: { ok: false, objects: [], message: found.message } };
  const files = fs
    .readdirSync(found.dir)
    .filter((f) => /\.(ya?ml|json)$/.test(f))
    .sort();
  const objects = files.flatMap((f) => parseManifests(fs.readFileSync(path.join(found.dir!, f), 'utf8')));
  return { result: { ok: true, objects }, via: found.via };
}

/** `group/version` and `group/version/Kind` of every CRD, as Argo CD passes the cluster's APIs to Helm. */
export function crdApiVersions(objects: readonly KubeObject[]): string[] {
  const out = new Set<string>();
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition') continue;
    const spec = o.spec as { group: string; names: { kind: string }; versions: Array<{ name: string; served?: boolean }> };
    for (const v of spec.versions.filter((x) => x.served !== false)) {
      out.add(`${spec.group}/${v.name}`);
      out.add(`${spec.group}/${v.name}/${spec.names.kind}`);
    }
  }
  return [...out].sort();
}

/** `Kind` or `Kind.group` keys of cluster-scoped kinds: built-ins plus every cluster-scoped CRD seen. */
export function clusterScopedKinds(objects: readonly KubeObject[]): Set<string> {
  const scoped = new Set<string>(CLUSTER_SCOPED_BUILTIN_KINDS);
  for (const o of objects) {
    if (o.kind !== 'CustomResourceDefinition') continue;
    const spec = o.spec as { group: string; scope: string; names: { kind: string } };
    if (spec.scope === 'Cluster') scoped.add(`${spec.names.kind}.${spec.group}`);
  }
  return scoped;
}

/** Kubernetes' own API groups: the core group, unqualified groups (`apps`, `batch`) and `*.k8s.io`. */
const isBuiltinGroup = (group: string) => group === '' || !group.includes('.') || group.endsWith('.k8s.io');

export const isClusterScoped = (object: KubeObject, scoped: ReadonlySet<string>): boolean => {
  const group = groupOf(object.apiVersion);
  return scoped.has(`${object.kind}.${group}`) || (isBuiltinGroup(group) && CLUSTER_SCOPED_BUILTIN_KINDS.has(object.kind));
};

/** Argo CD applies namespaced objects without a namespace into the Application's destination namespace. */
function withNamespace(object: KubeObject, namespace: string, scoped: ReadonlySet<string>): KubeObject {
  if (object.metadata.namespace || isClusterScoped(object, scoped)) return object;
  return { ...object, metadata: { ...object.metadata, namespace } };
}

export const objectLabel = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;

function fileFor(app: ApplicationManifest, object: KubeObject): string {
  const ns = object.metadata.namespace && object.metadata.namespace !== app.namespace ? `${object.metadata.namespace}-` : '';
  return `${app.name}/${object.kind.toLowerCase()}-${ns}${object.metadata.name}.yaml`;
}

/**
 * Renders every upstream Application. Capabilities are the cluster's steady
 * state, as Argo CD passes them: Kubernetes' own APIs (with their kinds) plus
 * every CRD the environment installs, so a first pass finds the CRDs and a
 * second pass renders with them (both cached).
 */
export function hydrateApplications(apps: readonly ApplicationManifest[], options: HydrationOptions): HydratedApp[] {
  const upstream = apps.filter(isUpstream);
  const located = new Map(
    upstream
      .filter((a) => a.source.chart)
      .map((a) => {
        const ref: ChartRef = { repoURL: a.source.repoURL, chart: a.source.chart!, version: a.source.targetRevision };
        return [a.name, { ref, location: locateChart(ref, options.helm) }] as const;
      }),
  );
  type Rendered = { app: ApplicationManifest; result: RenderResult; via?: 'mirror' | 'upstream'; unverified?: boolean };
  // A git folder renders the same whatever the capabilities: read once for both passes.
  const gitRenders = new Map(upstream.filter((a) => !located.has(a.name)).map((a) => [a.name, renderGit(a)]));
  const renderAll = (apiVersions: readonly string[]): Rendered[] =>
    upstream.map((app) => {
      const chart = located.get(app.name);
      if (!chart) {
        const git = gitRenders.get(app.name)!;
        return { app, ...git, unverified: !git.result.ok };
      }
      if (!chart.location.ok) return { app, result: { ok: false, objects: [], message: chart.location.reason }, unverified: true };
      return { app, result: helmTemplate(app, chart.location.archive, apiVersions, options), via: chart.location.via };
    });
  const first = renderAll(KUBERNETES_BUILTIN_APIS);
  const apiVersions = [...KUBERNETES_BUILTIN_APIS, ...crdApiVersions(first.flatMap((r) => r.result.objects))];
  const second = renderAll(apiVersions);
  const scoped = clusterScopedKinds(second.flatMap((r) => r.result.objects));
  return second.map(({ app, result, via, unverified }) => {
    const chart = located.get(app.name);
    const source = chart ? chartLabel(chart.ref) : `${app.source.repoURL} ${app.source.path} ${app.source.targetRevision}`;
    const applied = result.objects.map((o) => withNamespace(o, app.namespace, scoped)).filter((o) => syncPhases(o).length > 0);
    const objects = applied
      .map((object): HydratedObject => ({ app: app.name, object, phases: syncPhases(object), wave: objectWave(object), file: fileFor(app, object) }))
      .sort((a, b) => a.file.localeCompare(b.file));
    return {
      app: app.name,
      wave: app.wave,
      namespace: app.namespace,
      source,
      status: result.ok ? 'rendered' : unverified ? 'unverified' : 'failed',
      ...(result.message ? { message: result.message } : {}),
      ...(via ? { via } : {}),
      ...(chart ? { chart: { ref: chart.ref, ...(chart.location.ok ? { archive: chart.location.archive } : {}) } } : {}),
      objects,
      skipped: result.objects.length - applied.length,
    };
  });
}

/** dist/<env>/ as a map of relative path -> content. */
export function readDistEnvironment(distDir: string, env: string): Map<string, string> {
  const files = new Map<string, string>();
  const base = path.join(distDir, env);
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else files.set(r, fs.readFileSync(path.join(dir, e.name), 'utf8'));
    }
  };
  if (fs.existsSync(base)) walk(base, '');
  return files;
}

/** Writes `<out>/<env>/<app>/<kind>-<name>.yaml`, one object per file, replacing the environment's folder in one rename. */
export function writeHydrated(apps: readonly HydratedApp[], outDir: string, env: string): number {
  const target = path.join(outDir, env);
  fs.mkdirSync(outDir, { recursive: true });
  const staging = fs.mkdtempSync(path.join(outDir, `.${env}-staging-`));
  let written = 0;
  try {
    for (const app of apps) {
      for (const o of app.objects) {
        const file = path.join(staging, o.file);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, toYaml(o.object));
        written++;
      }
    }
    const old = `${target}.old-${process.pid}`;
    if (fs.existsSync(target)) fs.renameSync(target, old);
    fs.renameSync(staging, target);
    fs.rmSync(old, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return written;
}

/** The child Applications of an environment rendered in memory, read back as YAML 1.1 exactly as from dist/. */
export function applicationsOf(rendered: RenderedEnvironment): ApplicationManifest[] {
  return readApplications(new Map(rendered.files.map((f) => [f.path, f.content])));
}
