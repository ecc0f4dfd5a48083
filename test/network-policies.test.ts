import { allowed, Connection, Endpoint, PodEndpoint, verdict } from '../verify/checks/network-reachability';
import { CLUSTER_DNS_POD, GRAFANA_POD, KONG_PROXY_CONTAINER_PORT, KONG_PROXY_POD_LABELS } from '../lib/upstream';
import { podTemplateOf } from '../verify/checks/pods';
import { KubeObject } from '../lib/synth';
import { ALL_ENVS, objectsOf } from './helpers';
import { NAMESPACES } from '../lib/namespaces';

/**
 * Default deny in the namespaces we own (demo, monitoring), and the flows the
 * platform needs, read with the NetworkPolicy semantics of the Kubernetes API
 * (verify/checks/network-reachability.ts): every needed flow passes, a sample of
 * flows nobody needs does not, and removing one rule breaks its flow.
 */

/** A pod of ours as its Deployment or Job stamps it. */
function ourPod(objects: KubeObject[], name: string): PodEndpoint {
  const owner = objects.find((o) => ['Deployment', 'Job'].includes(o.kind) && o.metadata.name === name);
  if (!owner) throw new Error(`no workload ${name}`);
  return { namespace: owner.metadata.namespace!, labels: podTemplateOf(owner)!.metadata.labels! };
}

const KONG_PROXY: PodEndpoint = { namespace: 'kong', labels: KONG_PROXY_POD_LABELS };
const KUBE_DNS: PodEndpoint = { namespace: CLUSTER_DNS_POD.namespace, labels: CLUSTER_DNS_POD.labels };
const GRAFANA: PodEndpoint = { namespace: 'monitoring', labels: GRAFANA_POD.labels };
const LOKI: PodEndpoint = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'loki' } };
const ALLOY: PodEndpoint = { namespace: NAMESPACES.monitoringAgents, labels: { 'app.kubernetes.io/name': 'alloy' } };
const STRANGER: PodEndpoint = { namespace: 'default', labels: { app: 'stranger' } };
/** Seed lab 2-1's test pod: in demo, with the frontend's ServiceAccount, but not the frontend's labels. */
const SEED_TEST_CNP: PodEndpoint = { namespace: 'demo', labels: { app: 'test-cnp', env: 'dev', team: 'platform' } };
/** The API server as Cilium sees it after translating the kubernetes Service: a node address on 6443, with the kube-apiserver identity. */
const API_SERVER: Endpoint = { entity: 'kube-apiserver' };
const INTERNET: Endpoint = { ip: '203.0.113.10' };

/** A NetworkPolicy as a seeded break: one this project once rendered. */
const networkPolicy = (namespace: string, name: string, spec: Record<string, unknown>): KubeObject =>
  ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name, namespace }, spec }) as KubeObject;

