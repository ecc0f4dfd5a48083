import { isQuantity, parseQuantity } from './quantity';
import { definitionProblems } from './define';
import { UserError } from './errors';
import { CpuMemory, EnvironmentConfig, QuotaSettings, ResourceSizes } from './types';

/** RFC 1123 subdomain: what Kubernetes, DNS and TLS all accept as a host name. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** A tag, optionally pinned to a digest (`v1.2.3@sha256:<64 hex>`). */
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}(@sha256:[a-f0-9]{64})?$/;
const REGISTRY = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;
const GIT_URL = /^(https:\/\/|ssh:\/\/|git@|file:\/\/\/)\S+$/;
/** Tags that move, in any case (`Latest` too), and bare major or major.minor versions (`3`, `v3.9`). */
const FLOATING_TAGS = new Set([
  'latest',
  'main',
  'master',
  'stable',
  'edge',
  'nightly',
  'dev',
  'develop',
  'canary',
  'beta',
  'alpha',
  'rc',
  'head',
  'current',
  'snapshot',
  'release',
]);
const isFloating = (tag: string): boolean =>
  !tag.includes('@sha256:') && (FLOATING_TAGS.has(tag.toLowerCase()) || /^v?[0-9]+(\.[0-9]+)?(-[A-Za-z]+)?$/.test(tag));
const INT32_MAX = 2 ** 31 - 1;
/** Every label of a DNS name is at most 63 characters (RFC 1123). */
const DNS_LABELS_FIT = (name: string) => name.split('.').every((label) => label.length <= 63);
/** The longest host prefix a route puts in front of the domain; hostnames stay within 253 characters. */
const LONGEST_HOST_PREFIX = 'grafana.';

/**
 * Every problem with one environment, as `path: what is wrong (got X)`.
 * Types already catch shape errors at compile time; this catches values.
 */
const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV4_CIDR = new RegExp(`^${IPV4.source.slice(1, -1)}/(3[0-2]|[12]?\\d)$`);

/** The demo Services a route sends traffic to, and so the ones Kong can move from the DC (seed 10-3). */
export const MIGRATABLE_SERVICES: readonly string[] = ['backend'];

/** The host prefixes the routes publish (topology's routes; a test holds the two together): a temporary host takes none of them. */
export const ROUTE_HOSTS: readonly string[] = ['api', 'grafana', 'argocd', 'hubble'];

