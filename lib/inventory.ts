import { UpstreamComponent } from '../argocd/upstream-components';
import { EnvironmentConfig } from '../config';
import { mirroredRepository } from './images';
import { podTemplateOf } from './pods';
import { RenderedEnvironment } from './synth';

/** What an environment deploys, for air-gapped mirroring (seed section 12). */
export interface Inventory {
  /** Images of our own workloads, read from the rendered tree. */
  readonly ourImages: readonly string[];
  /** Images of upstream charts, from the pinned table of each chart version. */
  readonly upstreamImages: ReadonlyArray<{ readonly image: string; readonly component: string }>;
  readonly helmCharts: ReadonlyArray<{ readonly repoURL: string; readonly chart: string; readonly version: string }>;
  readonly gitSources: ReadonlyArray<{ readonly repoURL: string; readonly path: string; readonly revision: string }>;
}

export function inventory(rendered: RenderedEnvironment, upstream: readonly UpstreamComponent[]): Inventory {
  const env = rendered.env;
  const ourImages = new Set<string>();
  for (const { object } of rendered.files) {
    const podSpec = podTemplateOf(object)?.spec;
    for (const c of [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])]) ourImages.add(c.image);
  }
  const enabled = upstream.filter((u) => u.enabled(env));
  return {
    ourImages: [...ourImages].sort(),
    upstreamImages: enabled.flatMap((u) => u.images.map((image) => ({ image, component: u.name }))),
    helmCharts: enabled.flatMap((u) => (u.source.kind === 'helm' ? [{ repoURL: u.source.repoURL, chart: u.source.chart, version: u.source.version }] : [])),
    gitSources: enabled.flatMap((u) => (u.source.kind === 'git' ? [{ repoURL: u.source.repoURL, path: u.source.path, revision: u.source.revision }] : [])),
  };
}

/** `source target` pairs: the repository path is kept under the mirror, as seed 12-6 does. */
export function mirrorList(inv: Inventory, registry: string): string[] {
  return [...inv.ourImages, ...inv.upstreamImages.map((u) => u.image)].map((image) => `${image} ${mirroredRepository(image, registry)}`);
}

export function formatInventory(env: EnvironmentConfig, inv: Inventory, registry: string): string {
  return [
    `# ${env.name}: container images of our workloads (from dist/${env.name})`,
    ...inv.ourImages,
    '',
    '# container images of the upstream charts (pinned per chart version)',
    ...inv.upstreamImages.map((u) => `${u.image}  # ${u.component}`),
    '',
    '# Helm charts: helm pull <chart> --repo <repo> --version <version>',
    ...inv.helmCharts.map((c) => `${c.repoURL} ${c.chart} ${c.version}`),
    '',
    '# git sources',
    ...inv.gitSources.map((g) => `${g.repoURL} ${g.path} ${g.revision}`),
    '',
    `# mirror list for Harbor (source target); docker pull/tag/push each line`,
    ...mirrorList(inv, registry),
    '',
  ].join('\n');
}
