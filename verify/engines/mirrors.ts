import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from '../../lib/project';

/**
 * The offline mirrors that stand in for upstream URLs (shared/SOURCES.md):
 * `../shared/crds` for CRDs and OpenAPI documents, `../shared/charts` for the
 * Helm repositories. Each can be moved with an environment variable; without
 * one, callers fetch from upstream.
 */
const ROOT = projectRoot();

function mirror(variable: string, fallback: string): string | undefined {
  const explicit = process.env[variable];
  if (explicit !== undefined) return explicit === '' ? undefined : path.resolve(explicit);
  const candidate = path.resolve(ROOT, fallback);
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** Upstream CRDs, Cilium's values schema and the Kubernetes OpenAPI documents (`CRD_MIRROR`, empty to disable). */
export const crdMirror = (): string | undefined => mirror('CRD_MIRROR', '../shared/crds');

/** Helm repositories laid out as `<repoURL without scheme>/index.yaml` (`CHART_MIRROR`, empty to disable). */
export const chartMirror = (): string | undefined => mirror('CHART_MIRROR', '../shared/charts');

/** Upstream git sources and the folder of the CRD mirror that holds the same files (shared/crds/SOURCES.md). */
export const GIT_SOURCE_MIRRORS: ReadonlyArray<{
  readonly repoURL: string;
  readonly path: string;
  readonly revision: string;
  readonly crdMirrorDir: string;
}> = [
  // Every file of config/crd/standard at the pinned tag, CRDs and the safe-upgrades ValidatingAdmissionPolicy.
  { repoURL: 'https://github.com/kubernetes-sigs/gateway-api.git', path: 'config/crd/standard', revision: 'v1.5.0', crdMirrorDir: 'gateway-api' },
];