const show = (c: Connection) => {
  const name = (e: Endpoint) =>
    'ip' in e ? e.ip : 'entity' in e ? e.entity : `${e.namespace}/${e.labels.app ?? e.labels['app.kubernetes.io/name'] ?? e.labels['k8s-app']}`;
  return `${name(c.from)} -> ${name(c.to)}:${c.port}/${c.protocol ?? 'TCP'}`;
};

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s: namespace isolation', (_, env) => {
  const objects = objectsOf(env);
  const backend = ourPod(objects, 'backend');
  const frontend = ourPod(objects, 'frontend');
  const collector = ourPod(objects, 'otel-collector');
  const alertmanager = ourPod(objects, 'alertmanager');
  const needed: Connection[] = [
    { from: frontend, to: backend, port: 8080 },
    { from: KONG_PROXY, to: backend, port: 8080 },
    { from: backend, to: KUBE_DNS, port: 53, protocol: 'UDP' },
    { from: collector, to: KUBE_DNS, port: 53, protocol: 'TCP' },
    { from: backend, to: collector, port: 4317 },
    { from: frontend, to: collector, port: 4318 },
    { from: KONG_PROXY, to: GRAFANA, port: GRAFANA_POD.port },
    { from: GRAFANA, to: LOKI, port: 3100 },
    { from: alertmanager, to: GRAFANA, port: GRAFANA_POD.port },
    { from: ALLOY, to: LOKI, port: 3100 },
    { from: GRAFANA, to: API_SERVER, port: 6443 },
    { from: collector, to: API_SERVER, port: 443 },
    ...(env.demo.loadGenerator.enabled ? [{ from: ourPod(objects, 'load-generator'), to: KONG_PROXY, port: KONG_PROXY_CONTAINER_PORT }] : []),
    // Seed section 14's check: the frontend calls the API through the Gateway.
    { from: frontend, to: KONG_PROXY, port: KONG_PROXY_CONTAINER_PORT },
    ...(env.features.skipIstio ? [] : [{ from: KONG_PROXY, to: backend, port: 15008 }]),
    ...(env.observability.backends.location === 'external'
      ? [
          { from: collector, to: INTERNET, port: 443 },
          { from: collector, to: INTERNET, port: 4317 },
        ]
      : []),
  ];
  const unneeded: Connection[] = [
    { from: STRANGER, to: backend, port: 8080 },
    { from: SEED_TEST_CNP, to: backend, port: 8080 },
    ...(env.features.skipIstio ? [] : [{ from: SEED_TEST_CNP, to: backend, port: 15008 }]),
    { from: STRANGER, to: GRAFANA, port: GRAFANA_POD.port },
    { from: frontend, to: GRAFANA, port: GRAFANA_POD.port },
    { from: GRAFANA, to: backend, port: 8080 },
    { from: backend, to: INTERNET, port: 443 },
    { from: backend, to: API_SERVER, port: 6443 },
    { from: KONG_PROXY, to: backend, port: 9090 },
    { from: backend, to: KUBE_DNS, port: 5353, protocol: 'UDP' },
    { from: collector, to: INTERNET, port: 22 },
  ];

  test(`the ${needed.length} flows the platform needs are allowed`, () => {
    expect(needed.filter((c) => !allowed(objects, c)).map(show)).toEqual([]);
  });

  test(`${unneeded.length} flows nobody needs are denied by the default deny`, () => {
    expect(unneeded.filter((c) => allowed(objects, c)).map(show)).toEqual([]);
    const deny = objects.filter((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'default-deny').map((o) => o.metadata.namespace);
    expect(deny.sort()).toEqual(['demo', 'monitoring']);
  });

  test('each rule carries its flow: without allow-dns, DNS stops; without the default deny, strangers get in', () => {
    const withoutDns = objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-dns' && o.metadata.namespace === 'demo'));
    expect(allowed(withoutDns, { from: backend, to: KUBE_DNS, port: 53, protocol: 'UDP' })).toBe(false);
    // The ingress half stays closed for strangers only because default-deny and the narrow allows select the backend.
    const withoutDeny = objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.namespace === 'monitoring'));
    expect(allowed(withoutDeny, { from: STRANGER, to: GRAFANA, port: GRAFANA_POD.port })).toBe(true);
  });

  test('only the frontend tier and the gateway reach the backend (seed 2-1); with the L7 policy, the frontend only GETs its paths (seed 2-3)', () => {
    const fromFrontend = verdict(objects, { from: frontend, to: backend, port: 8080 });
    expect(fromFrontend.allowed).toBe(true);
    expect(fromFrontend.http).toEqual(
      env.security.backendL7Policy
        ? [
            { method: 'GET', path: '/get' },
            { method: 'GET', path: '/status/[0-9]+' },
          ]
        : undefined,
    );
    // The seeded break: the namespace-wide allow this project once rendered lets the seed's test pod in,
    // and, being L4-only, voids the L7 rules.
    const demo = [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'demo' } } }];
    const namespaceWide = networkPolicy('demo', 'allow-within-namespace-in', {
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ from: demo }],
    });
    const egressWide = networkPolicy('demo', 'allow-within-namespace-out', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: demo }] });
    const broken = [...objects, namespaceWide, egressWide];
    expect(allowed(broken, { from: SEED_TEST_CNP, to: backend, port: 8080 })).toBe(true);
    expect(verdict(broken, { from: frontend, to: backend, port: 8080 }).http).toBeUndefined();
  });

  test('the monitoring stack reaches the API server through the kube-apiserver entity; a CIDR allow, as once rendered, does not on Cilium', () => {
    const grafanaToApi = { from: GRAFANA, to: API_SERVER, port: 6443 };
    expect(allowed(objects, grafanaToApi)).toBe(true);
    expect(allowed(objects, { from: GRAFANA, to: INTERNET, port: 443 })).toBe(env.observability.backends.location === 'external');
    // The seeded break: the policy this project rendered before, 0.0.0.0/0 on 443 and 6443, in place of the entity.
    const cidrOnly = networkPolicy('monitoring', 'to-kube-apiserver', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0' } }],
          ports: [
            { port: 443, protocol: 'TCP' },
            { port: 6443, protocol: 'TCP' },
          ],
        },
      ],
    });
    const before = [...objects.filter((o) => !(o.metadata.name === 'to-kube-apiserver' && o.metadata.namespace === 'monitoring')), cidrOnly];
    expect(allowed(before, grafanaToApi)).toBe(false);
    expect(allowed(before, { from: GRAFANA, to: INTERNET, port: 443 })).toBe(true);
  });
});
