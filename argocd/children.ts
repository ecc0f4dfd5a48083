import { EnvironmentConfig } from '../config';
import { sourceURL } from '../lib/sources';
import { ChartComponent } from '../lib/synth';
import { ChildApp } from './app-of-apps';
import { helmValues, UpstreamComponent } from './upstream-components';

/** Where a component of ours lives in git: `dist/<env>/<component>`. */
export function distPath(env: EnvironmentConfig, component: string): string {
  return `dist/${env.name}/${component}`;
}

/** Child Applications from the component registry: ours as directory sources, upstream as Helm or git sources. */
export function childApps(env: EnvironmentConfig, ours: readonly ChartComponent[], upstream: readonly UpstreamComponent[]): ChildApp[] {
  const fromOurs = ours
    .filter((c) => c.childApp !== false && c.enabled(env))
    .map((c): ChildApp => ({
      name: c.name,
      namespace: c.namespace,
      wave: c.wave,
      // No `directory` block: Argo CD normalizes an empty one away, so the live child would never match git and the root would stay OutOfSync.
      source: { repoUrl: env.git.repoURL, targetRevision: env.git.targetRevision, path: distPath(env, c.name) },
      serverSideApply: false,
      // Constraints are instances of CRDs that Gatekeeper creates from the templates in the same sync.
      skipDryRunOnMissingResource: c.name === 'gatekeeper-policies',
    }));
  const fromUpstream = upstream
    .filter((u) => u.enabled(env))
    .map((u): ChildApp => {
      const source =
        u.source.kind === 'helm'
          ? {
              repoUrl: sourceURL(env, u.source.repoURL, 'chart'),
              chart: u.source.chart,
              targetRevision: u.source.version,
              helm: { releaseName: u.source.releaseName, valuesObject: helmValues(u.source, env) },
            }
          : { repoUrl: sourceURL(env, u.source.repoURL, 'git'), path: u.source.path, targetRevision: u.source.revision };
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
