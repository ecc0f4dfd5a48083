import * as YAML from 'yaml';
import { EnvironmentConfig } from '../../config';
import { KubeObject, RenderedEnvironment } from '../../lib/synth';
import { ClusterState } from './connections';
import { namespacesOfApplications } from './environment-manifests';
import { applicationsOf, HydratedApp, hydrateApplications, readApplications } from './hydrate';

/**
 * An environment as its cluster would hold it once Argo CD has synced: our
 * render and every upstream chart as the pinned Helm renders it (cached),
 * with each namespace's labels (ours, and those Argo CD puts on a namespace
 * it creates). Built from a render, or from a dist/<env>/ tree at any commit.
 */
export interface RenderedCluster extends ClusterState {
  readonly ours: readonly KubeObject[];
  readonly upstream: readonly KubeObject[];
  readonly hydrated: readonly HydratedApp[];
}

/** dist/<env>/ as files: path -> content (rendered-diff's FileTree). */
type Files = ReadonlyMap<string, string>;

export function renderedCluster(rendered: RenderedEnvironment, helm: string): RenderedCluster {
  const ours = rendered.files.filter((f) => f.component !== 'apps').map((f) => f.object);
  const applications = rendered.files.filter((f) => f.component === 'apps').map((f) => f.object);
  return clusterOf(ours, applications, hydrateApplications(applicationsOf(rendered), { helm, cache: true }), rendered.env);
}

/** The cluster a dist/<env>/ tree syncs; `hydrated` reuses another side's Helm renders when its Applications are the same. */
export function clusterOfFiles(files: Files, env: EnvironmentConfig, helm: string, hydrated?: readonly HydratedApp[]): RenderedCluster {
  const objects = [...files]
    .filter(([file]) => file.endsWith('.yaml') && !file.endsWith('.values.yaml'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([file, text]) => ({ component: file.split('/')[0], object: YAML.parse(text, { version: '1.1' }) as KubeObject }))
    .filter((o) => o.object && typeof o.object === 'object' && o.object.kind);
  const ours = objects.filter((o) => o.component !== 'apps').map((o) => o.object);
  const applications = objects.filter((o) => o.component === 'apps').map((o) => o.object);
  return clusterOf(ours, applications, hydrated ?? hydrateApplications(readApplications(files), { helm, cache: true }), env);
}

function clusterOf(
  ours: readonly KubeObject[],
  applications: readonly KubeObject[],
  hydrated: readonly HydratedApp[],
  env: EnvironmentConfig,
): RenderedCluster {
  const upstream = hydrated.flatMap((a) => a.objects.map((o) => o.object));
  const namespaces = new Map<string, Record<string, string>>();
  for (const { namespace, labels } of namespacesOfApplications(applications).values())
    namespaces.set(namespace, { ...namespaces.get(namespace), ...labels });
  for (const o of [...ours, ...upstream].filter((x) => x.kind === 'Namespace'))
    namespaces.set(o.metadata.name, { ...namespaces.get(o.metadata.name), ...((o.metadata.labels as Record<string, string>) ?? {}) });
  return {
    ours,
    upstream,
    hydrated,
    objects: [...ours, ...upstream, ...applications],
    namespaces,
    externalAddresses: externalAddresses(env),
  };
}

/** The names outside the cluster whose address the environment declares: the rollback receiver's, which Alertmanager's egress allows by CIDR. */
function externalAddresses(env: EnvironmentConfig): Map<string, string> {
  const receiver = env.observability.rollbackReceiver;
  return new Map(receiver ? [[new URL(receiver.url).hostname, receiver.cidr.split('/')[0]]] : []);
}
