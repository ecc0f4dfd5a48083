import { defineEnvironment } from '../config/define';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { HUBBLE_METRICS } from '../argocd/values/cilium';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENTS, registryProblems } from '../config/environments';
import { projectFindings } from '../verify/checks/project-permissions';
import { PlatformChart } from '../lib/platform-chart';
import { childApps } from '../argocd/children';
import { ChartComponent, KubeObject, RenderedFile } from '../lib/synth';
import { ALL_ENVS, render, ROOT } from './helpers';

const apps = (env: EnvironmentConfig) =>
  render(env)
    .files.filter((f) => f.component === 'apps')
    .map((f) => f.object);
const children = (env: EnvironmentConfig) => apps(env).filter((o) => o.kind === 'Application') as Array<KubeObject & { spec: any }>;
const child = (env: EnvironmentConfig, name: string) => {
  const found = children(env).find((a) => a.metadata.name === name);
  if (!found) throw new Error(`no Application ${name} in ${env.name}`);
  return found;
};
const wave = (app: KubeObject) => Number((app.metadata as any).annotations['argocd.argoproj.io/sync-wave']);
const plain = (env: EnvironmentConfig, name: string) => YAML.parse(render(env).plainFiles.find((f) => f.name === `bootstrap/${name}`)!.content);

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s App-of-Apps', (_, env) => {
  test('every directory source path exists in the committed dist/ and holds manifests', () => {
    const sources = children(env).filter((a) => a.spec.source.path?.startsWith('dist/'));
    expect(sources.length).toBeGreaterThanOrEqual(5);
    for (const app of sources) {
      const dir = path.join(ROOT, app.spec.source.path);
      expect({ app: app.metadata.name, exists: fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.yaml')) }).toEqual({
        app: app.metadata.name,
        exists: true,
      });
      expect(app.spec.source.repoURL).toBe(env.git.repoURL);
      expect(app.spec.source.targetRevision).toBe(env.git.targetRevision);
    }
    const root = render(env).files.find((f) => f.path === `bootstrap/application-root-${env.name}.yaml`)!.object as any;
    expect(fs.existsSync(path.join(ROOT, root.spec.source.path))).toBe(true);
  });

  test('every Helm source names a pinned chart version', () => {
    const helm = children(env).filter((a) => a.spec.source.chart);
    expect(helm.length).toBeGreaterThanOrEqual(4);
    for (const app of helm)
      expect({ app: app.metadata.name, version: app.spec.source.targetRevision }).toEqual({
        app: app.metadata.name,
        version: expect.stringMatching(/^\d+\.\d+\.\d+$/),
      });
    for (const app of children(env).filter((a) => a.spec.source.path && !a.spec.source.path.startsWith('dist/'))) {
      expect(app.spec.source.targetRevision).toMatch(/^v\d+\.\d+\.\d+$/);
    }
  });

  test('waves follow the seed install flow (section 1)', () => {
    const order = ['cilium', 'kong', 'argocd', 'gatekeeper', 'gatekeeper-policies', 'platform', 'demo'];
    const waves = order.map((name) => wave(child(env, name)));
    expect([...waves].sort((a, b) => a - b)).toEqual(waves);
    expect(new Set(waves).size).toBe(waves.length);
    expect(wave(child(env, 'gateway-api-crds'))).toBeLessThan(wave(child(env, 'kong')));
    expect(wave(child(env, 'gateway'))).toBeLessThan(wave(child(env, 'demo')));
    if (!env.features.skipIstio) {
      expect(wave(child(env, 'istio-base'))).toBeLessThan(wave(child(env, 'istiod')));
      expect(wave(child(env, 'ztunnel'))).toBeLessThan(wave(child(env, 'argocd')));
      expect(wave(child(env, 'mesh-security'))).toBeLessThan(wave(child(env, 'demo')));
    }
  });

  test('every child has the finalizer, automated prune/selfHeal, retry with backoff and CreateNamespace', () => {
    for (const app of children(env)) {
      expect(app.metadata).toMatchObject({ namespace: 'argocd', finalizers: ['resources-finalizer.argocd.argoproj.io/foreground'] });
      expect(['platform', 'platform-system']).toContain(app.spec.project);
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(app.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '5s', factor: 2, maxDuration: '5m' } });
      expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    }
  });

  test('ServerSideApply where CRDs are large; SkipDryRunOnMissingResource for Constraints', () => {
    for (const name of ['gateway-api-crds', 'argocd', 'gatekeeper', 'kong', ...(env.features.skipIstio ? [] : ['istio-base'])]) {
      expect(child(env, name).spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    }
    expect(child(env, 'gatekeeper-policies').spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    const constraints = render(env).files.filter((f) => f.object.apiVersion.startsWith('constraints.gatekeeper.sh/'));
    for (const c of constraints)
      expect((c.object.metadata as any).annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });

  test('webhook caBundle drift is ignored, and the ignore is respected on sync', () => {
    for (const name of ['gatekeeper', ...(env.features.skipIstio ? [] : ['istiod', 'istio-base'])]) {
      const app = child(env, name);
      expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
      const paths = app.spec.ignoreDifferences.flatMap((d: any) => d.jqPathExpressions);
      expect(paths).toContain('.webhooks[]?.clientConfig.caBundle');
      expect(app.spec.ignoreDifferences.map((d: any) => d.kind)).toEqual(
        expect.arrayContaining(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']),
      );
    }
  });

  test('each AppProject allows exactly the sources its children use; only platform-system reaches kube-system and argocd', () => {
    const projects = apps(env).filter((o) => o.kind === 'AppProject') as Array<KubeObject & { spec: any }>;
    expect(projects.map((p) => p.metadata.name).sort()).toEqual(['default', 'platform', 'platform-system']);
    for (const project of projects.filter((p) => p.metadata.name !== 'default')) {
      const members = children(env).filter((a) => a.spec.project === project.metadata.name);
      expect(project.spec.sourceRepos).toEqual([...new Set(members.map((a) => a.spec.source.repoURL))].sort());
      expect(project.spec.destinations.every((d: any) => d.server === 'https://kubernetes.default.svc')).toBe(true);
    }
    const platform = projects.find((p) => p.metadata.name === 'platform')!;
    const platformNamespaces = platform.spec.destinations.map((d: any) => d.namespace);
    expect(platformNamespaces).not.toContain('kube-system');
    expect(platformNamespaces).not.toContain('argocd');
  });

  test('Argo CD would admit every child of ours, and a child naming the default project, a wildcard or a stray kind fails the check', () => {
    // Our objects as Argo CD sees them (an object without namespace is cluster-scoped; the control-plane test asks the API server, upstream charts included).
    const ours = render(env)
      .files.filter((f) => !['apps', 'bootstrap'].includes(f.component))
      .map((f) => ({ app: f.component, object: f.object, namespaced: !!f.object.metadata.namespace }));
    const all = apps(env);
    const onlyOurs = (findings: string[]) => findings.filter((f) => !/which no child renders/.test(f));
    expect(onlyOurs(projectFindings(all, ours))).toEqual([]);
    const withProject = (name: string, project: string) =>
      all.map((o) => (o.kind === 'Application' && o.metadata.name === name ? { ...o, spec: { ...(o as any).spec, project } } : o));
    const inDefault = onlyOurs(projectFindings(withProject('demo', 'default'), ours));
    // Locked, default refuses everything; opened to the seed's exercises (the lab), it still refuses the demo namespace.
    expect(inDefault).toEqual(
      expect.arrayContaining(
        env.security.defaultProject.admits === 'nothing'
          ? [
              `demo: source ${env.git.repoURL} is not permitted by project default`,
              'demo: namespace demo is not a destination of project default',
              'demo: Deployment backend is blacklisted by project default',
            ]
          : ['demo: namespace demo is not a destination of project default'],
      ),
    );
    const wildcard = all.map((o) =>
      o.kind === 'AppProject' && o.metadata.name === 'platform'
        ? { ...o, spec: { ...(o as any).spec, clusterResourceWhitelist: [{ group: '*', kind: '*' }] } }
        : o,
    );
    expect(projectFindings(wildcard, ours)).toContain('project platform: whitelists */*, a wildcard; name the kinds');
    const stray = [
      ...ours,
      { app: 'demo', object: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'stray' } }, namespaced: false },
    ];
    expect(projectFindings(all, stray)).toContain('demo: cluster-scoped storage.k8s.io/StorageClass stray is not whitelisted by project platform');
  });

  test('the default project admits nothing, or in the lab the seed exercises only; the root project only Applications and AppProjects in argocd', () => {
    const project = apps(env).find((o) => o.kind === 'AppProject' && o.metadata.name === 'default') as any;
    const setting = env.security.defaultProject;
    expect(project.spec).toMatchObject(
      setting.admits === 'nothing'
        ? { sourceRepos: [], destinations: [], clusterResourceWhitelist: [], namespaceResourceBlacklist: [{ group: '*', kind: '*' }] }
        : {
            sourceRepos: [...setting.repositories, env.git.repoURL].sort(),
            destinations: [...setting.namespaces].sort().map((namespace) => ({ server: 'https://kubernetes.default.svc', namespace })),
            clusterResourceWhitelist: [...setting.namespaces].sort().map((name) => ({ group: '', kind: 'Namespace', name })),
          },
    );
    if (setting.admits !== 'nothing') expect(env.features.light).toBe(true);
    const bootstrap = render(env)
      .files.filter((f) => f.component === 'bootstrap')
      .map((f) => f.object as any);
    const root = bootstrap.find((o) => o.kind === 'Application');
    const rootProject = bootstrap.find((o) => o.kind === 'AppProject' && o.metadata.name === root.spec.project);
    expect(root.spec.project).not.toBe('default');
    expect(rootProject.spec).toEqual({
      description: expect.any(String),
      sourceRepos: [env.git.repoURL],
      destinations: [{ server: 'https://kubernetes.default.svc', namespace: 'argocd' }],
      clusterResourceWhitelist: [],
      namespaceResourceWhitelist: [
        { group: 'argoproj.io', kind: 'Application' },
        { group: 'argoproj.io', kind: 'AppProject' },
      ],
    });
    const rootObjects = apps(env).map((object) => ({ app: root.metadata.name, object, namespaced: true }));
    expect(projectFindings([rootProject, root], rootObjects)).toEqual([]);
  });

  test('--skip-istio leaves the Istio apps out and nothing refers to them', () => {
    const names = children(env).map((a) => a.metadata.name);
    const istio = ['istio-base', 'istiod', 'istio-cni', 'ztunnel', 'mesh-security'];
    if (env.features.skipIstio) {
      expect(names.filter((n) => istio.includes(n))).toEqual([]);
      expect(JSON.stringify(apps(env))).not.toMatch(/istio/i);
    } else {
      expect(names).toEqual(expect.arrayContaining(istio));
      for (const name of ['istiod', 'istio-cni']) expect(child(env, name).spec.source.helm.valuesObject.profile).toBe('ambient');
    }
  });
});

