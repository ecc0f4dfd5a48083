import { EnvironmentConfig, UserError } from '../config';
import { settingSource } from '../lib/setting-source';
import { assertValid } from '../config/validate';
import { environmentByName, ENVIRONMENT_NAMES, ENVIRONMENTS } from '../config/environments';
import { parseQuantity, scaleQuantity } from '../config/quantity';
import { findProblems } from '../config/validate';
import { NAMESPACES } from '../lib/namespaces';
import { podTemplateOf } from '../verify/engines/pods';
import { render } from './helpers';

const { dev, stg, prod } = ENVIRONMENTS;

/**
 * What the demo namespace's rendered workloads ask of its rendered ResourceQuota:
 * every replica, plus one surge pod per workload (a rolling update's maxSurge),
 * summed as the quota counts them.
 */
function demoQuotaUse(env: EnvironmentConfig) {
  const objects = render(env).files.map((f) => f.object);
  const quota = objects.find((o) => o.kind === 'ResourceQuota' && o.metadata.namespace === NAMESPACES.demo)!.spec as { hard: Record<string, string> };
  const hard = {
    pods: Number(quota.hard.pods),
    requestsCpu: cpu(quota.hard['requests.cpu']),
    limitsCpu: cpu(quota.hard['limits.cpu']),
    requestsMemory: mem(quota.hard['requests.memory']),
    limitsMemory: mem(quota.hard['limits.memory']),
  };
  const needed = { pods: 0, requestsCpu: 0, limitsCpu: 0, requestsMemory: 0, limitsMemory: 0 };
  for (const o of objects.filter((x) => x.kind === 'Deployment' && x.metadata.namespace === NAMESPACES.demo)) {
    const pods = ((o.spec as { replicas?: number }).replicas ?? 1) + 1;
    for (const c of podTemplateOf(o)!.spec.containers) {
      // Rendered YAML holds the quantities as strings.
      const r = c.resources as unknown as { requests: Record<string, string>; limits: Record<string, string> };
      needed.requestsCpu += pods * cpu(r.requests.cpu);
      needed.limitsCpu += pods * cpu(r.limits.cpu);
      needed.requestsMemory += pods * mem(r.requests.memory);
      needed.limitsMemory += pods * mem(r.limits.memory);
    }
    needed.pods += pods;
  }
  return { hard, needed };
}

/** A deep copy with one change, for negative cases. */
function variant(base: EnvironmentConfig, change: (env: any) => void): EnvironmentConfig {
  const copy = JSON.parse(JSON.stringify(base));
  change(copy);
  return copy;
}

const cpu = (q: string) => parseQuantity(q);
const mem = (q: string) => parseQuantity(q);