export function findProblems(env: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, path: string, message: string, got: unknown) => {
    if (!ok) problems.push(`${path} ${message} (got ${JSON.stringify(got)})`);
  };
  const count = (value: number, path: string, min = 0) => {
    check(Number.isInteger(value) && value >= min, path, `must be an integer >= ${min}`, value);
    // Kubernetes stores counts as int32; a larger value is refused by the API server, after the commit.
    check(!(value > INT32_MAX), path, `must fit Kubernetes' int32 (at most ${INT32_MAX})`, value);
  };
  const quantity = (value: string, path: string) => check(isQuantity(value), path, 'must be a Kubernetes quantity such as 250m, 2 or 512Mi', value);
  const sizes = (value: ResourceSizes, path: string) => {
    for (const side of ['requests', 'limits'] as const) {
      quantity(value[side].cpu, `${path}.${side}.cpu`);
      quantity(value[side].memory, `${path}.${side}.memory`);
    }
    for (const resource of ['cpu', 'memory'] as const) {
      if (isQuantity(value.requests[resource]) && isQuantity(value.limits[resource])) {
        check(
          parseQuantity(value.requests[resource]) <= parseQuantity(value.limits[resource]),
          `${path}.requests.${resource}`,
          `must not exceed limits.${resource} (${value.limits[resource]})`,
          value.requests[resource],
        );
      }
    }
  };
  const tag = (value: string, path: string) => {
    check(IMAGE_TAG.test(value), path, 'must be a valid image tag', value);
    if (env.pinnedImagesOnly) {
      check(!isFloating(value), path, `must be a pinned version (x.y.z) or digest in ${env.name} (pinnedImagesOnly)`, value);
    }
  };

  problems.push(...definitionProblems(env));
  check(
    /^[a-z]([-a-z0-9]{0,30}[a-z0-9])?$/.test(env.name),
    'name',
    'must be a DNS label of at most 32 characters (it names dist/<name>, the Kind cluster lab-<name> and its nodes)',
    env.name,
  );
  check(DNS_SUBDOMAIN.test(env.domain), 'domain', 'must be a DNS-safe name (lower-case letters, digits, - and .)', env.domain);
  check(DNS_LABELS_FIT(env.domain), 'domain', 'must have labels of at most 63 characters', env.domain);
  check(
    LONGEST_HOST_PREFIX.length + env.domain.length <= 253,
    'domain',
    `must leave room for the route hosts (${LONGEST_HOST_PREFIX}<domain> is at most 253 characters)`,
    env.domain,
  );
  check(LABEL_VALUE.test(env.team) && env.team.length > 0 && env.team.length <= 63, 'team', 'must be a valid label value', env.team);
  check(GIT_URL.test(env.git.repoURL), 'git.repoURL', 'must be an https://, ssh://, git@ or file:/// URL', env.git.repoURL);
  // It is written into every Application and committed: credentials belong in an Argo CD repository Secret.
  check(
    !/^https?:\/\/[^/]*@/.test(env.git.repoURL) && !/^[a-z+]+:\/\/[^/@:]+:[^/@]+@/.test(env.git.repoURL),
    'git.repoURL',
    'must not carry credentials (they would be committed in every Application); give Argo CD a repository Secret',
    env.git.repoURL.replace(/\/\/[^/@]+@/, '//***@'),
  );
  check(env.git.targetRevision.trim().length > 0, 'git.targetRevision', 'must not be empty', env.git.targetRevision);
  const demoPsa = env.security.demoPodSecurity;
  check(
    ['privileged', 'baseline', 'restricted'].includes(demoPsa.enforce),
    'security.demoPodSecurity.enforce',
    'must be privileged, baseline or restricted',
    demoPsa.enforce,
  );
  check(demoPsa.why.trim().length >= 10, 'security.demoPodSecurity.why', 'must say in a line why this level', demoPsa.why);
  const guardrails = env.security.apiServerGuardrails;
  const actions = guardrails.validationActions;
  check(
    actions.length > 0 && actions.every((a) => ['Deny', 'Warn', 'Audit'].includes(a)) && new Set(actions).size === actions.length,
    'security.apiServerGuardrails.validationActions',
    'must list some of Deny, Warn and Audit, each once',
    actions.join(', '),
  );
  check(
    !(actions.includes('Deny') && actions.includes('Warn')),
    'security.apiServerGuardrails.validationActions',
    'cannot hold both Deny and Warn (the API server refuses the binding); use Deny, or Warn with Audit',
    actions.join(', '),
  );
  check(guardrails.why.trim().length >= 10, 'security.apiServerGuardrails.why', 'must say in a line why these actions', guardrails.why);
  const { backendPolicies, handEdits } = env.security;
  check(
    ['argocd', 'reader'].includes(backendPolicies.appliedBy),
    'security.backendPolicies.appliedBy',
    "must be 'argocd' or 'reader'",
    backendPolicies.appliedBy,
  );
  check(backendPolicies.why.trim().length >= 10, 'security.backendPolicies.why', 'must say in a line why', backendPolicies.why);
  // An open backend is the seed's "before": a lab's, never a cluster that serves anyone.
  check(
    backendPolicies.appliedBy === 'argocd' || env.features.light,
    'security.backendPolicies.appliedBy',
    "'reader' leaves the backend open until someone applies its policy: the Kind lab's (features.light) only",
    backendPolicies.appliedBy,
  );
  check(['reverts', 'keeps'].includes(handEdits.argocd), 'security.handEdits.argocd', "must be 'reverts' or 'keeps'", handEdits.argocd);
  check(handEdits.why.trim().length >= 10, 'security.handEdits.why', 'must say in a line why', handEdits.why);
  check(
    handEdits.argocd === 'reverts' || env.features.light,
    'security.handEdits.argocd',
    "'keeps' lets a hand edit outlive selfHeal: the Kind lab's (features.light) only",
    handEdits.argocd,
  );
  const defaultProject = env.security.defaultProject;
  check(
    ['nothing', 'seed-exercises'].includes(defaultProject.admits),
    'security.defaultProject.admits',
    "must be 'nothing' or 'seed-exercises'",
    defaultProject.admits,
  );
  check(defaultProject.why.trim().length >= 10, 'security.defaultProject.why', 'must say in a line why', defaultProject.why);
  if (defaultProject.admits === 'seed-exercises') {
    check(env.features.light, 'security.defaultProject.admits', "'seed-exercises' is for the Kind lab (features.light) only", defaultProject.admits);
    for (const ns of defaultProject.namespaces)
      check(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns), 'security.defaultProject.namespaces', 'must be namespace names', ns);
  }
  const clone = env.git.localClone;
  if (clone) {
    check(
      /^\/[A-Za-z0-9._/-]+$/.test(clone.nodePath),
      'git.localClone.nodePath',
      'must be an absolute path of letters, digits, . _ - and /',
      clone.nodePath,
    );
    check(env.git.repoURL === `file://${clone.nodePath}`, 'git.repoURL', `must be file://${clone.nodePath} with git.localClone`, env.git.repoURL);
    // stg and prod track a remote that reviews and branch protection stand in front of.
    check(env.features.light, 'git.localClone', 'is for the Kind lab (features.light); stg and prod track a real remote', clone.nodePath);
  }
  for (const kind of ['charts', 'git'] as const) {
    const url = env.mirrors?.[kind];
    if (url !== undefined)
      check(/^(https?|file):\/\/[^\s@]+$/.test(url), `mirrors.${kind}`, 'must be an http(s):// or file:// URL without credentials', url);
  }
  if (env.registry !== undefined) {
    check(REGISTRY.test(env.registry), 'registry', 'must be a registry host[:port][/path] without scheme', env.registry);
    const port = /^[^/]*:([0-9]+)/.exec(env.registry)?.[1];
    if (port !== undefined) check(Number(port) >= 1 && Number(port) <= 65535, 'registry', 'must have a port from 1 to 65535', env.registry);
  }
  const migrated = new Set<string>();
  env.demo.migration.forEach((m, i) => {
    const at = `demo.migration[${i}]`;
    check(MIGRATABLE_SERVICES.includes(m.service), `${at}.service`, `must be a routed demo Service (${MIGRATABLE_SERVICES.join(', ')})`, m.service);
    check(!migrated.has(m.service), `${at}.service`, 'is listed twice; give each service one entry', m.service);
    migrated.add(m.service);
    check(
      IPV4.test(m.dcUpstream.address),
      `${at}.dcUpstream.address`,
      'must be an IPv4 address (an EndpointSlice of the DC Service points at it)',
      m.dcUpstream.address,
    );
    check(
      Number.isInteger(m.dcUpstream.port) && m.dcUpstream.port >= 1 && m.dcUpstream.port <= 65535,
      `${at}.dcUpstream.port`,
      'must be a port from 1 to 65535',
      m.dcUpstream.port,
    );
    const stage = m.stage;
    if (stage.name === 'switching')
      check(
        Number.isInteger(stage.kubernetesPercent) && stage.kubernetesPercent >= 0 && stage.kubernetesPercent <= 100,
        `${at}.stage.kubernetesPercent`,
        'must be an integer from 0 to 100 (0 sends everything to the DC; a rollback is the stage rolled-back)',
        stage.kubernetesPercent,
      );
    if (stage.name === 'internal-check')
      check(
        DNS_SUBDOMAIN.test(stage.temporaryHost) && !stage.temporaryHost.includes('.') && !ROUTE_HOSTS.includes(stage.temporaryHost),
        `${at}.stage.temporaryHost`,
        `must be a DNS label that no route uses (${ROUTE_HOSTS.join(', ')})`,
        stage.temporaryHost,
      );
    if (stage.name === 'rolled-back')
      check(stage.reason.trim() !== '', `${at}.stage.reason`, 'must say why (the alert, or who rolled back)', stage.reason);
  });

  const receiver = env.observability.rollbackReceiver;
  if (receiver !== undefined) {
    check(
      /^https?:\/\/[^\s@/]+(:[0-9]+)?\/\S*$/.test(receiver.url),
      'observability.rollbackReceiver.url',
      'must be an http(s):// URL without credentials',
      receiver.url,
    );
    check(IPV4_CIDR.test(receiver.cidr), 'observability.rollbackReceiver.cidr', 'must be an IPv4 CIDR such as 172.18.0.1/32', receiver.cidr);
  }

  check(DNS_SUBDOMAIN.test(env.cluster.name) && !env.cluster.name.includes('.'), 'cluster.name', 'must be a DNS label', env.cluster.name);
  check(DNS_SUBDOMAIN.test(env.cluster.apiServerHost), 'cluster.apiServerHost', 'must be a DNS name', env.cluster.apiServerHost);
  check(
    Number.isInteger(env.cluster.apiServerPort) && env.cluster.apiServerPort > 0 && env.cluster.apiServerPort < 65536,
    'cluster.apiServerPort',
    'must be a TCP port',
    env.cluster.apiServerPort,
  );
  count(env.cluster.workers, 'cluster.workers', 1);
  // Kind publishes the lab's host ports there: this machine only.
  check(
    IPV4.test(env.cluster.hostAddress) && env.cluster.hostAddress.startsWith('127.'),
    'cluster.hostAddress',
    'must be a loopback IPv4 address (127.x.y.z): the lab answers this machine only',
    env.cluster.hostAddress,
  );
  check(
    /^[a-z0-9./-]+:[A-Za-z0-9_.-]+$/.test(env.cluster.nodeImage),
    'cluster.nodeImage',
    'must be an image reference with a tag',
    env.cluster.nodeImage,
  );
  count(env.upstream.ciliumOperatorReplicas, 'upstream.ciliumOperatorReplicas', 1);
  count(env.upstream.argocdReplicas, 'upstream.argocdReplicas', 1);
  count(env.upstream.kongReplicas, 'upstream.kongReplicas', 1);
  count(env.upstream.gatekeeperReplicas, 'upstream.gatekeeperReplicas', 1);
  count(env.upstream.istiodReplicas, 'upstream.istiodReplicas', 1);
  check(
    /^[0-9]+[smh]$/.test(env.upstream.argocdReconciliationTimeout),
    'upstream.argocdReconciliationTimeout',
    'must be a duration such as 180s or 3m',
    env.upstream.argocdReconciliationTimeout,
  );

  const { quota, containerDefaults } = env.platform;
  for (const key of ['requestsCpu', 'limitsCpu', 'requestsMemory', 'limitsMemory'] as const) {
    quantity(quota[key], `platform.quota.${key}`);
  }
  count(quota.pods, 'platform.quota.pods', 1);
  for (const [requests, limits] of [
    ['requestsCpu', 'limitsCpu'],
    ['requestsMemory', 'limitsMemory'],
  ] as const) {
    if (isQuantity(quota[requests]) && isQuantity(quota[limits])) {
      check(
        parseQuantity(quota[requests]) <= parseQuantity(quota[limits]),
        `platform.quota.${requests}`,
        `must not exceed platform.quota.${limits} (${quota[limits]})`,
        quota[requests],
      );
    }
  }
  sizes(containerDefaults, 'platform.containerDefaults');

  const { backend, frontend, loadGenerator } = env.demo;
  count(backend.replicas, 'demo.backend.replicas');
  count(frontend.replicas, 'demo.frontend.replicas');
  tag(backend.imageTag, 'demo.backend.imageTag');
  tag(frontend.imageTag, 'demo.frontend.imageTag');
  tag(loadGenerator.imageTag, 'demo.loadGenerator.imageTag');
  sizes(backend.resources, 'demo.backend.resources');
  sizes(frontend.resources, 'demo.frontend.resources');
  sizes(loadGenerator.resources, 'demo.loadGenerator.resources');
  count(loadGenerator.eastWestRequests, 'demo.loadGenerator.eastWestRequests', 1);
  count(loadGenerator.northSouthRequests, 'demo.loadGenerator.northSouthRequests', 1);

  // A PDB that demands every replica blocks node drains forever.
  count(env.platform.backendPdbMinAvailable, 'platform.backendPdbMinAvailable');
  if (backend.replicas > 0) {
    check(
      env.platform.backendPdbMinAvailable < backend.replicas,
      'platform.backendPdbMinAvailable',
      `must be lower than demo.backend.replicas (${backend.replicas}) or drains never finish`,
      env.platform.backendPdbMinAvailable,
    );
  }

  // Cilium's HTTP policy cannot see inside Istio's mTLS (Cilium docs: STRICT and PERMISSIVE are not compatible).
  check(
    !(env.security.backendL7Policy && !env.features.skipIstio),
    'security.backendL7Policy',
    'needs plaintext HTTP to the backend, but Istio ambient mTLS encrypts it; set features.skipIstio or turn the L7 policy off',
    env.security.backendL7Policy,
  );
  for (const [key, value] of Object.entries(env.security.exposure))
    check(typeof value === 'boolean', `security.exposure.${key}`, 'must be true or false', value);
  check(env.security.requiredLabels.length > 0, 'security.requiredLabels', 'must name at least one label', env.security.requiredLabels);
  for (const [key, action] of Object.entries(env.security.enforcementActions)) {
    check(['deny', 'warn', 'dryrun'].includes(action), `security.enforcementActions.${key}`, 'must be deny, warn or dryrun', action);
  }

  for (const [key, value] of Object.entries(env.observability.replicas)) count(value, `observability.replicas.${key}`, 1);
  if (env.observability.zoneAwareReplication) {
    check(
      env.observability.replicas.mimirIngester >= 3,
      'observability.zoneAwareReplication',
      'needs at least 3 Mimir ingesters (one per zone)',
      env.observability.replicas.mimirIngester,
    );
  }
  const backends = env.observability.backends;
  if (backends.location === 'external') {
    for (const key of ['mimir', 'loki', 'tempoQuery'] as const)
      check(
        /^https?:\/\/[^\s@/]+(\/\S*)?$/.test(backends[key]),
        `observability.backends.${key}`,
        'must be an http(s):// URL without credentials',
        backends[key],
      );
    check(
      /^[a-z0-9.-]+:[0-9]{1,5}$/.test(backends.tempoOtlpGrpc),
      'observability.backends.tempoOtlpGrpc',
      'must be host:port',
      backends.tempoOtlpGrpc,
    );
  }
  check(
    /^[0-9]+[dh]$/.test(env.observability.retention),
    'observability.retention',
    'must be a duration in days or hours such as 7d',
    env.observability.retention,
  );
  check(
    !(env.registry && env.observability.onlineDashboards),
    'observability.onlineDashboards',
    'needs internet access, which an air-gapped (registry override) cluster does not have',
    env.observability.onlineDashboards,
  );

  if (problems.length === 0) problems.push(...quotaProblems(env));
  return problems;
}