describe('typed upstream values with the seed settings', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))(
    '%s Cilium: kube-proxy replacement on Kind, VXLAN, WireGuard, Istio-friendly, Hubble',
    (_, env) => {
      expect(child(env, 'cilium').spec.source.helm.valuesObject).toMatchObject({
        kubeProxyReplacement: true,
        k8sServiceHost: `lab-${env.name}-control-plane`,
        k8sServicePort: 6443,
        routingMode: 'tunnel',
        tunnelProtocol: 'vxlan',
        encryption: { enabled: true, type: 'wireguard' },
        cni: { exclusive: false },
        socketLB: { hostNamespaceOnly: true },
        hubble: {
          enabled: true,
          relay: { enabled: true },
          ui: { enabled: true },
          metrics: {
            enabled: [
              'dns',
              'drop:labelsContext=source_namespace,source_workload,destination_namespace,destination_workload,traffic_direction',
              'tcp',
              'flow:labelsContext=source_namespace,source_workload,destination_namespace,destination_workload,traffic_direction',
              'icmp',
              'http:labelsContext=source_namespace,source_workload,destination_namespace,destination_workload,traffic_direction',
            ],
          },
        },
        operator: { replicas: 2 },
      });
      expect(HUBBLE_METRICS).toHaveLength(6);
    },
  );

  test('Argo CD: Application health restored in argocd-cm, so a wave waits for the one before it', () => {
    const values = child(ENVIRONMENTS.dev, 'argocd').spec.source.helm.valuesObject;
    expect(values.configs.cm['resource.customizations.health.argoproj.io_Application']).toContain('hs.status = obj.status.health.status');
  });
});

