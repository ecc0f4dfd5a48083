import { VERSIONS } from '../config/versions';

/**
 * Images: the ones this project renders itself (one table, below), and the
 * one registry mixin that moves any image, ours or an upstream chart's, to the
 * air-gap mirror of seed section 12 (Harbor). Upstream charts' own images
 * come from their Helm renders; each chart's entry in
 * argocd/upstream-components.ts only says which values keys hold them.
 */
export interface ImageSource {
  /** The public registry the image comes from. */
  readonly registry: string;
  /** Path inside the registry, kept when mirroring (`quay.io/cilium/cilium` -> `<harbor>/cilium/cilium`). */
  readonly repository: string;
}

/** An image with the tag we pin for it. */
export type PinnedImage = ImageSource & { readonly tag: string };

/** Our images; tags of the demo come from the environment config, the rest are pinned here. */
export const IMAGES = {
  /** go-httpbin: the httpbin API on port 8080 as a non-root user (kennethreitz/httpbin needs root for port 80). */
  httpbin: { registry: 'docker.io', repository: 'mccutchen/go-httpbin' },
  /** curl: its tag is the environment's release's (config/releases.ts imageTagsOf), or the demo's own setting. */
  curl: { registry: 'docker.io', repository: 'curlimages/curl' },
  otelCollectorContrib: { registry: 'docker.io', repository: 'otel/opentelemetry-collector-contrib', tag: VERSIONS.otelCollector },
  alertmanager: { registry: 'docker.io', repository: 'prom/alertmanager', tag: `v${VERSIONS.alertmanager}` },
} as const satisfies Record<string, ImageSource & { tag?: string }>;

/**
 * A repository moved to the mirror when one is set, keeping its path but not
 * its registry host: `quay.io/cilium/cilium` -> `harbor.example.com/lab/cilium/cilium`,
 * `kong` (Docker Hub) -> `harbor.example.com/lab/kong`, as seed 12-6 does.
 */
export function mirroredRepository(repository: string, registry?: string): string {
  if (!registry) return repository;
  const [first, ...rest] = repository.split('/');
  const hasRegistryHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return `${registry}/${hasRegistryHost ? rest.join('/') : repository}`;
}

/** `<registry>/<repository>:<tag>`, moved to the mirror when one is set. */
export function imageRef(source: ImageSource, tag: string, registry?: string): string {
  return `${mirroredRepository(`${source.registry}/${source.repository}`, registry)}:${tag}`;
}

/**
 * Where a chart's values hold one image, in the three shapes charts use:
 * a full `repository`, a `registry` plus `repository` pair, or Istio's `hub`.
 * `also` adds keys that change with the mirror (Cilium drops its digests,
 * which a re-pushed image does not keep; Gatekeeper has a second repository).
 */
export type ImageKey =
  | {
      readonly shape: 'repository';
      readonly at: string;
      readonly repository: string;
      readonly also?: (registry: string) => Readonly<Record<string, unknown>>;
    }
  | { readonly shape: 'registry'; readonly at: string }
  | { readonly shape: 'hub'; readonly at: string; readonly hub: string };

const setPath = (target: Record<string, unknown>, dotted: string, value: Record<string, unknown>) => {
  let node = target;
  const parts = dotted === '' ? [] : dotted.split('.');
  for (const part of parts) node = (node[part] ??= {}) as Record<string, unknown>;
  Object.assign(node, value);
};

/** The values that move every image of a chart to the mirror; empty without a registry. */
export function imageOverrides(keys: readonly ImageKey[], registry?: string): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  if (!registry) return overrides;
  for (const key of keys) {
    if (key.shape === 'repository') setPath(overrides, key.at, { repository: mirroredRepository(key.repository, registry), ...key.also?.(registry) });
    else if (key.shape === 'registry') setPath(overrides, key.at, { registry });
    else setPath(overrides, key.at, { hub: mirroredRepository(key.hub, registry) });
  }
  return overrides;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Deep merge of plain objects; `over` wins, lists are replaced, not merged. */
export function deepMerge<T>(base: T, over: Record<string, unknown>): T {
  if (!isPlainObject(base)) return base;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isPlainObject(v) && isPlainObject(out[k]) ? deepMerge(out[k], v) : v;
  return out as T;
}
