import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { HUBBLE_METRICS } from '../argocd/values/cilium';
import { ENVIRONMENTS, EnvironmentConfig } from '../config';
import { KubeObject } from '../lib/synth';
import { ALL_ENVS, render, ROOT } from './helpers';

const apps = (env: EnvironmentConfig) => render(env).files.filter((f) => f.component === 'apps').map((f) => f.object);
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
      expect({ app: app.metadata.name, exists: fs.existsSync(dir) && fs.readdirSync(dir).some((f) => f.endsWith('.yaml')) }).toEqual({ app: app.metadata.name, exists: true });
      expect(app.spec.source.repoURL).toBe(env.git.repoURL);
      expect(app.spec.source.targetRevision).toBe(env.git.targetRevision);
    }
    const root = render(env).files.find((f) => f.path === `bootstrap/application-root-${env.name}.yaml`)!.object as any;
    expect(fs.existsSync(path.join(ROOT, root.spec.source.path))).toBe(true);
  });

  test('every Helm source names a pinned chart version', () => {
    const helm = children(env).filter((a) => a.spec.source.chart);
    expect(helm.length).toBeGreaterThanOrEqual(4);
    for (const app of helm) expect({ app: app.metadata.name, version: app.spec.source.targetRevision }).toEqual({ app: app.metadata.name, version: expect.stringMatching(/^\d+\.\d+\.\d+$/) });
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
      expect(app.spec.project).toBe('platform');
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(app.spec.syncPolicy.retry).toEqual({ limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } });
      expect(app.spec.syncPolicy.syncOptions).toContain('CreateNamespace=true');
    }
  });

  test('ServerSideApply where CRDs are large; SkipDryRunOnMissingResource for Constraints', () => {
    for (const name of ['gateway-api-crds', 'argocd', 'gatekeeper', 'kong', ...(env.features.skipIstio ? [] : ['istio-base'])]) {
      expect(child(env, name).spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    }
    expect(child(env, 'gatekeeper-policies').spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    const constraints = render(env).files.filter((f) => f.object.apiVersion.startsWith('constraints.gatekeeper.sh/'));
    for (const c of constraints) expect((c.object.metadata as any).annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });

  test('webhook caBundle drift is ignored, and the ignore is respected on sync', () => {
    for (const name of ['gatekeeper', ...(env.features.skipIstio ? [] : ['istiod', 'istio-base'])]) {
      const app = child(env, name);
      expect(app.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
      const paths = app.spec.ignoreDifferences.flatMap((d: any) => d.jqPathExpressions);
      expect(paths).toContain('.webhooks[]?.clientConfig.caBundle');
      expect(app.spec.ignoreDifferences.map((d: any) => d.kind)).toEqual(expect.arrayContaining(['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']));
    }
  });

  test('the AppProject allows exactly the sources and namespaces the children use', () => {
    const project = apps(env).find((o) => o.kind === 'AppProject')!.spec as any;
    expect(project.sourceRepos).toEqual([...new Set(children(env).map((a) => a.spec.source.repoURL))].sort());
    const destinations = project.destinations.map((d: any) => d.namespace);
    for (const app of children(env)) expect(destinations).toContain(app.spec.destination.namespace);
    expect(project.destinations.every((d: any) => d.server === 'https://kubernetes.default.svc')).toBe(true);
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

  test('the bootstrap installs Cilium and Argo CD with exactly the values their Applications carry', () => {
    expect(plain(env, 'cilium.values.yaml')).toEqual(child(env, 'cilium').spec.source.helm.valuesObject);
    expect(plain(env, 'argocd.values.yaml')).toEqual(child(env, 'argocd').spec.source.helm.valuesObject);
  });
});

describe('typed upstream values with the seed settings', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))('%s Cilium: kube-proxy replacement on Kind, VXLAN, WireGuard, Istio-friendly, Hubble', (_, env) => {
    expect(child(env, 'cilium').spec.source.helm.valuesObject).toMatchObject({
      kubeProxyReplacement: true,
      k8sServiceHost: `lab-${env.name}-control-plane`,
      k8sServicePort: 6443,
      routingMode: 'tunnel',
      tunnelProtocol: 'vxlan',
      encryption: { enabled: true, type: 'wireguard' },
      cni: { exclusive: false },
      socketLB: { hostNamespaceOnly: true },
      hubble: { enabled: true, relay: { enabled: true }, ui: { enabled: true }, metrics: { enabled: ['dns', 'drop', 'tcp', 'flow', 'icmp', 'http'] } },
      operator: { replicas: 2 },
    });
    expect(HUBBLE_METRICS).toHaveLength(6);
  });

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
    expect(config.nodes[0].extraPortMappings).toEqual(
      expect.arrayContaining([
        { containerPort: 30080, hostPort: 80, protocol: 'TCP' },
        { containerPort: 30443, hostPort: 443, protocol: 'TCP' },
      ]),
    );
  });
});
