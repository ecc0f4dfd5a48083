import { EnvironmentConfig } from '../../config';
import { HydratedApp } from '../engines/hydrate';
import { mirroredRepository } from '../../lib/images';
import { podImages } from '../engines/pods';
import { RenderedEnvironment } from '../../lib/synth';

/** What an environment deploys, for air-gapped mirroring (seed section 12). */
export interface Inventory {
  /** Images of our own workloads, read from the rendered tree. */
  readonly ourImages: readonly string[];
  /** Images of the upstream charts, read from their Helm renders. */
  readonly upstreamImages: ReadonlyArray<{ readonly image: string; readonly component: string }>;
  /** Upstream sources whose images could not be read, with the reason. */
  readonly unverified: ReadonlyArray<{ readonly component: string; readonly reason: string }>;
  readonly helmCharts: ReadonlyArray<{ readonly repoURL: string; readonly chart: string; readonly version: string }>;
  readonly gitSources: ReadonlyArray<{ readonly source: string }>;
}

const unique = <T>(items: readonly T[], key: (t: T) => string): T[] => items.filter((t, i) => items.findIndex((u) => key(u) === key(t)) === i);

export function inventory(rendered: RenderedEnvironment, hydrated: readonly HydratedApp[]): Inventory {
  const ourImages = [...new Set(rendered.files.flatMap((f) => podImages(f.object)))].sort();
  const upstreamImages = unique(
    hydrated.flatMap((app) => app.objects.flatMap((o) => podImages(o.object).map((image) => ({ image, component: app.app })))),
    (u) => `${u.component} ${u.image}`,
  ).sort((a, b) => a.component.localeCompare(b.component) || a.image.localeCompare(b.image));
  return {
    ourImages,
    upstreamImages,
    unverified: hydrated.filter((a) => a.status !== 'rendered').map((a) => ({ component: a.app, reason: a.message ?? a.status })),
    helmCharts: hydrated.flatMap((a) => (a.chart ? [a.chart.ref] : [])),
    gitSources: hydrated.filter((a) => !a.chart).map((a) => ({ source: a.source })),
  };
}

/** `source target` pairs: the repository path is kept under the mirror, as seed 12-6 does. */
export function mirrorList(inv: Inventory, registry: string): string[] {
  const all = [...new Set([...inv.ourImages, ...inv.upstreamImages.map((u) => u.image)])];
  // A mirrored image is addressed by tag (the registry override drops chart digests), so the target has none.
  return all.map((image) => `${image} ${mirroredRepository(image, registry).replace(/@sha256:[0-9a-f]{64}$/, '')}`);
}

export function formatInventory(env: EnvironmentConfig, inv: Inventory, registry: string): string {
  return [
    `# ${env.name}: container images of our workloads (from dist/${env.name})`,
    ...inv.ourImages,
    '',
    '# container images of the upstream charts (from their Helm renders)',
    ...inv.upstreamImages.map((u) => `${u.image}  # ${u.component}`),
    ...inv.unverified.map((u) => `# unverified: ${u.component}: ${u.reason}`),
    '',
    '# Helm charts: helm pull <chart> --repo <repo> --version <version>',
    ...inv.helmCharts.map((c) => `${c.repoURL} ${c.chart} ${c.version}`),
    '',
    '# git sources',
    ...inv.gitSources.map((g) => g.source),
    '',
    `# mirror list for Harbor (source target); docker pull/tag/push each line`,
    ...mirrorList(inv, registry),
    '',
  ].join('\n');
}
