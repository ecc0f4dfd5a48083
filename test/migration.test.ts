import { COMPONENTS } from '../components';
import { publishedRoutes } from '../topology/index';
import { NAMESPACES } from '../lib/namespaces';
import { EnvironmentConfig, MigratedService } from '../config';
import { assertValid } from '../config/validate';
import { ENVIRONMENTS } from '../config/environments';
import { MIGRATABLE_SERVICES, ROUTE_HOSTS } from '../config/validate';
import { kubernetesPercentAt, parseMigrationState } from '../config/migration-state';
import { MigrationStage } from '../config/types';
import { diffTrees, treeOf } from '../verify/checks/rendered-diff';
import { formatText } from '../verify/checks/diff-format';
import { renderEnvironment } from '../lib/synth';
import * as fs from 'fs';
import * as path from 'path';
import { ALL_ENVS, render, ROOT } from './helpers';

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
      const percent = kubernetesPercentAt(m.stage)!;
      expect(apiRoute(env).spec.rules[0].backendRefs).toEqual([
        { name: 'backend', port: 80, weight: percent },
        { name: 'backend-dc', port: m.dcUpstream.port, weight: 100 - percent },
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
    expect(
      apiRoute(withBackendAt(prod, { stage: { name: 'switching', kubernetesPercent: 30 } })).spec.rules[0].backendRefs.map((r: any) => [
        r.name,
        r.weight,
      ]),
    ).toEqual([
      ['backend', 30],
      ['backend-dc', 70],
    ]);
  });

  test('rolling back is one stage, and the rendered diff is exactly the two weights of one route', () => {
    const rolledBack = withBackendAt(prod, { stage: { name: 'rolled-back', reason: 'RollbackErrorRateHigh fired' } });
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

  test.each<[Partial<MigratedService>, string]>([
    [
      { stage: { name: 'switching', kubernetesPercent: 101 } },
      'demo.migration[0].stage.kubernetesPercent must be an integer from 0 to 100 (0 sends everything to the DC; a rollback is the stage rolled-back) (got 101)',
    ],
    [{ stage: { name: 'switching', kubernetesPercent: 12.5 } }, 'demo.migration[0].stage.kubernetesPercent must be an integer from 0 to 100'],
    [{ stage: { name: 'internal-check', temporaryHost: 'grafana' } }, 'demo.migration[0].stage.temporaryHost must be a DNS label that no route uses'],
    [
      { stage: { name: 'internal-check', temporaryHost: 'api.check' } },
      'demo.migration[0].stage.temporaryHost must be a DNS label that no route uses',
    ],
    [{ stage: { name: 'rolled-back', reason: ' ' } }, 'demo.migration[0].stage.reason must say why (the alert, or who rolled back)'],
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

  test('the host prefixes a temporary host may not take are the routes topology publishes', () => {
    const everyHost = new Set(ALL_ENVS.flatMap((env) => publishedRoutes(env).map((r) => r.host)));
    expect([...everyHost].sort()).toEqual([...ROUTE_HOSTS].sort());
  });

  test('the services a migration may name are the demo Services the routes send traffic to', () => {
    // Every environment publishes the demo routes; prod, with the fewest routes, says which demo Services they reach.
    const routed = publishedRoutes(ENVIRONMENTS.prod).filter((r) => r.service.namespace === NAMESPACES.demo);
    expect(MIGRATABLE_SERVICES).toEqual([...new Set(routed.map((r) => r.service.name))]);
  });

  describe("the seed's steps, each as the stage renders it", () => {
    const at = (stage: MigrationStage) => withBackendAt(prod, { stage });
    const weights = (env: EnvironmentConfig) => apiRoute(env).spec.rules[0].backendRefs.map((r: any) => [r.name, r.weight ?? 'only']);
    const routes = (env: EnvironmentConfig) =>
      render(env)
        .files.filter((f) => f.object.kind === 'HTTPRoute' && f.object.metadata.namespace === NAMESPACES.demo)
        .map((f) => [f.object.metadata.name, (f.object as any).spec.hostnames, (f.object as any).spec.rules[0].backendRefs.map((r: any) => r.name)]);
    test('step 2, deployed: Kubernetes runs it and Kong sends every request to the DC', () => {
      expect(weights(at({ name: 'deployed' }))).toEqual([
        ['backend', 0],
        ['backend-dc', 100],
      ]);
    });
    test('step 3, internal check: a temporary host reaches Kubernetes alone; the public host stays on the DC', () => {
      const env = at({ name: 'internal-check', temporaryHost: 'api-k8s' });
      expect(routes(env).sort()).toEqual([
        ['demo-api', ['api.lab-prod.local'], ['backend', 'backend-dc']],
        ['demo-api-check', ['api-k8s.lab-prod.local'], ['backend']],
      ]);
      expect(weights(env)).toEqual([
        ['backend', 0],
        ['backend-dc', 100],
      ]);
      expect(() => assertValid(env)).not.toThrow();
    });
    test('step 4, the switch, and its rollback: the weights alone move', () => {
      expect(weights(at({ name: 'switching', kubernetesPercent: 100 }))).toEqual([
        ['backend', 100],
        ['backend-dc', 0],
      ]);
      expect(weights(at({ name: 'rolled-back', reason: 'RollbackErrorRateHigh fired' }))).toEqual([
        ['backend', 0],
        ['backend-dc', 100],
      ]);
    });
    test('step 5, DC retired: one backend, and the DC Service and its EndpointSlice are gone', () => {
      const env = at({ name: 'dc-retired' });
      expect(weights(env)).toEqual([['backend', 'only']]);
      expect(render(env).files.filter((f) => f.object.metadata.name === 'backend-dc')).toEqual([]);
    });
  });

  describe('config/migration-state.json, the one source of every stage', () => {
    test.each([
      [[], 'config/migration-state.json: the top level must map environment names to services'],
      [
        { dev: { backend: { name: 'halfway' } } },
        'config/migration-state.json: dev.backend.name must be one of deployed, internal-check, switching, rolled-back, dc-retired (got "halfway")',
      ],
      [
        { dev: { backend: { name: 'switching' } } },
        'config/migration-state.json: dev.backend must have exactly the fields kubernetesPercent, name (got name)',
      ],
      [
        { dev: { backend: { name: 'deployed', kubernetesPercent: 0 } } },
        'config/migration-state.json: dev.backend must have exactly the fields name (got kubernetesPercent, name)',
      ],
    ])('%j is refused with one line that names the place', (raw, message) => {
      expect(() => parseMigrationState(raw)).toThrow(message);
    });
    test('every entry names a registered environment and exactly its migrating services (an environment without one inherits its base stages)', () => {
      const state = parseMigrationState(JSON.parse(fs.readFileSync(path.join(ROOT, 'config', 'migration-state.json'), 'utf8')));
      const names = ALL_ENVS.map((e) => e.name);
      expect(Object.keys(state).filter((env) => !names.includes(env))).toEqual([]);
      for (const env of ALL_ENVS.filter((e) => state[e.name]))
        expect(Object.keys(state[env.name]).sort()).toEqual(env.demo.migration.map((m) => m.service).sort());
      // Each registered environment's stage is the one its entry holds.
      for (const env of ALL_ENVS.filter((e) => state[e.name]))
        for (const m of env.demo.migration) expect({ env: env.name, stage: m.stage }).toEqual({ env: env.name, stage: state[env.name][m.service] });
    });
  });
});
