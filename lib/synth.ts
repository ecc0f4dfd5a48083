import { App, Chart } from 'cdk8s';
import { PlatformChart, PlatformChartProps } from './platform-chart';
import { Construct } from 'constructs';
import { EnvironmentConfig, UserError } from '../config';
import { Component, IgnoredFields } from './component';
import { toYaml } from './yaml';

interface ChartComponentBase extends Component {
  /** False for the folders Argo CD does not sync as a child app (the App-of-Apps itself, the bootstrap). */
  readonly childApp?: boolean;
  /** Non-Kubernetes files written next to the objects (Kind config, Helm values for the bootstrap). */
  readonly files?: (env: EnvironmentConfig) => readonly PlainFile[];
  /** Fields its Application leaves to hand edits (security.handEdits); none by default. */
  readonly ignoreDifferences?: (env: EnvironmentConfig) => readonly IgnoredFields[];
}

/**
 * One entry of the component registry that renders a chart of ours into
 * `dist/<env>/<name>/`. Every chart is a PlatformChart, so every object
 * carries the common labels. A chart is built from the environment (`build`),
 * or from the files every `build` chart rendered (`buildFromRender`): the
 * App-of-Apps allows what its children render, so it reads their files, after
 * them, and never the construct tree.
 */
export type ChartComponent = ChartComponentBase &
  (
    | { readonly build: (scope: Construct, id: string, context: PlatformChartProps) => PlatformChart; readonly buildFromRender?: undefined }
    | {
        readonly buildFromRender: (scope: Construct, id: string, context: PlatformChartProps, rendered: readonly RenderedFile[]) => PlatformChart;
        readonly build?: undefined;
      }
  );

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

const byPath = (a: RenderedFile, b: RenderedFile) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Renders every enabled component of one environment in memory; nothing touches the disk. */
export function renderEnvironment(env: EnvironmentConfig, components: readonly ChartComponent[]): RenderedEnvironment {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const enabled = components.filter((c) => c.enabled(env));
  const files: RenderedFile[] = [];
  const seen = new Map<string, string>();
  const add = (component: ChartComponent, chart: Chart) => {
    // TypeScript accepts any Chart here (the types are the same shape); the common labels need the base class.
    if (!PlatformChart.isPlatformChart(chart))
      throw new Error(`${component.name}: its chart must extend PlatformChart (lib/platform-chart.ts), which puts the common labels on every object`);
    for (const object of chart.toJson() as KubeObject[]) {
      const path = `${component.name}/${fileNameFor(object)}`;
      const where = `${object.kind} ${object.metadata.namespace ?? ''}/${object.metadata.name}`;
      const previous = seen.get(path);
      if (previous) {
        throw new UserError(`${env.name}: ${where} and ${previous} would both be written to ${path}; give one of them another name`);
      }
      seen.set(path, where);
      files.push({ path, component: component.name, object, content: toYaml(object) });
    }
  };
  const context = (component: ChartComponent): PlatformChartProps => ({ env, namespace: component.namespace });
  for (const component of enabled) if (component.build) add(component, component.build(app, component.name, context(component)));
  const fromBuild = [...files].sort(byPath);
  for (const component of enabled)
    if (component.buildFromRender) add(component, component.buildFromRender(app, component.name, context(component), fromBuild));
  files.sort(byPath);
  const plainFiles: PlainFile[] = [];
  for (const component of enabled) {
    for (const file of component.files?.(env) ?? []) {
      if (!PLAIN_FILE_PATTERN.test(file.name))
        throw new Error(`${component.name}/${file.name}: plain files must end in .values.yaml, .config.yaml or .env`);
      plainFiles.push({ name: `${component.name}/${file.name}`, content: file.content });
    }
  }
  plainFiles.sort((a, b) => (a.name < b.name ? -1 : 1));
  return { env, files, plainFiles };
}
