// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { PRIORITY_CLASSES } from '../charts/platform-guardrails';
import { ENVIRONMENTS } from '../config/environments';
import { parseQuantity } from '../config/quantity';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { TRACE_ID_REGEX } from '../argocd/values/grafana';
import { ALL_ENVS, allContainers, find, objectsOf, podOwners, tempDir } from './helpers';

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s: demo workloads meet the four policy rules', (_, env) => {
  const objects = objectsOf(env, 'demo');
  const owners = podOwners(objects);

  test('there are workloads to check', () => {
    expect(owners.map((o) => `${o.object.kind}/${o.object.metadata.name}`).sort()).toEqual(
      ['Deployment/backend', 'Deployment/frontend', ...(env.demo.loadGenerator.enabled ? ['Job/load-generator'] : [])].sort(),
    );
  });

  // The labels the rendered K8sRequireLabels Constraint demands: a label added there must be on every workload too.
  const required: string[] = (objectsOf(env, 'gatekeeper-policies').find((o) => o.kind === 'K8sRequireLabels')!.spec as any).parameters.labels;

  test('the Constraint demands the seed labels app, env and team', () => {
    expect([...required].sort()).toEqual(['app', 'env', 'team']);
  });

  test.each(required)('label %s, demanded by the Constraint, on every workload and pod template', (label) => {
    for (const owner of owners) {
      expect({ owner: owner.object.metadata.name, value: (owner.object.metadata.labels as Record<string, string> | undefined)?.[label] }).toEqual({
        owner: owner.object.metadata.name,
        value: expect.stringMatching(/.+/),
      });
      expect({ owner: owner.object.metadata.name, value: owner.podLabels[label] }).toEqual({
        owner: owner.object.metadata.name,
        value: expect.stringMatching(/.+/),
      });
    }
    for (const owner of owners) expect(owner.podLabels.env).toBe(env.name);
  });

  test('non-root: pod securityContext.runAsNonRoot is true and no container overrides it', () => {
    for (const { podSpec } of owners) {
      expect(podSpec.securityContext?.runAsNonRoot).toBe(true);
      expect(podSpec.securityContext?.runAsUser).not.toBe(0);
      for (const c of allContainers(podSpec)) {
        expect(c.securityContext?.runAsNonRoot).not.toBe(false);
        expect(c.securityContext?.runAsUser ?? 1).not.toBe(0);
      }
    }
  });

  test('not privileged, no privilege escalation', () => {
    for (const { podSpec } of owners) {
      for (const c of allContainers(podSpec)) {
        expect(c.securityContext?.privileged ?? false).toBe(false);
        expect(c.securityContext?.allowPrivilegeEscalation).toBe(false);
      }
    }
  });

  test('cpu and memory limits on every container', () => {
    for (const { podSpec } of owners) {
      for (const c of allContainers(podSpec)) {
        const limits = c.resources?.limits as Record<string, k8s.Quantity> | undefined;
        expect(limits?.cpu).toBeDefined();
        expect(limits?.memory).toBeDefined();
      }
    }
  });
});

