import { COMPONENTS } from '../components';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { findBrokenReferences } from '../verify/checks/references';
import { KubeObject } from '../lib/synth';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { SEED_2_3_POLICY_FILE } from '../verify/exercises/seed-manifests';
import { ALL_ENVS, render, ROOT } from './helpers';

const context = { managedNamespaces: [...new Set(COMPONENTS.map((c) => c.namespace))] };

/** What the environment renders, and, where the reader applies the seed's policy files, those files as the reader applies them. */
function objects(env: EnvironmentConfig): KubeObject[] {
  const seedFiles =
    env.security.backendPolicies.appliedBy === 'reader' && env.security.backendL7Policy
      ? [YAML.parse(fs.readFileSync(path.join(ROOT, SEED_2_3_POLICY_FILE), 'utf8')) as KubeObject]
      : [];
  return [...render(env).files.map((f) => f.object), ...seedFiles].map((o) => JSON.parse(JSON.stringify(o)));
}

function broken(env: EnvironmentConfig, mutate: (all: KubeObject[], get: (kind: string, name: string) => any) => unknown): string[] {
  const all = objects(env);
  const get = (kind: string, name: string) => {
    const o = all.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${kind} ${name} is not rendered in ${env.name}`);
    return o;
  };
  mutate(all, get);
  return findBrokenReferences(all, context);
}

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s', (_, env) => {
  test('every route, selector, principal and template reference resolves', () => {
    expect(findBrokenReferences(objects(env), context)).toEqual([]);
  });

  test('the checks cover the objects that carry references', () => {
    const kinds = new Set(objects(env).map((o) => o.kind));
    for (const kind of ['HTTPRoute', 'Gateway', 'Service', 'PodDisruptionBudget', 'CiliumNetworkPolicy', 'K8sRequireLabels'])
      expect(kinds).toContain(kind);
    expect(kinds.has('AuthorizationPolicy')).toBe(!env.features.skipIstio);
  });
});

type Get = (kind: string, name: string) => any;
type Mutation = (all: KubeObject[], get: Get) => unknown;

describe('each reference check fails on a seeded break, naming both ends', () => {
  const { prod } = ENVIRONMENTS;
  const cases: Array<[string, EnvironmentConfig, Mutation, string]> = [
    [
      'HTTPRoute parentRef',
      prod,
      (_, get) => (get('HTTPRoute', 'demo-api').spec.parentRefs[0].name = 'kong-gw'),
      'HTTPRoute demo/demo-api parentRef -> Gateway kong/kong-gw: not rendered',
    ],
    [
      "HTTPRoute's Kong plugin",
      prod,
      (_, get) => (get('HTTPRoute', 'demo-api').metadata.annotations['konghq.com/plugins'] = 'tracing-api'),
      'HTTPRoute demo/demo-api konghq.com/plugins -> KongPlugin demo/tracing-api: not rendered',
    ],
    [
      'HTTPRoute backendRef (ours)',
      prod,
      (_, get) => (get('HTTPRoute', 'demo-api').spec.rules[0].backendRefs[0].port = 8080),
      'HTTPRoute demo/demo-api backendRef -> Service demo/backend:8080: no such Service and port',
    ],
    [
      'HTTPRoute backendRef (upstream chart)',
      prod,
      (_, get) => (get('HTTPRoute', 'grafana').spec.rules[0].backendRefs[0].name = 'grafana-ui'),
      'HTTPRoute monitoring/grafana backendRef -> Service monitoring/grafana-ui:80',
    ],
    [
      'HTTPRoute hostname outside every listener',
      prod,
      (_, get) => get('Gateway', 'kong-gateway').spec.listeners.forEach((l: any) => (l.hostname = '*.other.local')),
      'HTTPRoute demo/demo-api hostname api.lab-prod.local -> Gateway kong/kong-gateway: no listener accepts it',
    ],
    [
      'Gateway class',
      prod,
      (_, get) => (get('Gateway', 'kong-gateway').spec.gatewayClassName = 'kong-enterprise'),
      'Gateway kong/kong-gateway gatewayClassName -> GatewayClass kong-enterprise',
    ],
    [
      'Cilium endpointSelector',
      prod,
      (_, get) => (get('CiliumNetworkPolicy', 'backend-allow-frontend-only').spec.endpointSelector.matchLabels.app = 'backendd'),
      'CiliumNetworkPolicy demo/backend-allow-frontend-only endpointSelector {"app":"backendd"} -> no pod in namespace demo',
    ],
    [
      'Cilium fromEndpoints',
      ALL_ENVS.find((e) => e.security.backendL7Policy)!,
      (_, get) => (get('CiliumNetworkPolicy', 'backend-l7-http-policy').spec.ingress[0].fromEndpoints[0].matchLabels.app = 'fronted'),
      'CiliumNetworkPolicy demo/backend-l7-http-policy fromEndpoints {"app":"fronted"} -> no pod',
    ],
    [
      'NetworkPolicy podSelector',
      prod,
      (_, get) => (get('NetworkPolicy', 'frontend-to-backend').spec.podSelector.matchLabels.app = 'frontnd'),
      'NetworkPolicy demo/frontend-to-backend podSelector {"app":"frontnd"} -> no pod in namespace demo',
    ],
    [
      'NetworkPolicy peer in another namespace',
      prod,
      (_, get) => (get('NetworkPolicy', 'otlp-to-collector').spec.egress[0].to[0].podSelector.matchLabels['app.kubernetes.io/name'] = 'otelcol'),
      'NetworkPolicy demo/otlp-to-collector peer podSelector {"app.kubernetes.io/name":"otelcol"} -> no pod in namespace monitoring',
    ],
    [
      'PDB selector',
      prod,
      (_, get) => (get('PodDisruptionBudget', 'backend-pdb').spec.selector.matchLabels = { app: 'api' }),
      'PodDisruptionBudget demo/backend-pdb selector {"app":"api"} -> no pod in namespace demo',
    ],
    [
      'Service selector',
      prod,
      (_, get) => (get('Service', 'backend').spec.selector = { app: 'httpbin' }),
      'Service demo/backend selector {"app":"httpbin"} -> no pod',
    ],
    [
      'Service targetPort',
      prod,
      (_, get) => (get('Service', 'backend').spec.ports[0].targetPort = 'web'),
      'Service demo/backend port http targetPort -> container port named web: missing in Deployment demo/backend',
    ],
    [
      'AuthorizationPolicy principal',
      prod,
      (_, get) =>
        (get('AuthorizationPolicy', 'backend-allow-frontend-and-kong').spec.rules[0].from[0].source.principals[1] =
          'cluster.local/ns/kong/sa/kong-proxy'),
      'AuthorizationPolicy demo/backend-allow-frontend-and-kong principal cluster.local/ns/kong/sa/kong-proxy -> ServiceAccount kong/kong-proxy',
    ],
    [
      'Constraint template',
      prod,
      (all) =>
        all.splice(
          all.findIndex((o) => o.kind === 'ConstraintTemplate' && o.metadata.name === 'k8srequirenonroot'),
          1,
        ),
      'K8sRequireNonRoot require-non-root -> ConstraintTemplate for kind K8sRequireNonRoot: not rendered',
    ],
    [
      'serviceAccountName',
      prod,
      (all) =>
        all.splice(
          all.findIndex((o) => o.kind === 'ServiceAccount' && o.metadata.name === 'frontend'),
          1,
        ),
      'Deployment demo/frontend serviceAccountName -> ServiceAccount demo/frontend: not rendered',
    ],
    [
      'HTTPRoute backendRef to the DC Service',
      prod,
      (_, get) => (get('HTTPRoute', 'demo-api').spec.rules[0].backendRefs[1].name = 'backend-datacenter'),
      'HTTPRoute demo/demo-api backendRef -> Service demo/backend-datacenter:8080: no such Service and port',
    ],
    [
      'DC Service without its EndpointSlice',
      prod,
      (all) =>
        all.splice(
          all.findIndex((o) => o.kind === 'EndpointSlice' && o.metadata.name === 'backend-dc'),
          1,
        ),
      'Service demo/backend-dc has no selector -> no EndpointSlice labelled kubernetes.io/service-name=backend-dc',
    ],
    [
      'DC EndpointSlice on another port',
      prod,
      (_, get) => (get('EndpointSlice', 'backend-dc').ports[0].port = 9090),
      'Service demo/backend-dc port http:8080 -> no EndpointSlice port of that name and number',
    ],
    [
      'priorityClassName',
      prod,
      (_, get) => (get('Deployment', 'backend').spec.template.spec.priorityClassName = 'lab-urgent'),
      'Deployment demo/backend priorityClassName -> PriorityClass lab-urgent',
    ],
  ];
  test.each(cases)('%s', (_, env, mutate, expected) => {
    const problems = broken(env, mutate);
    expect(problems.some((p) => p.includes(expected))).toBe(true);
  });
});
