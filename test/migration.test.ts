import { COMPONENTS } from '../components';
import { publishedRoutes } from '../topology/index';
import { NAMESPACES } from '../lib/namespaces';
import { EnvironmentConfig, MigratedService } from '../config';
import { assertValid } from '../config/validate';
import { ENVIRONMENTS } from '../config/environments';
import { MIGRATABLE_SERVICES } from '../config/validate';
import { diffTrees, formatText, treeOf } from '../verify/checks/rendered-diff';
import { renderEnvironment } from '../lib/synth';
import { ALL_ENVS, render } from './helpers';

/** Seed 10-3: the Strangler Fig migration, Kong's upstream moved service by service and rolled back by moving it back. */
const { prod } = ENVIRONMENTS;
const withBackendAt = (env: EnvironmentConfig, change: Partial<MigratedService>): EnvironmentConfig => ({
  ...env,
  demo: { ...env.demo, migration: env.demo.migration.map((m) => (m.service === 'backend' ? { ...m, ...change } : m)) },
});
const apiRoute = (env: EnvironmentConfig) =>
  render(env).files.find((f) => f.object.kind === 'HTTPRoute' && f.object.metadata.name === 'demo-api')!.object as any;

describe('Strangler Fig (seed 10-3): the demo backend behind a weighted route, Kubernetes against the DC', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))(
    '%s: the api route weighs backend against backend-dc as configured, and the DC Service points at the DC upstream',
    (_, env) => {
      const m = env.demo.migration.find((x) => x.service === 'backend')!;
      expect(apiRoute(env).spec.rules[0].backendRefs).toEqual([
        { name: 'backend', port: 80, weight: m.kubernetesPercent },
        { name: 'backend-dc', port: m.dcUpstream.port, weight: 100 - m.kubernetesPercent },
      ]);
      const objects = render(env).files.map((f) => f.object as any);
      const service = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'backend-dc');
      expect(service.spec.selector).toBeUndefined();
      const slice = objects.find((o) => o.kind === 'EndpointSlice' && o.metadata.name === 'backend-dc');
      expect(slice.metadata.labels['kubernetes.io/service-name']).toBe('backend-dc');
      expect(slice.endpoints.map((e: any) => e.addresses)).toEqual([[m.dcUpstream.address]]);
    },
  );

  test('a partial move renders its split: 30% to Kubernetes, 70% to the DC', () => {
    expect(apiRoute(withBackendAt(prod, { kubernetesPercent: 30 })).spec.rules[0].backendRefs.map((r: any) => [r.name, r.weight])).toEqual([
      ['backend', 30],
      ['backend-dc', 70],
    ]);
  });

  test('rolling back is one config value, and the rendered diff is exactly the two weights of one route', () => {
    const rolledBack = withBackendAt(prod, { kubernetesPercent: 0 });
    const changes = diffTrees('prod', treeOf(renderEnvironment(prod, COMPONENTS)), treeOf(renderEnvironment(rolledBack, COMPONENTS)));
    expect(changes.map((c) => [c.object, c.fields])).toEqual([
      [
        'HTTPRoute demo/demo-api',
        [
          { path: 'spec.rules[0].backendRefs[backend].weight', before: 100, after: 0 },
          { path: 'spec.rules[0].backendRefs[backend-dc].weight', before: 0, after: 100 },
        ],
      ],
    ]);
    process.stdout.write(formatText(changes, ['prod']));
  });

  test('without a migration entry the route has one backend and no DC objects are rendered', () => {
    const none = { ...prod, demo: { ...prod.demo, migration: [] } };
    expect(apiRoute(none).spec.rules[0].backendRefs).toEqual([{ name: 'backend', port: 80 }]);
    expect(render(none).files.filter((f) => f.object.metadata.name === 'backend-dc')).toEqual([]);
  });

  test.each([
    [{ kubernetesPercent: 101 }, 'demo.migration[0].kubernetesPercent must be an integer from 0 (rolled back to the DC) to 100 (got 101)'],
    [{ kubernetesPercent: 12.5 }, 'demo.migration[0].kubernetesPercent must be an integer from 0 (rolled back to the DC) to 100 (got 12.5)'],
    [
      { dcUpstream: { address: 'dc-app-01.corp', port: 8080 } },
      'demo.migration[0].dcUpstream.address must be an IPv4 address (an EndpointSlice of the DC Service points at it) (got "dc-app-01.corp")',
    ],
    [{ dcUpstream: { address: '10.0.0.300', port: 8080 } }, 'demo.migration[0].dcUpstream.address must be an IPv4 address'],
    [{ dcUpstream: { address: '10.0.0.3', port: 70000 } }, 'demo.migration[0].dcUpstream.port must be a port from 1 to 65535 (got 70000)'],
    [{ service: 'frontend' }, 'demo.migration[0].service must be a routed demo Service (backend) (got "frontend")'],
  ])('%j is refused with one line', (change, message) => {
    expect(() => assertValid(withBackendAt(prod, change))).toThrow(message);
  });

  test('the services a migration may name are the demo Services the routes send traffic to', () => {
    // Every environment publishes the demo routes; prod, with the fewest routes, says which demo Services they reach.
    const routed = publishedRoutes(ENVIRONMENTS.prod).filter((r) => r.service.namespace === NAMESPACES.demo);
    expect(MIGRATABLE_SERVICES).toEqual([...new Set(routed.map((r) => r.service.name))]);
  });
});