describe('Kind config (seed step 1, fix #6)', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))('%s: 1 control plane + 2 workers, no kube-proxy, no default CNI, 80/443 to Kong', (_, env) => {
    const config = plain(env, 'kind.config.yaml');
    expect(config.networking).toEqual({ disableDefaultCNI: true, kubeProxyMode: 'none' });
    expect(config.nodes.map((n: any) => n.role)).toEqual(['control-plane', 'worker', 'worker']);
    expect(new Set(config.nodes.map((n: any) => n.image))).toEqual(new Set(['kindest/node:v1.35.0']));
    // Every host port on loopback only; Kong Manager's only where unauthenticated UIs are allowed.
    expect(config.nodes[0].extraPortMappings).toEqual([
      { containerPort: 30080, hostPort: 80, listenAddress: env.cluster.hostAddress, protocol: 'TCP' },
      { containerPort: 30443, hostPort: 443, listenAddress: env.cluster.hostAddress, protocol: 'TCP' },
      ...(env.security.exposure.unauthenticatedUis
        ? [{ containerPort: 30329, hostPort: 30329, listenAddress: env.cluster.hostAddress, protocol: 'TCP' }]
        : []),
    ]);
  });

  test('each lab publishes on its own loopback address, so any two run side by side; two on one address are refused in one line', () => {
    const addresses = ALL_ENVS.map((e) => e.cluster.hostAddress);
    expect(new Set(addresses).size).toBe(addresses.length);
    expect(addresses.every((a) => /^127\.\d+\.\d+\.\d+$/.test(a))).toBe(true);
    expect(registryProblems()).toEqual([]);
    const twin = defineEnvironment('twin', ENVIRONMENTS.dev, {});
    expect(registryProblems([...ALL_ENVS, twin])).toEqual([
      'environments dev and twin share cluster.hostAddress 127.0.0.1; give each its own 127.x.y.z, so their labs can run side by side',
    ]);
  });
});

describe('children read from the render', () => {
  const env = ENVIRONMENTS.dev;
  const ours: ChartComponent = {
    name: 'widgets',
    namespace: 'demo',
    wave: 5,
    enabled: () => true,
    build: (scope, id, context) => new PlatformChart(scope, id, context),
  };
  const file = (object: KubeObject): RenderedFile => ({ path: `widgets/${object.kind}`, component: 'widgets', object, content: '' });
  const crd = file({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.com' },
    spec: { names: { kind: 'Widget' } },
  });
  const widget = file({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'extra' } });
  const child = (rendered: RenderedFile[]) => childApps(env, [ours], [], rendered)[0];

  test('a kind defined in the same sync skips the dry run; its namespaces and cluster-scoped kinds come from the objects', () => {
    expect(child([crd, widget])).toMatchObject({
      skipDryRunOnMissingResource: true,
      otherNamespaces: ['extra'],
      clusterKinds: [{ group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' }],
    });
  });

  test('without its definition in the same sync, the dry run stays on', () => {
    expect(child([widget]).skipDryRunOnMissingResource).toBe(false);
    expect(child([crd]).skipDryRunOnMissingResource).toBe(false);
  });
});
