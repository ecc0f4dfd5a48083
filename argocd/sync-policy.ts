// What every Application of ours shares, the root's and the children's: where they deploy and how they retry.

export const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * Deleting a child deletes what it manages, in the foreground. The path form is
 * what Argo CD v3 writes itself; the bare name draws an API server warning
 * (finalizers should be domain-qualified with a path).
 */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io/foreground';

/**
 * Retry with backoff: 5s, 10s, 20s ... capped at 5 minutes, so waves can wait
 * for CRDs and webhooks. The first retry is Argo CD's default, 5 s: most failed
 * syncs here are transient (the pinned Argo CD reads a CRD its cache has not seen
 * established yet as Degraded, argoproj/argo-cd#25084) and pass on the next try.
 */
export const SYNC_RETRY = { limit: 10, backoff: { duration: '5s', factor: 2, maxDuration: '5m' } };
