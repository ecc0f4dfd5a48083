/**
 * The one table of versions that two places must agree on: what we render
 * and the tool that checks it (the collector and its config, Alertmanager
 * and amtool, the Kubernetes the lab runs and the control plane the tests
 * start). Upstream charts pin their own versions in argocd/upstream-components.ts,
 * and their images come from the Helm renders.
 */
export const VERSIONS = {
  /** Kind node image of the seed (section 0). */
  // renovate: datasource=docker depName=kindest/node extractVersion=^v(?<version>.+)$
  kubernetesNode: '1.35.0',
  /**
   * The control plane the tests run. The Go module proxy serves k8s.io/kubernetes
   * v1.35.4 as the only 1.35 release, so the tests use the newest patch of the seed's minor.
   */
  // renovate: datasource=go depName=k8s.io/kubernetes extractVersion=^v(?<version>.+)$
  kubernetesControlPlane: '1.35.4',
  /** OpenTelemetry Collector contrib, the seed's release (section 7-1), rendered and built as otelcol-lab. */
  // renovate: datasource=github-releases depName=open-telemetry/opentelemetry-collector-releases extractVersion=^v(?<version>.+)$
  otelCollector: '0.146.1',
  /** Alertmanager, rendered and checked with amtool of the same release. */
  // renovate: datasource=github-releases depName=prometheus/alertmanager extractVersion=^v(?<version>.+)$
  alertmanager: '0.30.1',
  /** Argo CD, the seed's release; the chart 9.4.5 deploys it and the e2e tests run it. */
  // renovate: datasource=github-releases depName=argoproj/argo-cd extractVersion=^v(?<version>.+)$
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
  // renovate: datasource=docker depName=mccutchen/go-httpbin
  httpbin: 'v2.19.0',
  /** curl: the demo frontend and load generator where pinned, and the platform Jobs. */
  // renovate: datasource=docker depName=curlimages/curl
  curl: '8.5.0',
  /** Kong 3.9 and KIC 3.5 of the seed, at their patch releases (`3.9` and `3.5` move). */
  // renovate: datasource=docker depName=kong
  kongGateway: '3.9.1',
  // renovate: datasource=docker depName=kong/kubernetes-ingress-controller
  kongIngressController: '3.5.0',
  /** The nginx in front of Loki and Mimir; the charts' `1.29-alpine` moves. */
  // renovate: datasource=docker depName=nginxinc/nginx-unprivileged
  nginxUnprivileged: '1.29.1-alpine',
} as const;

/** `1.35.4` -> `1.35`. */
export const minorOf = (version: string): string => version.split('.').slice(0, 2).join('.');
