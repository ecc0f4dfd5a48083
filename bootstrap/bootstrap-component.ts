import { RootApplication } from '../argocd/root-application';
import { ARGOCD, CILIUM, componentVersion, HelmUpstream, helmValues, UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { LAB_CLONE_CLAIM } from '../argocd/values/argocd';
import { CONSTRAINT_NAMES } from '../charts/gatekeeper-policies';
import { routeName } from '../lib/traffic';
import { EnvironmentConfig, PolicyKey } from '../config';
import { NAMESPACES } from '../lib/namespaces';
import { distPath, sourceURL } from '../lib/sources';
import { ChartComponent } from '../lib/synth';
import { BOOTSTRAP_SECRETS } from '../lib/upstream';
import { toYaml } from '../lib/yaml';
import { POLICY_TEMPLATES } from '../policies/templates';
import { ARGOCD_PROJECTS, KONG_GATEWAY, platformNamespaces, publishedRoutes } from '../topology';
import { bootstrapEnv, HelmInstall } from './bootstrap-env';
import { BootstrapNamespace } from './bootstrap-namespace';
import { kindConfig } from './kind-config';
import { LAB_CLONE_VOLUME, LabCloneVolume } from './lab-clone-volume';

export interface BootstrapComponentProps {
  /**
   * The registered variant of an environment without Istio (config/environments),
   * which `setup.sh --env <env> --skip-istio` brings up. Passed in, so that the
   * bootstrap does not depend on every environment there is.
   */
  readonly skipIstioVariantOf: (env: EnvironmentConfig) => EnvironmentConfig | undefined;
}

/** The namespaces of the Secrets setup.sh creates, each once. */
const secretNamespaces = (): string[] => [...new Set(Object.values(BOOTSTRAP_SECRETS).map((s) => s.namespace))];

const helmInstall = (env: EnvironmentConfig, upstream: HelmUpstream): HelmInstall => ({
  repoURL: sourceURL(env, upstream.source.repoURL, 'chart'),
  chart: upstream.source.chart,
  version: componentVersion(upstream, env),
  releaseName: upstream.source.releaseName,
  namespace: upstream.namespace,
});

/**
 * The bootstrap folder of `dist/<env>/`: what setup.sh applies before Argo CD
 * takes over (the root Application and the namespaces of the Secrets it
 * creates), and the plain files it reads (Kind config, the Helm values of
 * Cilium and Argo CD, bootstrap.env), with the same values the Applications use.
 */
export function bootstrapComponent(environments: BootstrapComponentProps): ChartComponent {
  return {
    // What setup.sh applies before Argo CD takes over; the same values the Applications use.
    name: 'bootstrap',
    namespace: NAMESPACES.argocd,
    wave: 0,
    childApp: false,
    enabled: () => true,
    build: (scope, id, context) => {
      const { env } = context;
      const chart = new RootApplication(scope, id, {
        ...context,
        appsPath: distPath(env, 'apps'),
        project: ARGOCD_PROJECTS.root,
      });
      // Namespaces of the Secrets the bootstrap creates; labelled as their Applications label them.
      for (const namespace of secretNamespaces()) {
        const policy = platformNamespaces(env).find((n) => n.name === namespace);
        if (!policy) throw new Error(`the bootstrap secret namespace ${namespace} is not a platform namespace`);
        new BootstrapNamespace(chart, `namespace-${namespace}`, { policy });
      }
      if (env.git.localClone) {
        // The claim's namespace exists before Helm would create it: labelled as the namespaces Application keeps it.
        const argocd = platformNamespaces(env).find((n) => n.name === NAMESPACES.argocd)!;
        new BootstrapNamespace(chart, `namespace-${NAMESPACES.argocd}`, { policy: argocd });
        new LabCloneVolume(chart, 'lab-clone', {
          clone: env.git.localClone,
          volumeName: LAB_CLONE_VOLUME,
          claim: { namespace: NAMESPACES.argocd, name: LAB_CLONE_CLAIM },
        });
      }
      return chart;
    },
    files: (env) => [
      { name: 'kind.config.yaml', content: toYaml(kindConfig(env)) },
      { name: 'cilium.values.yaml', content: toYaml(helmValues(CILIUM.source, env)) },
      { name: 'argocd.values.yaml', content: toYaml(helmValues(ARGOCD.source, env)) },
      {
        name: 'bootstrap.env',
        content: bootstrapEnv({
          env,
          skipIstioEnv: environments.skipIstioVariantOf(env)?.name,
          argocdNamespace: NAMESPACES.argocd,
          istioNamespace: NAMESPACES.istio,
          cilium: helmInstall(env, CILIUM),
          argocd: helmInstall(env, ARGOCD),
          tlsSecret: BOOTSTRAP_SECRETS.labWildcardTls,
          hosts: publishedRoutes(env).map((r) => `${r.host}.${env.domain}`),
          rootApplicationFile: `application-root-${env.name}.yaml`,
          rootProjectFile: `appproject-${ARGOCD_PROJECTS.root}.yaml`,
          namespaceFiles: secretNamespaces().map((namespace) => `namespace-${namespace}.yaml`),
          labCloneFiles: env.git.localClone
            ? [`namespace-${NAMESPACES.argocd}.yaml`, `persistentvolume-${LAB_CLONE_VOLUME}.yaml`, `persistentvolumeclaim-${LAB_CLONE_CLAIM}.yaml`]
            : [],
          grafanaAdminSecret: BOOTSTRAP_SECRETS.grafanaAdmin,
          rollbackReceiverSecret: env.observability.rollbackReceiver ? BOOTSTRAP_SECRETS.rollbackReceiver : undefined,
          verify: {
            namespaces: [...new Set([...UPSTREAM_COMPONENTS.filter((u) => u.enabled(env)).map((u) => u.namespace), NAMESPACES.demo])].sort(),
            gateway: `${KONG_GATEWAY.namespace}/${KONG_GATEWAY.name}`,
            httpRoutes: publishedRoutes(env).map((r) => `${r.service.namespace}/${routeName(r)}`),
            constraints: Object.entries(CONSTRAINT_NAMES).map(([key, name]) => `${POLICY_TEMPLATES[key as PolicyKey].kind.toLowerCase()}/${name}`),
          },
        }),
      },
    ],
  };
}
