/**
 * The one table of versions that two places must agree on: what we render
 * and the tool that checks it (the collector and its config, Alertmanager
 * and amtool, the Kubernetes the lab runs and the control plane the tests
 * start). Upstream charts pin their own versions in argocd/upstream-components.ts,
 * and their images come from the Helm renders.
 */
export const VERSIONS = {
  /** Kind node image of the seed (section 0). */
  kubernetesNode: '1.35.0',
  /**
   * The control plane the tests run. The Go module proxy serves k8s.io/kubernetes
   * v1.35.4 as the only 1.35 release, so the tests use the newest patch of the seed's minor.
   */
  kubernetesControlPlane: '1.35.4',
  /** OpenTelemetry Collector contrib, the seed's release (section 7-1), rendered and built as otelcol-lab. */
  otelCollector: '0.146.1',
  /** Alertmanager, rendered and checked with amtool of the same release. */
  alertmanager: '0.30.1',
  /** Argo CD, the seed's release; the chart 9.4.5 deploys it and the e2e tests run it. */
  argocd: '3.3.2',
} as const;

/**
 * The image tags we pin ourselves, in one place: the demo's images where an
 * environment pins them (prod), the curl of the platform Jobs, and the tags
 * we set over an upstream chart's moving ones (seed 12-2: production pins
 * patch releases). Images of the charts' own choosing come from their renders.
 */
export const IMAGE_TAGS = {
  /** go-httpbin, the demo backend. */
  httpbin: 'v2.19.0',
  /** curl: the demo frontend and load generator where pinned, and the platform Jobs. */
  curl: '8.5.0',
  /** Kong 3.9 and KIC 3.5 of the seed, at their patch releases (`3.9` and `3.5` move). */
  kongGateway: '3.9.1',
  kongIngressController: '3.5.0',
  /** The nginx in front of Loki and Mimir; the charts' `1.29-alpine` moves. */
  nginxUnprivileged: '1.29.1-alpine',
} as const;

/** `1.35.4` -> `1.35`. */
export const minorOf = (version: string): string => version.split('.').slice(0, 2).join('.');
