import { EnvironmentConfig } from '../config';
import { distPath, sourceURL } from '../lib/sources';
import { ChartComponent, groupOf, KubeObject, RenderedFile } from '../lib/synth';
import { ChildApp } from './app-of-apps';
import { componentVersion, helmValues, UpstreamComponent } from './upstream-components';

/**
 * Kinds whose definition a child brings in its own sync: its CRDs, and the
 * Constraint kinds of its ConstraintTemplates, which Gatekeeper turns into
 * CRDs only once the templates are applied.
 */
function kindsDefinedBy(objects: readonly KubeObject[]): Set<string> {
  const spec = (o: KubeObject) => o.spec as { names?: { kind?: string }; crd?: { spec?: { names?: { kind?: string } } } } | undefined;
  return new Set(
    objects.flatMap((o) => {
      const kind =
        o.kind === 'CustomResourceDefinition' ? spec(o)?.names?.kind : o.kind === 'ConstraintTemplate' ? spec(o)?.crd?.spec?.names?.kind : undefined;
      return kind ? [kind] : [];
    }),
  );
}

/**
 * Child Applications from the component registry: ours as directory sources,
 * upstream as Helm or git sources. What ours render (`rendered`, every chart
 * but the App-of-Apps) says which namespaces and cluster-scoped kinds each
 * project must allow.
 */
export function childApps(
  env: EnvironmentConfig,
  ours: readonly ChartComponent[],
  upstream: readonly UpstreamComponent[],
  rendered: readonly RenderedFile[],
): ChildApp[] {
  const fromOurs = ours
    .filter((c) => c.childApp !== false && c.enabled(env))
    .map((c): ChildApp => {
      const objects = rendered.filter((f) => f.component === c.name).map((f) => f.object);
      const ownKinds = kindsDefinedBy(objects);
      return {
        name: c.name,
        namespace: c.namespace,
        wave: c.wave,
        // No `directory` block: Argo CD normalizes an empty one away, so the live child would never match git and the root would stay OutOfSync.
        source: { repoUrl: env.git.repoURL, targetRevision: env.git.targetRevision, path: distPath(env, c.name) },
        serverSideApply: false,
        // Objects of a kind defined in the same sync cannot be dry-run before their definition exists.
        skipDryRunOnMissingResource: objects.some((o) => ownKinds.has(o.kind)),
        ignoreDifferences: c.ignoreDifferences?.(env).map((f) => ({ ...f, jsonPointers: [...f.jsonPointers] })),
        // A Namespace object counts as a destination too: Argo CD checks its name against the project's destinations.
        otherNamespaces: objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : o.kind === 'Namespace' ? [o.metadata.name] : [])),
        clusterKinds: objects.filter((o) => !o.metadata.namespace).map((o) => ({ group: groupOf(o.apiVersion), kind: o.kind })),
      };
    });
  const fromUpstream = upstream
    .filter((u) => u.enabled(env))
    .map((u): ChildApp => {
      const source =
        u.source.kind === 'helm'
          ? {
              repoUrl: sourceURL(env, u.source.repoURL, 'chart'),
              chart: u.source.chart,
              targetRevision: componentVersion(u, env),
              helm: { releaseName: u.source.releaseName, valuesObject: helmValues(u.source, env) },
            }
          : { repoUrl: sourceURL(env, u.source.repoURL, 'git'), path: u.source.path, targetRevision: componentVersion(u, env) };
      return {
        name: u.name,
        namespace: u.namespace,
        wave: u.wave,
        source,
        serverSideApply: u.serverSideApply,
        skipDryRunOnMissingResource: false,
        ignoreDifferences: u.ignoreDifferences,
        otherNamespaces: u.otherNamespaces,
        clusterKinds: u.clusterKinds,
      };
    });
  return [...fromUpstream, ...fromOurs];
}