describe('demo app as the seed describes it (sections 9 and 11)', () => {
  const dev = objectsOf(ENVIRONMENTS.dev);
  const backend = find(dev, 'Deployment', 'backend').spec as any;
  const container = backend.template.spec.containers[0];

  test('backend: 2 replicas, probes on /status/200 with delays 5s and 10s, 100-200m / 128-256Mi', () => {
    expect(backend.replicas).toBe(2);
    expect(container.readinessProbe.httpGet.path).toBe('/status/200');
    expect(container.readinessProbe.initialDelaySeconds).toBe(5);
    expect(container.livenessProbe.httpGet.path).toBe('/status/200');
    expect(container.livenessProbe.initialDelaySeconds).toBe(10);
    expect(container.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '200m', memory: '256Mi', 'ephemeral-storage': '256Mi' },
    });
  });

  test('backend listens on an unprivileged port; Service backend:80 targets it by name', () => {
    const service = find(dev, 'Service', 'backend').spec as any;
    expect(service.ports[0].port).toBe(80);
    const target = service.ports[0].targetPort;
    const port = container.ports.find((p: any) => p.name === target);
    expect(port.containerPort).toBeGreaterThanOrEqual(1024);
    expect(container.env).toContainEqual({ name: 'PORT', value: String(port.containerPort) });
  });

  test('Service and PDB select exactly the backend pods', () => {
    const podLabels = backend.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => podLabels[k] === v);
    const service = find(dev, 'Service', 'backend').spec as any;
    const pdb = find(dev, 'PodDisruptionBudget', 'backend-pdb').spec as any;
    expect(selects(service.selector)).toBe(true);
    expect(selects(pdb.selector.matchLabels)).toBe(true);
    expect(pdb.minAvailable).toBe(1);
    const frontendLabels = (find(dev, 'Deployment', 'frontend').spec as any).template.metadata.labels;
    expect(Object.entries(service.selector).every(([k, v]) => frontendLabels[k] === v)).toBe(false);
  });

  test('frontend is a sleeping curl client with its own ServiceAccount', () => {
    const frontend = find(dev, 'Deployment', 'frontend').spec as any;
    expect(frontend.template.spec.containers[0].command).toEqual(['sleep', 'infinity']);
    expect(frontend.template.spec.serviceAccountName).toBe('frontend');
    expect(find(dev, 'ServiceAccount', 'frontend').metadata.namespace).toBe('demo');
  });

  test('backend priority class exists in the platform chart', () => {
    expect(find(dev, 'PriorityClass', backend.template.spec.priorityClassName).metadata.name).toBe('lab-high');
  });

  test('load generator: 50 east-west and 50 north-south calls with the env host; off in prod', () => {
    for (const env of [ENVIRONMENTS.dev, ENVIRONMENTS.stg]) {
      const job = find(objectsOf(env), 'Job', 'load-generator').spec as any;
      const vars = Object.fromEntries(job.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
      expect(vars).toEqual({
        EAST_WEST_URL: 'http://backend.demo.svc:80/get',
        EAST_WEST_REQUESTS: '50',
        NORTH_SOUTH_URL: 'http://kong-gateway-proxy.kong.svc:80/get',
        NORTH_SOUTH_HOST: `api.lab-${env.name}.local`,
        NORTH_SOUTH_REQUESTS: '50',
      });
    }
    expect(objectsOf(ENVIRONMENTS.prod, 'demo').some((o) => o.kind === 'Job')).toBe(false);
  });

  test("the load generator's log carries each north-south call's W3C trace id where Grafana's derived field reads it; Kong's JSON log form would not match", () => {
    // The rendered Job's own script, run by sh with a curl that records what it was sent.
    const job = find(objectsOf(ENVIRONMENTS.dev), 'Job', 'load-generator').spec as any;
    const container = job.template.spec.containers[0];
    const dir = tempDir('load-generator-');
    fs.writeFileSync(path.join(dir, 'curl'), `#!/bin/sh\nprintf '%s\\n' "$*" >> ${dir}/calls\nprintf 200\n`, { mode: 0o755 });
    const vars = Object.fromEntries(container.env.map((e: any) => [e.name, e.value]));
    const run = spawnSync(container.command[0], container.command.slice(1), {
      env: { PATH: `${dir}:/usr/bin:/bin`, ...vars, EAST_WEST_REQUESTS: '2', NORTH_SOUTH_REQUESTS: '3' },
      encoding: 'utf8',
    });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    const sent = fs
      .readFileSync(path.join(dir, 'calls'), 'utf8')
      .split('\n')
      .flatMap((call) => [...(/traceparent: 00-([0-9a-f]{32})-([0-9a-f]{16})-01/.exec(call)?.slice(1, 2) ?? [])]);
    const derived = new RegExp(TRACE_ID_REGEX);
    const logged = lines.flatMap((l) => [...(derived.exec(l)?.slice(1, 2) ?? [])]);
    // Three north-south calls, each with its own trace; the east-west calls reach the uninstrumented backend alone.
    expect(sent).toHaveLength(3);
    expect(new Set(sent).size).toBe(3);
    expect(logged).toEqual(sent);
    expect(lines.filter((l) => l.startsWith('E-W #'))).toEqual(['E-W #1: HTTP 200', 'E-W #2: HTTP 200']);
    expect(lines.at(-1)).toBe('load-generator: 0 of 5 requests failed');
    // The seeded break: Kong's file-log JSON carries the id as "trace_id":{"w3c":"..."}, which the derived field does not read.
    expect(derived.test(`{"trace_id":{"w3c":"${sent[0]}"},"response":{"status":200}}`)).toBe(false);
  });

  test("the load generator's north-south Host is served by an HTTPRoute to the backend Service", () => {
    const all = objectsOf(ENVIRONMENTS.stg);
    const job = find(all, 'Job', 'load-generator').spec as any;
    const host = job.template.spec.containers[0].env.find((e: any) => e.name === 'NORTH_SOUTH_HOST').value;
    const route = all.find((o) => o.kind === 'HTTPRoute' && (o.spec as any).hostnames.includes(host));
    expect(route?.metadata.namespace).toBe('demo');
    expect((route!.spec as any).rules[0].backendRefs[0]).toMatchObject({ name: 'backend', port: 80 });
  });

  test('the demo pods fit in the quota with the LimitRange defaults in place', () => {
    for (const env of ALL_ENVS) {
      const quota = find(objectsOf(env), 'ResourceQuota', 'demo-quota').spec as any;
      const owners = podOwners(objectsOf(env, 'demo'));
      const requested = owners.reduce(
        (sum, o) =>
          sum +
          ((o.object.spec as any).replicas ?? 1) *
            o.podSpec.containers.reduce((n, c) => n + parseQuantity(String((c.resources as any).requests.cpu)), 0),
        0,
      );
      expect(requested).toBeLessThanOrEqual(parseQuantity(quota.hard['requests.cpu']));
    }
  });
});

