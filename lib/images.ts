/**
 * Images this project renders. Registries and repositories live here once;
 * tags come from the environment config, and the air-gap registry override
 * (seed section 12) is applied in exactly one function.
 */
export interface ImageSource {
  /** The public registry the image comes from. */
  readonly registry: string;
  /** Path inside the registry, kept when mirroring (`quay.io/cilium/cilium` -> `<harbor>/cilium/cilium`). */
  readonly repository: string;
}

export const IMAGES = {
  /** go-httpbin: the httpbin API on port 8080 as a non-root user (kennethreitz/httpbin needs root for port 80). */
  httpbin: { registry: 'docker.io', repository: 'mccutchen/go-httpbin' },
  curl: { registry: 'docker.io', repository: 'curlimages/curl' },
  otelCollectorContrib: { registry: 'docker.io', repository: 'otel/opentelemetry-collector-contrib' },
  alertmanager: { registry: 'docker.io', repository: 'prom/alertmanager' },
} as const satisfies Record<string, ImageSource>;

/** `<registry>/<repository>:<tag>`, with the registry replaced when an override is set. */
export function imageRef(source: ImageSource, tag: string, registryOverride?: string): string {
  return `${registryOverride ?? source.registry}/${source.repository}:${tag}`;
}

/**
 * A chart's image repository (`quay.io/cilium/cilium`), moved to the mirror
 * when one is set (`harbor.example.com/lab/cilium/cilium`), as seed 12-6 does.
 */
export function mirroredRepository(repository: string, registryOverride?: string): string {
  if (!registryOverride) return repository;
  const [first, ...rest] = repository.split('/');
  const hasRegistryHost = rest.length > 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  return `${registryOverride}/${hasRegistryHost ? rest.join('/') : repository}`;
}