/** The demo workloads must fit inside the namespace quota, or pods are rejected at admission. */
function quotaProblems(env: EnvironmentConfig): string[] {
  const { backend, frontend, loadGenerator } = env.demo;
  const pods: Array<{ replicas: number; resources: ResourceSizes }> = [backend, frontend];
  if (loadGenerator.enabled) pods.push({ replicas: 1, resources: loadGenerator.resources });
  const q = env.platform.quota;
  const problems: string[] = [];
  const needs: ReadonlyArray<[keyof ResourceSizes, keyof CpuMemory, Exclude<keyof QuotaSettings, 'pods'>]> = [
    ['requests', 'cpu', 'requestsCpu'],
    ['limits', 'cpu', 'limitsCpu'],
    ['requests', 'memory', 'requestsMemory'],
    ['limits', 'memory', 'limitsMemory'],
  ];
  for (const [kind, resource, hard] of needs) {
    const used = pods.reduce((sum, p) => sum + p.replicas * parseQuantity(p.resources[kind][resource]), 0);
    if (used > parseQuantity(q[hard])) problems.push(`platform.quota.${hard} is too small for the demo workloads (they need more than ${q[hard]})`);
  }
  const podCount = pods.reduce((sum, p) => sum + p.replicas, 0);
  if (podCount > q.pods) problems.push(`platform.quota.pods is too small for the demo workloads (they need ${podCount})`);
  return problems;
}

/** Throws one readable line naming the environment and every invalid value. */
export function assertValid(env: EnvironmentConfig): EnvironmentConfig {
  const problems = findProblems(env);
  if (problems.length > 0) {
    throw new UserError(`invalid environment '${env.name}': ${problems.join('; ')}`);
  }
  return env;
}
