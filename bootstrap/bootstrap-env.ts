import { KONG_NODE_PORTS } from '../argocd/values/kong';
import { EnvironmentConfig } from '../config';
import { NAMESPACES } from '../lib/namespaces';

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

/**
 * What the seed's exercise steps run besides the bootstrap's tools: named in the README's prerequisites,
 * and setup.sh says which of them this machine lacks (none is needed to bring the lab up).
 */
export const EXERCISE_TOOLS = {
  curl: { usedBy: 'seed 3-1, 3-2, 7-2 and verify.sh (the routes through Kong)', install: 'your package manager (apt-get install curl)' },
  hubble: {
    usedBy: `seed 2-1 and 2-3 (hubble observe, after kubectl -n ${NAMESPACES.kubeSystem} port-forward svc/hubble-relay 4245:80)`,
    install: 'https://docs.cilium.io/en/stable/observability/hubble/setup/#install-the-hubble-client',
  },
  argocd: { usedBy: 'seed 11-4 (argocd app get)', install: 'https://argo-cd.readthedocs.io/en/stable/cli_installation/' },
  tree: { usedBy: 'seed 11-1 (tree of the chart)', install: 'your package manager (apt-get install tree)' },
  python3: { usedBy: 'seed 7-6 and 14 (python3 -m json.tool)', install: 'your package manager (apt-get install python3)' },
  base64: { usedBy: 'seed 0, 5 and 7 (the Grafana and Argo CD passwords)', install: 'coreutils (apt-get install coreutils)' },
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
  /** The rollback receiver's token Secret, which setup.sh creates with a random token where the environment has a receiver. */
  readonly rollbackReceiverSecret?: { readonly namespace: string; readonly name: string };
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
    // Where Kind publishes ports 80, 443 and Kong Manager's: the hosts line points the lab's names here.
    ['HOST_ADDRESS', env.cluster.hostAddress],
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
    ['RECEIVER_SECRET_NAMESPACE', inputs.rollbackReceiverSecret?.namespace ?? ''],
    ['RECEIVER_SECRET_NAME', inputs.rollbackReceiverSecret?.name ?? ''],
    // Where the receiver listens for this lab's Alertmanager (the URL's host and port), for the line setup.sh prints.
    ['RECEIVER_LISTEN', env.observability.rollbackReceiver ? new URL(env.observability.rollbackReceiver.url).host : ''],
    ['TLS_SECRET_NAMESPACE', inputs.tlsSecret.namespace],
    ['TLS_SECRET_NAME', inputs.tlsSecret.name],
    ['HOSTS', inputs.hosts.join(' ')],
    // https where plain HTTP only redirects (security.exposure.httpsOnly).
    ['UI_SCHEME', env.security.exposure.httpsOnly ? 'https' : 'http'],
    ['ARGOCD_ADMIN', String(env.security.exposure.argocdAdminAccount)],
    ['HUBBLE_PUBLISHED', String(env.security.exposure.unauthenticatedUis)],
    ['KONG_MANAGER_PORT', String(KONG_NODE_PORTS.manager)],
    ['VERIFY_NAMESPACES', inputs.verify.namespaces.join(' ')],
    ['GATEWAY', inputs.verify.gateway],
    ['HTTPROUTES', inputs.verify.httpRoutes.join(' ')],
    ['CONSTRAINTS', inputs.verify.constraints.join(' ')],
    ...Object.entries(BOOTSTRAP_REQUIREMENTS).flatMap(([tool, req]): Array<[string, string]> => [
      [`MIN_${tool.toUpperCase()}`, req.min],
      [`INSTALL_${tool.toUpperCase()}`, req.install],
    ]),
    ['EXERCISE_TOOLS', Object.keys(EXERCISE_TOOLS).join(' ')],
    ...Object.entries(EXERCISE_TOOLS).flatMap(([tool, t]): Array<[string, string]> => [
      [`USED_BY_${tool.toUpperCase()}`, t.usedBy],
      [`INSTALL_${tool.toUpperCase()}`, t.install],
    ]),
  ];
  return [
    `# Generated by npm run synth from config/environments/${env.name}.ts; do not edit.`,
    ...vars.map(([key, value]) => `${key}=${shellQuote(value)}`),
    '',
  ].join('\n');
}
