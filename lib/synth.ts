import { App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig, UserError } from '../config';
import { toYaml } from './yaml';

/** One entry of the component registry that renders a chart of ours into `dist/<env>/<name>/`. */
export interface ChartComponent {
  readonly name: string;
  /** Destination namespace for the Argo CD Application. */
  readonly namespace: string;
  readonly wave: number;
  readonly enabled: (env: EnvironmentConfig) => boolean;
  readonly build: (scope: Construct, id: string, env: EnvironmentConfig) => Chart;
}

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export interface RenderedFile {
  /** Path inside `dist/<env>/`: `<component>/<kind>-<name>.yaml`. */
  readonly path: string;
  readonly component: string;
  readonly object: KubeObject;
  readonly content: string;
}

export interface RenderedEnvironment {
  readonly env: EnvironmentConfig;
  readonly files: readonly RenderedFile[];
}

/** One object per file, named by kind and name, so a PR diff names what changed. */
export function fileNameFor(object: KubeObject): string {
  return `${object.kind.toLowerCase()}-${object.metadata.name}.yaml`;
}

/** Renders every enabled component of one environment in memory; nothing touches the disk. */
export function renderEnvironment(env: EnvironmentConfig, components: readonly ChartComponent[]): RenderedEnvironment {
  const app = new App({ outdir: '/nonexistent-cdk8s-outdir' });
  const charts: Array<{ component: ChartComponent; chart: Chart }> = [];
  for (const component of components) {
    if (component.enabled(env)) charts.push({ component, chart: component.build(app, component.name, env) });
  }
  const files: RenderedFile[] = [];
  const seen = new Map<string, string>();
  for (const { component, chart } of charts) {
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
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { env, files };
}
