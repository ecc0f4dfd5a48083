import { App, Chart } from 'cdk8s';
import { PlatformChart } from './platform-chart';
import { Construct } from 'constructs';
import { EnvironmentConfig, UserError } from '../config';
import { toYaml } from './yaml';

/** What every component is to the App-of-Apps, ours or upstream: one child Application. */
export interface Component {
  /** The child Application's name (and, for ours, the folder `dist/<env>/<name>/`). */
  readonly name: string;
  /** Destination namespace for the Argo CD Application. */
  readonly namespace: string;
  /** Argo CD sync wave (lib/waves.ts). */
  readonly wave: number;
  readonly enabled: (env: EnvironmentConfig) => boolean;
}

/** One entry of the component registry that renders a chart of ours into `dist/<env>/<name>/`. */
export interface ChartComponent extends Component {
  /** Every chart is a PlatformChart, so every object carries the common labels. */
  readonly build: (scope: Construct, id: string, env: EnvironmentConfig) => PlatformChart;
  /** False for the folders Argo CD does not sync as a child app (the App-of-Apps itself, the bootstrap). */
  readonly childApp?: boolean;
  /** Non-Kubernetes files written next to the objects (Kind config, Helm values for the bootstrap). */
  readonly files?: (env: EnvironmentConfig) => readonly PlainFile[];
  /** Built after every other component, wherever it is listed, because it reads what they render (the App-of-Apps). */
  readonly buildLast?: boolean;
}

/** A file that is not a Kubernetes object. Its name ends in `.values.yaml`, `.config.yaml` or `.env`. */
export interface PlainFile {
  readonly name: string;
  readonly content: string;
}

/** The naming rule that tells non-Kubernetes files apart in dist/ (schema validation skips them). */
export const PLAIN_FILE_PATTERN = /(\.values\.yaml|\.config\.yaml|\.env)$/;

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** An API group and kind, as AppProject resource lists name them. */
export interface GroupKind {
  readonly group: string;
  readonly kind: string;
}

/** The API group of an apiVersion: `apps/v1` -> `apps`, `v1` -> `` (core). */
export const groupOf = (apiVersion: string): string => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

export interface RenderedFile {
  /** Path inside `dist/<env>/`: `<component>/<kind>-<name>.yaml`. */
  readonly path: string;
  readonly component: string;
  readonly object: KubeObject;
  readonly content: string;
}

export interface RenderedEnvironment {
  readonly env: EnvironmentConfig;
  /** One Kubernetes object per file. */
  readonly files: readonly RenderedFile[];
  /** Plain files, path inside `dist/<env>/`. */
  readonly plainFiles: readonly PlainFile[];
}

/** One object per file, named by kind and name, so a PR diff names what changed. */
export function fileNameFor(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

const serialized = new WeakMap<Chart, KubeObject[]>();

/**
 * A chart's objects, serialized once: the App-of-Apps reads its siblings'
 * objects while it is built, and synth writes them afterwards. Every chart is
 * complete by then (the App-of-Apps is built last), so both see the same objects.
 */
export function chartObjects(chart: Chart): readonly KubeObject[] {
  let objects = serialized.get(chart);
  if (!objects) {
    objects = chart.toJson() as KubeObject[];
    serialized.set(chart, objects);
  }
  return objects;
}

/** Renders every enabled component of one environment in memory; nothing touches the disk. */
export function renderEnvironment(env: EnvironmentConfig, components: readonly ChartComponent[]): RenderedEnvironment {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const charts: Array<{ component: ChartComponent; chart: Chart }> = [];
  const ordered = [...components.filter((c) => !c.buildLast), ...components.filter((c) => c.buildLast)];
  for (const component of ordered) {
    if (!component.enabled(env)) continue;
    const chart = component.build(app, component.name, env);
    // TypeScript accepts any Chart here (the types are the same shape); the common labels need the base class.
    if (!PlatformChart.isPlatformChart(chart))
      throw new Error(`${component.name}: its chart must extend PlatformChart (lib/platform-chart.ts), which puts the common labels on every object`);
    charts.push({ component, chart });
  }
  const files: RenderedFile[] = [];
  const seen = new Map<string, string>();
  for (const { component, chart } of charts) {
    for (const object of chartObjects(chart)) {
      const path = `${component.name}/${fileNameFor(object)}`;
      const where = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      const previous = seen.get(path);
      if (previous) {
        throw new UserError(`${env.name}: ${where} and ${previous} would both be written to ${path}; give one of them another name`);
      }
      seen.set(path, where);
      files.push({ path, component: component.name, object, content: toYaml(object) });
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const plainFiles: PlainFile[] = [];
  for (const { component } of charts) {
    for (const file of component.files?.(env) ?? []) {
      if (!PLAIN_FILE_PATTERN.test(file.name))
        throw new Error(`${component.name}/${file.name}: plain files must end in .values.yaml, .config.yaml or .env`);
      plainFiles.push({ name: `${component.name}/${file.name}`, content: file.content });
    }
  }
  plainFiles.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { env, files, plainFiles };
}
