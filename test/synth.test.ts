import { ApiObject, App } from 'cdk8s';
import { COMPONENTS } from '../components';
import { ENVIRONMENTS } from '../config/environments';
import { synth } from '../lib/cli';
import { IMAGES } from '../lib/images';
import { PlatformChart } from '../lib/platform-chart';
import { renderEnvironment } from '../lib/synth';
import { ALL_ENVS, podOwners, readTree, render, tempDir } from './helpers';

describe('deterministic output', () => {
  test('list order does not matter: the App-of-Apps is built last wherever it is listed, so its projects see every chart', () => {
    const apps = COMPONENTS.find((c) => c.name === 'apps')!;
    const reordered = [apps, ...COMPONENTS.filter((c) => c !== apps).reverse()];
    const contents = (files: ReturnType<typeof renderEnvironment>['files']) => files.map((f) => `${f.path}\n${f.content}`);
    expect(contents(renderEnvironment(ENVIRONMENTS.prod, reordered).files)).toEqual(contents(renderEnvironment(ENVIRONMENTS.prod, COMPONENTS).files));
  });

  test('synthesizing twice gives identical bytes', () => {
    const a = tempDir('synth-a-');
    const b = tempDir('synth-b-');
    synth({ envs: [], outDir: a, check: false }, COMPONENTS);
    synth({ envs: [], outDir: b, check: false }, COMPONENTS);
    const treeA = readTree(a);
    expect(Object.keys(treeA).length).toBeGreaterThan(30);
    expect(readTree(b)).toEqual(treeA);
  });

  test('no object has a generated (hashed) name', () => {
    for (const env of ALL_ENVS) {
      for (const file of render(env).files) {
        expect(file.object.metadata.name).not.toMatch(/-c8[0-9a-f]{6,}$/);
      }
    }
  });

  test('layout is dist/<env>/<component>/<kind>-<name>.yaml, one object per file', () => {
    const files = render(ENVIRONMENTS.dev).files.map((f) => f.path);
    expect(files).toContain('demo/deployment-backend.yaml');
    expect(files).toContain('platform/poddisruptionbudget-backend-pdb.yaml');
    for (const file of render(ENVIRONMENTS.dev).files) expect(file.content.match(/^apiVersion:/gm)).toHaveLength(1);
  });

  test('keys come in a stable order: apiVersion, kind, metadata, spec', () => {
    const content = render(ENVIRONMENTS.dev).files.find((f) => f.path === 'demo/deployment-backend.yaml')!.content;
    expect(content.split('\n').slice(0, 4)).toEqual(['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '  name: backend']);
  });

  test('a one-value config change touches exactly one file', () => {
    const base = render(ENVIRONMENTS.prod).files;
    const changed = render({
      ...ENVIRONMENTS.prod,
      demo: { ...ENVIRONMENTS.prod.demo, backend: { ...ENVIRONMENTS.prod.demo.backend, replicas: 5 } },
    }).files;
    const differing = base.filter((f, i) => f.content !== changed[i].content).map((f) => f.path);
    expect(differing).toEqual(['demo/deployment-backend.yaml']);
  });
});

describe('registry override (seed section 12, Harbor)', () => {
  test('rewrites every image this project renders and keeps the repository path', () => {
    const harbor = 'harbor.corp.example:5000/lab';
    for (const base of ALL_ENVS) {
      const env = { ...base, registry: harbor, demo: { ...base.demo, loadGenerator: { ...base.demo.loadGenerator, enabled: true } } };
      const images = podOwners(render(env).files.map((f) => f.object)).flatMap((o) =>
        [...(o.podSpec.initContainers ?? []), ...o.podSpec.containers].map((c) => c.image!),
      );
      expect(images.length).toBeGreaterThanOrEqual(3);
      const repositories = Object.values(IMAGES)
        .map((i) => i.repository)
        .join('|');
      for (const image of images) expect(image).toMatch(new RegExp(`^${harbor.replace(/\./g, '\\.')}/(${repositories}):`));
      // Nothing mentions the public registry any more.
      expect(render(env).files.some((f) => f.content.includes('docker.io/'))).toBe(false);
    }
  });
});

describe('PlatformChart puts namespaced objects in the component namespace', () => {
  const objectsOf = (build: (chart: PlatformChart) => void) => {
    const chart = new PlatformChart(new App(), 'c', { env: ENVIRONMENTS.dev, namespace: 'demo' });
    build(chart);
    return chart.toJson().map((o) => `${o.kind} ${o.metadata?.namespace ?? '(cluster)'}`);
  };

  test('a namespaced object that names none gets it; a cluster-scoped one and one that names another keep theirs', () => {
    expect(
      objectsOf((c) => {
        new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
        new ApiObject(c, 'np', { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'b', namespace: 'kong' } });
        new ApiObject(c, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
        new ApiObject(c, 'gc', { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'kong' } });
        new ApiObject(c, 'k8s', { apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: 'K8sRequireLabels', metadata: { name: 'x' } });
      }),
    ).toEqual(['ConfigMap demo', 'NetworkPolicy kong', 'Namespace (cluster)', 'GatewayClass (cluster)', 'K8sRequireLabels (cluster)']);
  });

  test('seeded break: a cluster-scoped kind missing from lib/scope.ts is given the namespace (the control-plane test compares the list with discovery)', () => {
    expect(objectsOf((c) => new ApiObject(c, 'sc', { apiVersion: 'example.com/v1', kind: 'ClusterThing', metadata: { name: 'x' } }))).toEqual([
      'ClusterThing demo',
    ]);
  });
});
