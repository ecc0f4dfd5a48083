import { COMPONENTS } from '../components';
import { FleetCluster, UserError } from '../config';
import { defineEnvironment } from '../config/define';
import { ENVIRONMENTS } from '../config/environments';
import { renderEnvironment } from '../lib/synth';
import { render } from './helpers';

/**
 * The management environment's typed fleet entries, as synth renders and checks them: each
 * registered cluster gets its own AppProject, which allows exactly what its components render
 * in its environment, on its server; a bad entry is one line that names it. The real
 * ApplicationSet controller runs them in fleet.test.ts.
 */
const FLEET = COMPONENTS.filter((c) => c.name === 'fleet');
const dev = ENVIRONMENTS.dev;
const withClusters = (clusters: FleetCluster[], components = dev.fleet!.components) =>
  defineEnvironment('dev', dev, { fleet: { clusters, components } });
const renderFleet = (clusters: FleetCluster[], components?: readonly string[]) =>
  renderEnvironment(withClusters(clusters, components), FLEET).files.map((f) => f.object);
const stgCluster: FleetCluster = { name: 'lab-stg', environment: 'stg', server: 'https://lab-stg-control-plane:6443' };

describe('the fleet of the management environment', () => {
  test("dev is the lab's management environment: one AppProject per registered cluster, one generator each", () => {
    const objects = render(dev)
      .files.filter((f) => f.component === 'fleet')
      .map((f) => f.object);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AppProject/fleet-lab-prod',
      'AppProject/fleet-lab-stg',
      'ApplicationSet/fleet',
    ]);
    const set = objects.find((o) => o.kind === 'ApplicationSet')!.spec as { generators: Array<{ clusters: { values: { environment: string } } }> };
    expect(set.generators.map((g) => g.clusters.values.environment)).toEqual(['stg', 'prod']);
    // Its variant would be a second management plane for the same clusters.
    expect(render(ENVIRONMENTS['dev-no-mesh']).files.some((f) => f.component === 'fleet')).toBe(false);
  });

  test("a cluster's AppProject allows exactly the namespaces and cluster-scoped kinds its components render in its environment", () => {
    const project = renderFleet([stgCluster]).find((o) => o.kind === 'AppProject')!.spec as {
      destinations: Array<{ server: string; namespace: string }>;
      clusterResourceWhitelist: Array<{ group: string; kind: string }>;
    };
    const stgObjects = render(ENVIRONMENTS.stg)
      .files.filter((f) => dev.fleet!.components.includes(f.component))
      .map((f) => f.object);
    const namespaces = new Set(
      stgObjects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : o.kind === 'Namespace' ? [o.metadata.name] : [])),
    );
    expect(project.destinations.every((d) => d.server === stgCluster.server)).toBe(true);
    expect(project.destinations.map((d) => d.namespace).sort()).toEqual([...namespaces].sort());
    expect(project.clusterResourceWhitelist.map((k) => k.kind).sort()).toEqual(
      [...new Set(stgObjects.filter((o) => !o.metadata.namespace).map((o) => o.kind))].sort(),
    );
  });

  test.each([
    ['the same name twice', [stgCluster, { ...stgCluster, environment: 'prod' }], undefined, /fleet registers 'lab-stg' twice/],
    ['a server without https', [{ ...stgCluster, server: 'http://lab-stg:6443' }], undefined, /server must be https:\/\/host\[:port\]/],
    ['an unknown environment', [{ ...stgCluster, environment: 'qa' }], undefined, /unknown environment 'qa'/],
    ['the management environment itself', [{ ...stgCluster, environment: 'dev' }], undefined, /runs dev itself/],
    ['a name that is no DNS label', [{ ...stgCluster, name: 'Lab_Stg' }], undefined, /must be a DNS label/],
    ['a component that is not ours', [stgCluster], ['namespaces', 'cilium'], /component 'cilium' is not one of our rendered components/],
  ])('refused with one line: %s', (_, clusters, components, says) => {
    let error: unknown;
    try {
      renderFleet(clusters as FleetCluster[], components);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toMatch(says);
    expect((error as Error).message).not.toContain('\n');
  });
});
