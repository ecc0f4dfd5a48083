import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { COMPONENTS } from '../components';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { podTemplateOf } from '../verify/engines/pods';
import { KubeObject, renderEnvironment } from '../lib/synth';
import { toYaml } from '../lib/yaml';
import { applicationsOf, hydrateApplications } from '../verify/engines/hydrate';
import { ALL_POLICY_TEMPLATES, REGISTRY_POLICY_TEMPLATE, templateName } from '../policies/templates';
import { ALL_ENVS, ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

const gator = toolPath('gator');

function run(args: string[], cwd = ROOT) {
  return spawnSync(gator, args, { cwd, encoding: 'utf8' });
}

function writeObjects(dir: string, objects: KubeObject[]): void {
  fs.mkdirSync(dir, { recursive: true });
  objects.forEach((object, i) =>
    fs.writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}-${object.kind}-${object.metadata.name}.yaml`), toYaml(object)),
  );
}

function policyObjects(env: EnvironmentConfig): KubeObject[] {
  return renderEnvironment(env, COMPONENTS)
    .files.filter((f) => f.component === 'gatekeeper-policies')
    .map((f) => f.object);
}

/**
 * The pods a workload would create, as Gatekeeper's expansion would present
 * them at admission: the pod template's metadata and spec, in the owner's namespace.
 */
export function expandPods(objects: KubeObject[]): KubeObject[] {
  const pods: KubeObject[] = [];
  for (const object of objects) {
    const template = object.kind === 'Pod' ? undefined : podTemplateOf(object);
    if (!template) continue;
    pods.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { ...template.metadata, name: `${object.metadata.name}-expanded`, namespace: object.metadata.namespace },
      spec: template.spec,
    });
  }
  return pods;
}

describe('gator verify: the seed lab 6-1 cases and edge cases, per template', () => {
  test.each(ALL_POLICY_TEMPLATES.map((t) => templateName(t)))('%s suite passes', (name) => {
    const suite = path.join('policies/tests', name);
    expect(fs.existsSync(path.join(ROOT, suite, 'suite.yaml'))).toBe(true);
    const result = run(['verify', '-v', suite]);
    expect(result.stdout + result.stderr).not.toContain('FAIL');
    expect(result.stdout).toMatch(/--- PASS: .*is-admitted/);
    expect(result.stdout).toMatch(/--- PASS: .*is-denied/);
    expect(result.status).toBe(0);
  });
});

describe('gator verify fails when a Rego rule is broken (mutation check)', () => {
  // Each mutation disables the rule's key condition; the suites must notice.
  const MUTATIONS: Record<string, [string, string]> = {
    k8sdenyprivileged: ['container.securityContext.privileged == true', 'container.securityContext.privileged == "never"'],
    k8srequirelabels: ['not has_label(label)', 'has_label(label)'],
    k8srequirenonroot: ['effective_run_as_user(container) == 0', 'effective_run_as_user(container) == -1'],
    k8srequireresourcelimits: ['count(missing) > 0', 'count(missing) > 5'],
    k8sallowedregistries: ['not allowed(container.image)', 'allowed(container.image)'],
  };

  test.each(Object.entries(MUTATIONS))('%s with a broken rule fails its suite', (name, [from, to]) => {
    const work = tempDir('gator-mutant-');
    fs.cpSync(path.join(ROOT, 'policies/tests'), path.join(work, 'policies/tests'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'dist/prod/gatekeeper-policies'), path.join(work, 'dist/prod/gatekeeper-policies'), { recursive: true });
    const templateFile = path.join(work, 'dist/prod/gatekeeper-policies', `constrainttemplate-${name}.yaml`);
    const source = fs.readFileSync(templateFile, 'utf8');
    expect(source).toContain(from);
    fs.writeFileSync(templateFile, source.replace(from, to));
    const result = run(['verify', path.join('policies/tests', name)], work);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('FAIL');
  });
});

describe('enforcementAction from the environment config (seed lab 6-2)', () => {
  const privilegedPod = path.join(ROOT, 'policies/tests/k8sdenyprivileged/privileged.yaml');

  function gatorTest(env: EnvironmentConfig) {
    const dir = tempDir('gator-action-');
    // The seed's four policies only: the test pod's public image would also meet prod's registry rule.
    const registryRule = (o: KubeObject) => o.kind === REGISTRY_POLICY_TEMPLATE.kind || o.metadata.name === templateName(REGISTRY_POLICY_TEMPLATE);
    writeObjects(
      dir,
      policyObjects(env).filter((o) => !registryRule(o)),
    );
    fs.copyFileSync(privilegedPod, path.join(dir, 'pod.yaml'));
    return run(['test', '-f', dir]);
  }

  test('deny: the privileged pod is rejected with the seed message', () => {
    const result = gatorTest(ENVIRONMENTS.prod);
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain("컨테이너 'test'가 privileged 모드로 실행됩니다.");
  });

  test('warn: the same pod is admitted, with the message as a warning', () => {
    const warn = {
      ...ENVIRONMENTS.prod,
      security: {
        ...ENVIRONMENTS.prod.security,
        enforcementActions: { ...ENVIRONMENTS.prod.security.enforcementActions, denyPrivileged: 'warn' as const },
      },
    };
    const constraint = policyObjects(warn).find((o) => o.kind === 'K8sDenyPrivileged')!;
    expect((constraint.spec as any).enforcementAction).toBe('warn');
    const result = gatorTest(warn);
    expect(result.status).toBe(0);
    expect(result.stdout + result.stderr).toContain("컨테이너 'test'가 privileged 모드로 실행됩니다.");
  });
});

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s: our own workloads pass our own policies (gator test)', (_, env) => {
  test('every workload in a constrained namespace, and the pods it creates, has zero violations', () => {
    const rendered = renderEnvironment(env, COMPONENTS).files.map((f) => f.object);
    const constrained = new Set<string>();
    for (const o of rendered) {
      // The registry rule covers every namespace; the next describe checks it against every image.
      if (o.apiVersion.startsWith('constraints.gatekeeper.sh/') && o.kind !== REGISTRY_POLICY_TEMPLATE.kind)
        for (const ns of (o.spec as any).match.namespaces) constrained.add(ns);
    }
    expect([...constrained]).toEqual(['demo']);
    const workloads = rendered.filter((o) => o.metadata.namespace && constrained.has(o.metadata.namespace) && (o.spec as any)?.template);
    const pods = expandPods(workloads);
    expect(pods.length).toBe(workloads.length);
    expect(pods.length).toBeGreaterThanOrEqual(2);

    const dir = tempDir('gator-own-');
    writeObjects(dir, [...policyObjects(env), ...workloads, ...pods]);
    const result = run(['test', '-f', dir, '-o', 'json']);
    expect(result.stderr).toBe('');
    // gator prints `null` when nothing is violated.
    expect(JSON.parse(result.stdout) ?? []).toEqual([]);
    expect(result.status).toBe(0);
  });

  test('the same check catches a workload that breaks a policy', () => {
    const rendered = renderEnvironment(env, COMPONENTS).files.map((f) => f.object);
    const backend = JSON.parse(JSON.stringify(rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'backend')));
    backend.spec.template.spec.containers[0].securityContext.privileged = true;
    delete backend.metadata.labels.team;
    const dir = tempDir('gator-bad-');
    writeObjects(dir, [...policyObjects(env), backend, ...expandPods([backend])]);
    const result = run(['test', '-f', dir, '-o', 'json']);
    const messages = (JSON.parse(result.stdout) as Array<{ msg: string }>).map((v) => v.msg).sort();
    expect(messages).toEqual(["컨테이너 'httpbin'가 privileged 모드로 실행됩니다.", "필수 라벨 'team'이(가) 없습니다."]);
    expect(result.status).toBe(1);
  });
});

describe('the registry rule (seed 10-1, production: Gatekeeper + Harbor)', () => {
  const registryEnvs = ALL_ENVS.filter((e) => e.registry);

  test('prod sets the Harbor registry, so its rule is rendered; environments without a registry render none', () => {
    expect(registryEnvs.map((e) => e.name)).toContain('prod');
    for (const env of ALL_ENVS)
      expect({ env: env.name, rule: policyObjects(env).some((o) => o.kind === REGISTRY_POLICY_TEMPLATE.kind) }).toEqual({
        env: env.name,
        rule: !!env.registry,
      });
  });

  test.each(registryEnvs.map((e) => [e.name, e] as const))(
    '%s: every pod of ours and of the upstream charts passes it (gator test), and a public image does not',
    (_, env) => {
      const ours = renderEnvironment(env, COMPONENTS).files.map((f) => f.object);
      const hydrated = hydrateApplications(applicationsOf(renderEnvironment(env, COMPONENTS)), { helm: toolPath('helm') });
      const upstream = hydrated.flatMap((a) =>
        a.objects.map((o) => ({ ...o.object, metadata: { ...o.object.metadata, namespace: o.object.metadata.namespace ?? a.namespace } })),
      );
      const rule = policyObjects(env).filter(
        (o) =>
          o.kind === REGISTRY_POLICY_TEMPLATE.kind || (o.kind === 'ConstraintTemplate' && o.metadata.name === templateName(REGISTRY_POLICY_TEMPLATE)),
      );
      expect(rule).toHaveLength(2);
      const pods = expandPods([...ours, ...upstream]);
      expect(pods.length).toBeGreaterThan(20);
      const dir = tempDir('gator-registry-');
      writeObjects(dir, [...rule, ...pods]);
      const result = run(['test', '-f', dir, '-o', 'json']);
      expect(JSON.parse(result.stdout) ?? []).toEqual([]);
      expect(result.status).toBe(0);

      const publicPod = { ...pods[0], spec: { ...(pods[0] as any).spec, containers: [{ name: 'public', image: 'docker.io/library/nginx:1.29.1' }] } };
      fs.writeFileSync(
        path.join(dir, 'zzz-public.yaml'),
        toYaml({ ...publicPod, metadata: { ...publicPod.metadata, name: 'public', namespace: 'demo' } }),
      );
      const denied = run(['test', '-f', dir, '-o', 'json']);
      expect((JSON.parse(denied.stdout) as Array<{ msg: string }>).map((v) => v.msg)).toEqual([
        `컨테이너 'public'의 이미지 'docker.io/library/nginx:1.29.1'는 허용된 레지스트리(${env.registry})의 것이 아닙니다.`,
      ]);
      expect(denied.status).toBe(1);
    },
  );
});