describe('environment values differ exactly as the seed says', () => {
  test.each(Object.values(ENVIRONMENTS))("$name uses the domain lab-<env>.local (a variant, its base's) and is valid", (env) => {
    // The seed's --skip-istio lab keeps dev's hosts.
    expect(env.domain).toBe(`lab-${env.variantOf ?? env.name}.local`);
    expect(findProblems(env)).toEqual([]);
  });

  test("stg runs the backend as Live does (seed 10-2: STG is Live's pre-check), and more of it than the lab", () => {
    const replicas = (env: EnvironmentConfig) =>
      render(env).files.find((f) => f.path === 'demo/deployment-backend.yaml')!.object.spec as { replicas: number };
    expect(replicas(stg).replicas).toBe(replicas(prod).replicas);
    expect(replicas(prod).replicas).toBeGreaterThan(replicas(dev).replicas);
  });

  test('demo resources: dev is the seed (100-200m, 128-256Mi), stg doubles, prod quadruples', () => {
    expect(dev.demo.backend.resources).toEqual({
      requests: { cpu: '100m', memory: '128Mi' },
      limits: { cpu: '200m', memory: '256Mi' },
    });
    for (const workload of ['backend', 'frontend'] as const) {
      for (const side of ['requests', 'limits'] as const) {
        const base = dev.demo[workload].resources[side];
        for (const [env, factor] of [
          [stg, 2],
          [prod, 4],
        ] as const) {
          const sized = env.demo[workload].resources[side];
          expect(cpu(sized.cpu)).toBeCloseTo(cpu(base.cpu) * factor, 6);
          expect(mem(sized.memory)).toBe(mem(base.memory) * factor);
        }
      }
    }
  });

  test('prod pins every image tag; dev keeps the seed floating tags', () => {
    const tags = (env: EnvironmentConfig) => [env.demo.backend.imageTag, env.demo.frontend.imageTag, env.demo.loadGenerator.imageTag];
    expect(tags(prod).some((t) => t === 'latest')).toBe(false);
    expect(prod.pinnedImagesOnly).toBe(true);
    expect(tags(dev)).toEqual(['latest', 'latest', 'latest']);
  });

  test.each(Object.values(ENVIRONMENTS))(
    '$name: the demo ResourceQuota admits the demo workloads it renders, with a rollout surge of each',
    (env) => {
      const { hard, needed } = demoQuotaUse(env);
      for (const key of Object.keys(needed) as Array<keyof typeof needed>)
        expect({ key, fits: needed[key] <= hard[key] }).toEqual({ key, fits: true });
    },
  );

  test('the quota check catches a namespace whose workloads outgrow it', () => {
    const crowded = variant(dev, (e) => (e.demo.backend.replicas = 40));
    expect(demoQuotaUse(crowded).needed.pods).toBeGreaterThan(demoQuotaUse(crowded).hard.pods);
  });

  test('LimitRange defaults are the same everywhere: limits 2 CPU / 4Gi, requests 250m / 512Mi', () => {
    for (const env of Object.values(ENVIRONMENTS)) {
      expect(env.platform.containerDefaults).toEqual({ limits: { cpu: '2', memory: '4Gi' }, requests: { cpu: '250m', memory: '512Mi' } });
    }
  });

  test('only the environment config differs: dev and prod share team and PDB; the lab reads its own clone, stg and prod one remote', () => {
    expect(prod.team).toBe(dev.team);
    expect(dev.git).toEqual({ repoURL: 'file:///kind-parity-platform', targetRevision: 'HEAD', localClone: { nodePath: '/kind-parity-platform' } });
    expect(stg.git).toEqual(prod.git);
    expect(prod.git.repoURL).toMatch(/^https:\/\//);
    expect(prod.platform.backendPdbMinAvailable).toBe(1);
  });
});

describe('bad environment input fails with one clear line', () => {
  const message = (env: EnvironmentConfig) => {
    try {
      assertValid(env);
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      return (error as Error).message;
    }
    throw new Error('expected the environment to be rejected');
  };

  test('unknown environment name lists the known ones', () => {
    expect(() => environmentByName('no-such-env')).toThrow(
      new UserError(`unknown environment 'no-such-env': use --env with one of ${ENVIRONMENT_NAMES.join(', ')}`),
    );
  });

  test.each([
    ['negative replicas', (e: any) => (e.demo.backend.replicas = -1), 'demo.backend.replicas must be an integer >= 0 (got -1)'],
    ['fractional replicas', (e: any) => (e.demo.frontend.replicas = 1.5), 'demo.frontend.replicas must be an integer >= 0 (got 1.5)'],
    [
      'malformed quantity',
      (e: any) => (e.demo.backend.resources.limits.memory = '256MB'),
      'demo.backend.resources.limits.memory must be a Kubernetes quantity',
    ],
    ['malformed quota', (e: any) => (e.platform.quota.requestsCpu = 'four'), 'platform.quota.requestsCpu must be a Kubernetes quantity'],
    ['domain that is not DNS-safe', (e: any) => (e.domain = 'Lab_Dev.local'), 'domain must be a DNS-safe name'],
    [
      'requests above limits',
      (e: any) => (e.demo.backend.resources.requests.cpu = '900m'),
      'demo.backend.resources.requests.cpu must not exceed limits.cpu (800m)',
    ],
    [
      'floating tag where tags must be pinned',
      (e: any) => (e.demo.backend.imageTag = 'latest'),
      'demo.backend.imageTag must be a pinned version (x.y.z) or digest in prod',
    ],
    ['registry with a scheme', (e: any) => (e.registry = 'https://harbor.local'), 'registry must be a registry host[:port][/path] without scheme'],
    [
      'PDB that blocks every drain',
      (e: any) => (e.platform.backendPdbMinAvailable = 4),
      'platform.backendPdbMinAvailable must be lower than demo.backend.replicas (4)',
    ],
    [
      'quota too small for the workloads',
      (e: any) => (e.platform.quota.requestsCpu = '1'),
      'platform.quota.requestsCpu is too small for the demo workloads',
    ],
    // Accepted by this check before, refused by the API server or wrong in git:
    [
      'replicas beyond int32',
      (e: any) => (e.demo.backend.replicas = 2 ** 31),
      "demo.backend.replicas must fit Kubernetes' int32 (at most 2147483647)",
    ],
    ['a domain label over 63 characters', (e: any) => (e.domain = `${'a'.repeat(64)}.local`), 'domain must have labels of at most 63 characters'],
    [
      'a domain that makes hostnames over 253 characters',
      (e: any) => (e.domain = Array.from({ length: 5 }, () => 'b'.repeat(49)).join('.')),
      'domain must leave room for the route hosts',
    ],
    ['a registry port over 65535', (e: any) => (e.registry = 'harbor.local:70000/lab'), 'registry must have a port from 1 to 65535'],
    [
      'quota requests above quota limits',
      (e: any) => (e.platform.quota.requestsMemory = '600Gi'),
      'platform.quota.requestsMemory must not exceed platform.quota.limitsMemory (512Gi)',
    ],
    ['Latest in another case', (e: any) => (e.demo.backend.imageTag = 'Latest'), 'demo.backend.imageTag must be a pinned version'],
    ['a floating name the old list missed', (e: any) => (e.demo.frontend.imageTag = 'edge'), 'demo.frontend.imageTag must be a pinned version'],
    ['a bare major.minor tag', (e: any) => (e.demo.backend.imageTag = 'v2.19'), 'demo.backend.imageTag must be a pinned version'],
    ['credentials in repoURL', (e: any) => (e.git.repoURL = 'https://ci:s3cret@github.com/org/repo.git'), 'git.repoURL must not carry credentials'],
    ['a token in repoURL', (e: any) => (e.git.repoURL = 'https://ghp_abc@github.com/org/repo.git'), 'git.repoURL must not carry credentials'],
    [
      "the lab's own clone in prod",
      (e: any) => (e.git = { repoURL: 'file:///kind-parity-platform', targetRevision: 'HEAD', localClone: { nodePath: '/kind-parity-platform' } }),
      'git.localClone is for the Kind lab (features.light); stg and prod track a real remote',
    ],
    [
      'a clone path and a repoURL that disagree',
      (e: any) => (e.git = { ...e.git, localClone: { nodePath: '/elsewhere' } }),
      'git.repoURL must be file:///elsewhere with git.localClone',
    ],
  ])('%s', (_, change, expected) => {
    const text = message(variant(prod, change));
    expect(text).toContain(expected);
    expect(text.startsWith("invalid environment 'prod': ")).toBe(true);
    expect(text).not.toContain('\n');
  });

  test('several problems are reported together, still on one line', () => {
    const text = message(
      variant(dev, (e) => {
        e.demo.backend.replicas = -2;
        e.domain = 'bad domain';
      }),
    );
    expect(text).toContain('domain must be a DNS-safe name');
    expect(text).toContain('demo.backend.replicas must be an integer >= 0');
    expect(text).not.toContain('\n');
  });
});

describe('values the API server accepts are accepted', () => {
  test.each([
    ['a CPU of 1e-1', (e: any) => (e.demo.backend.resources.requests.cpu = '1e-1')],
    ['a CPU of .1', (e: any) => (e.demo.backend.resources.requests.cpu = '.1')],
    ['a quota of 1E (exa)', (e: any) => (e.platform.quota.limitsMemory = '1E')],
    ['a pinned tag with a digest', (e: any) => (e.demo.backend.imageTag = `v2.19.0@sha256:${'a'.repeat(64)}`)],
    ['latest pinned by its digest', (e: any) => (e.demo.frontend.imageTag = `latest@sha256:${'b'.repeat(64)}`)],
    ['ssh with a user and no password', (e: any) => (e.git.repoURL = 'ssh://git@github.com/org/repo.git')],
  ])('%s', (_, change) => {
    expect(findProblems(variant(prod, change))).toEqual([]);
  });

  test('parse decimal exponents and the full suffix set', () => {
    expect(parseQuantity('1e-1')).toBeCloseTo(0.1);
    expect(parseQuantity('.1')).toBeCloseTo(0.1);
    expect(parseQuantity('2E3')).toBe(2000);
    expect(parseQuantity('1E')).toBe(1e18);
    expect(parseQuantity('1Ei')).toBe(2 ** 60);
    expect(parseQuantity('500u')).toBeCloseTo(0.0005);
  });
});

describe('quantities', () => {
  test('parse SI and binary suffixes', () => {
    expect(parseQuantity('250m')).toBeCloseTo(0.25);
    expect(parseQuantity('2')).toBe(2);
    expect(parseQuantity('512Mi')).toBe(512 * 2 ** 20);
    expect(parseQuantity('1G')).toBe(1e9);
    expect(() => parseQuantity('1.5.0')).toThrow("'1.5.0' is not a Kubernetes quantity");
  });
  test('scale keeps the suffix', () => {
    expect(scaleQuantity('100m', 4)).toBe('400m');
    expect(scaleQuantity('128Mi', 2)).toBe('256Mi');
    expect(scaleQuantity('0.5', 3)).toBe('1.5');
  });
});

describe('a bad value names the line that sets it (lib/setting-source.ts)', () => {
  test("an environment's own setting, a value taken from another environment, and the lab's base", () => {
    expect(settingSource('prod', 'demo.backend.replicas')).toMatch(/^config\/environments\/prod\.ts:\d+ \(backend: \{ replicas: 4,/);
    expect(settingSource('stg', 'demo.backend.replicas')).toMatch(
      /^config\/environments\/stg\.ts:\d+ \(backend: \{ replicas: prod\.demo\.backend\.replicas,/,
    );
    expect(settingSource('dev', 'demo.backend.replicas')).toMatch(/^config\/environments\/lab\.ts:\d+ \(backend: \{ replicas: 2,/);
    expect(settingSource('prod', 'observability.replicas.grafana')).toMatch(
      /^config\/environments\/prod\.ts:\d+ \(replicas: \{ collector: 2, grafana: 2 \},\)$/,
    );
  });

  test('a setting no file writes has no line, rather than a wrong one', () => {
    expect(settingSource('prod', 'demo.backend.nonexistent')).toBeUndefined();
  });
});