describe('platform guardrails (seed section 8)', () => {
  test('priority classes with lab-normal as the global default', () => {
    const objects = objectsOf(ENVIRONMENTS.dev, 'platform');
    const classes = objects.filter((o) => o.kind === 'PriorityClass').map((o) => [o.metadata.name, o.value, o.globalDefault ?? false]);
    expect(classes.sort()).toEqual([
      ['lab-critical', 1000000, false],
      ['lab-high', 100000, false],
      ['lab-normal', 10000, true],
    ]);
    expect(Object.keys(PRIORITY_CLASSES)).toHaveLength(3);
  });

  test.each([
    ['dev', { 'requests.cpu': '4', 'limits.cpu': '8', 'requests.memory': '8Gi', 'limits.memory': '16Gi', pods: 20 }],
    ['prod', { 'requests.cpu': '64', 'limits.cpu': '128', 'requests.memory': '256Gi', 'limits.memory': '512Gi', pods: 100 }],
  ] as const)('%s quota in demo', (name, hard) => {
    const quota = find(objectsOf(ENVIRONMENTS[name], 'platform'), 'ResourceQuota', 'demo-quota');
    expect(quota.metadata.namespace).toBe('demo');
    expect((quota.spec as any).hard).toEqual(hard);
  });

  test('LimitRange defaults: limits 2 CPU / 4Gi, requests 250m / 512Mi', () => {
    const range = find(objectsOf(ENVIRONMENTS.prod, 'platform'), 'LimitRange', 'demo-limits').spec as any;
    expect(range.limits).toEqual([{ type: 'Container', default: { cpu: '2', memory: '4Gi' }, defaultRequest: { cpu: '250m', memory: '512Mi' } }]);
  });
});
