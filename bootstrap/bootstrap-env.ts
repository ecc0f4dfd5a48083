import { EnvironmentConfig } from '../config';

/** The upstream charts setup.sh installs with Helm before Argo CD takes over, in this order. */
export const BOOTSTRAP_HELM_INSTALLS = ['cilium', 'argocd'] as const;

/** Tools the bootstrap needs, with the oldest versions known to work with Kubernetes 1.35 node images. */
export const BOOTSTRAP_REQUIREMENTS = {
  docker: { min: '24.0.0', install: 'https://docs.docker.com/engine/install/' },
  kind: { min: '0.31.0', install: 'https://kind.sigs.k8s.io/docs/user/quick-start/#installation' },
  kubectl: { min: '1.34.0', install: 'https://kubernetes.io/docs/tasks/tools/' },
  helm: { min: '3.17.0', install: 'https://helm.sh/docs/intro/install/' },
  openssl: { min: '1.1.1', install: 'your package manager (apt-get install openssl)' },
} as const;

/** A chart setup.sh installs with `helm install`, from where the environment reaches it (its mirror, if any). */
export interface HelmInstall {
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
  readonly releaseName: string;
  readonly namespace: string;
}

export interface BootstrapInputs {
  readonly env: EnvironmentConfig;
  /** The registered variant of `env` without Istio (config/environments skipIstioVariantOf), if there is one. */
  readonly skipIstioEnv?: string;
  readonly argocdNamespace: string;
  /** Where verify.sh finds Istio's mesh-wide PeerAuthentication. */
  readonly istioNamespace: string;
  readonly cilium: HelmInstall;
  readonly argocd: HelmInstall;
  readonly tlsSecret: { readonly namespace: string; readonly name: string };
  readonly hosts: readonly string[];
  readonly rootApplicationFile: string;
  /** The root's own AppProject, applied just before the root Application. */
  readonly rootProjectFile: string;
  /** Namespaces applied before the bootstrap's Secrets are created. */
  readonly namespaceFiles: readonly string[];
  /** The lab's clone as a volume for the repo-server (GitSource.localClone), applied before Argo CD; empty elsewhere. */
  readonly labCloneFiles: readonly string[];
  readonly grafanaAdminSecret: { readonly namespace: string; readonly name: string };
  /** What verify.sh checks: namespaces whose pods must be ready, `<ns>/<name>` of the Gateway and routes, Constraints as `<kind>/<name>`. */
  readonly verify: {
    readonly namespaces: readonly string[];
    readonly gateway: string;
    readonly httpRoutes: readonly string[];
    readonly constraints: readonly string[];
  };
}

/** Single-quoted for POSIX shells; values are validated config, this only guards the quoting. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Everything setup.sh, verify.sh and teardown.sh need to know, as shell
 * assignments they `source`. The scripts hold no versions or names of their own.
 */
export function bootstrapEnv(inputs: BootstrapInputs): string {
  const { env } = inputs;
  const { cilium, argocd } = inputs;
  const vars: Array<[string, string]> = [
    ['ENV_NAME', env.name],
    ['CLUSTER_NAME', env.cluster.name],
    ['KUBE_CONTEXT', `kind-${env.cluster.name}`],
    ['DOMAIN', env.domain],
    ['LIGHT', String(env.features.light)],
    ['SKIP_ISTIO', String(env.features.skipIstio)],
    // setup.sh --env <env> --skip-istio brings up this folder of dist/ (empty: there is none).
    ['SKIP_ISTIO_ENV', inputs.skipIstioEnv ?? ''],
    ['CILIUM_REPO', cilium.repoURL],
    ['CILIUM_CHART', cilium.chart],
    ['CILIUM_VERSION', cilium.version],
    ['CILIUM_RELEASE', cilium.releaseName],
    ['CILIUM_NAMESPACE', cilium.namespace],
    ['ARGOCD_REPO', argocd.repoURL],
    ['ARGOCD_CHART', argocd.chart],
    ['ARGOCD_VERSION', argocd.version],
    ['ARGOCD_RELEASE', argocd.releaseName],
    ['ARGOCD_NAMESPACE', inputs.argocdNamespace],
    // Only with a mesh: a no-mesh environment's files never mention Istio.
    ...(env.features.skipIstio ? [] : ([['ISTIO_NAMESPACE', inputs.istioNamespace]] as Array<[string, string]>)),
    ['ROOT_APPLICATION', `root-${env.name}`],
    ['ROOT_APPLICATION_FILE', inputs.rootApplicationFile],
    ['ROOT_PROJECT_FILE', inputs.rootProjectFile],
    ['NAMESPACE_FILES', inputs.namespaceFiles.join(' ')],
    ['LAB_CLONE_FILES', inputs.labCloneFiles.join(' ')],
    ['REPO_URL', env.git.repoURL],
    ['GRAFANA_SECRET_NAMESPACE', inputs.grafanaAdminSecret.namespace],
    ['GRAFANA_SECRET_NAME', inputs.grafanaAdminSecret.name],
    ['TLS_SECRET_NAMESPACE', inputs.tlsSecret.namespace],
    ['TLS_SECRET_NAME', inputs.tlsSecret.name],
    ['HOSTS', inputs.hosts.join(' ')],
    // https where plain HTTP only redirects (security.exposure.httpsOnly).
    ['UI_SCHEME', env.security.exposure.httpsOnly ? 'https' : 'http'],
    ['ARGOCD_ADMIN', String(env.security.exposure.argocdAdminAccount)],
    ['HUBBLE_PUBLISHED', String(env.security.exposure.unauthenticatedUis)],
    ['VERIFY_NAMESPACES', inputs.verify.namespaces.join(' ')],
    ['GATEWAY', inputs.verify.gateway],
    ['HTTPROUTES', inputs.verify.httpRoutes.join(' ')],
    ['CONSTRAINTS', inputs.verify.constraints.join(' ')],
    ...Object.entries(BOOTSTRAP_REQUIREMENTS).flatMap(([tool, req]): Array<[string, string]> => [
      [`MIN_${tool.toUpperCase()}`, req.min],
      [`INSTALL_${tool.toUpperCase()}`, req.install],
    ]),
  ];
  return [
    `# Generated by npm run synth from config/environments/${env.name}.ts; do not edit.`,
    ...vars.map(([key, value]) => `${key}=${shellQuote(value)}`),
    '',
  ].join('\n');
}
