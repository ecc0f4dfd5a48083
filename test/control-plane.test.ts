import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { VERSIONS } from '../config/versions';
import { isClusterScopedKind } from '../lib/scope';
import { ACCEPTED_WARNINGS } from '../verify/checks/admission-warnings';
import { againstExceptions, analyzeCluster } from '../verify/checks/istio-analysis';
import { ISTIO_ANALYSIS_EXCEPTIONS } from '../verify/checks/istio-analysis-exceptions';
import { projectFindings } from '../verify/checks/project-permissions';
import { EnvironmentConfig } from '../config';
import { AdmissionReport, applyEnvironment, ReapplyReport, reapply, waitForWorkloads, WorkloadStatus } from '../verify/engines/admission';
import { ControlPlane, isAlive, kindNodes, startControlPlane } from '../verify/engines/control-plane';
import { applicationsOf, HydratedApp, hydrateApplications } from '../verify/engines/hydrate';
import { statusMessage } from '../verify/engines/kube-client';
import { KUBERNETES_BUILTIN_APIS } from '../verify/engines/kubernetes-apis';
import { KubeObject, RenderedEnvironment } from '../lib/synth';
import { ALL_ENVS, render, ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * Every environment admitted by a real Kubernetes 1.35 API server (CEL rules,
 * defaulting, strict server-side apply, quota, LimitRange, priority), with
 * the controller-manager, the scheduler and kwok bringing the workloads up.
 */
const helm = toolPath('helm');
const REPORT_DIR = path.join(ROOT, '.build', 'reports');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function eventually<T>(what: string, probe: () => Promise<T | undefined>, seconds = 60): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${seconds} s`);
    await sleep(500);
  }
}

function report(env: string, lines: string[]): void {
  fs.mkdirSync(REPORT_DIR, { recursive: true });
  fs.writeFileSync(path.join(REPORT_DIR, `control-plane-${env}.txt`), `${lines.join('\n')}\n`);
}

describe.each(ALL_ENVS.map((env) => [env.name, env] as const))('%s on a real Kubernetes 1.35 control plane', (name, env: EnvironmentConfig) => {
  let cp: ControlPlane;
  let rendered: RenderedEnvironment;
  let hydrated: HydratedApp[];
  let admission: AdmissionReport;
  let ready: { statuses: WorkloadStatus[]; seconds: number };
  let second: ReapplyReport;
  const started = Date.now();

  beforeAll(async () => {
    rendered = render(env);
    hydrated = hydrateApplications(applicationsOf(rendered), { helm });
    cp = await startControlPlane({ nodes: kindNodes(env.cluster.name, env.cluster.workers) });
    admission = await applyEnvironment(cp, rendered, hydrated);
    ready = await waitForWorkloads(cp.client, 120);
    second = await reapply(cp.client, admission.admitted);
  }, 600_000);

  afterAll(async () => {
    const pids = cp?.processes.map((p) => p.pid) ?? [];
    await cp?.stop();
    expect(pids.filter(isAlive)).toEqual([]);
    if (admission) {
      const unverified = hydrated.filter((a) => a.status !== 'rendered').map((a) => a.app);
      report(name, [
        [
          `${name}: ready in ${cp.readySeconds.toFixed(1)} s`,
          `applied ${admission.applied.ours} of ours, ${admission.applied.upstream} upstream, ${admission.applied.argocd} Argo CD objects in ${admission.seconds.toFixed(1)} s`,
          `rejected ${admission.rejected.length}`,
          `workloads ready ${ready.statuses.filter((w) => w.ready === w.desired).length} of ${ready.statuses.length}`,
          `second apply: ${second.generationBumps.length} generation bumps, ${second.managedFieldChanges.length} settling field sets, ${second.writesWithoutChange.length} status-default writes`,
          `unverified: ${unverified.join(', ') || 'none'}`,
          `${((Date.now() - started) / 1000).toFixed(0)} s in all`,
        ].join('; '),
        ...admission.rejected.map((r) => `  rejected ${r.object}: ${r.message}`),
      ]);
    }
  }, 60_000);

  test('the control plane is up with kwok nodes shaped like the Kind cluster: 1 tainted control plane, 2 workers', async () => {
    const nodes = (await cp.client.list('v1', 'Node')).body.items as any[];
    expect(nodes.map((n) => n.metadata.name).sort()).toEqual(
      kindNodes(env.cluster.name, env.cluster.workers)
        .map((n) => n.name)
        .sort(),
    );
    const controlPlane = nodes.find((n) => n.metadata.name.endsWith('-control-plane'));
    expect(controlPlane.spec.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect((await cp.client.request('GET', '/version')).body.gitVersion).toBe(`v${VERSIONS.kubernetesControlPlane}`);
  });

  test("Helm renders with the API server's own built-in APIs, as Argo CD passes them (verify/engines/kubernetes-apis.ts)", async () => {
    const crdGroups = new Set(
      ((await cp.client.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).body.items as any[]).map((c) => c.spec.group),
    );
    const served = new Set<string>(['v1']);
    for (const r of (await cp.client.request('GET', '/api/v1')).body.resources as any[]) if (!r.name.includes('/')) served.add(`v1/${r.kind}`);
    for (const g of ((await cp.client.request('GET', '/apis')).body.groups as any[]).filter((x) => !crdGroups.has(x.name))) {
      for (const v of g.versions) {
        served.add(v.groupVersion);
        for (const r of ((await cp.client.request('GET', `/apis/${v.groupVersion}`)).body.resources ?? []) as any[])
          if (!r.name.includes('/')) served.add(`${v.groupVersion}/${r.kind}`);
      }
    }
    expect([...KUBERNETES_BUILTIN_APIS].sort()).toEqual([...served].sort());
  });

  if (!env.features.skipIstio)
    test("Istio's analyzers (istioctl analyze) find no error, and no warning outside the reviewed exceptions; a seeded break is found", async () => {
      const istioctl = toolPath('istioctl');
      const findings = analyzeCluster(istioctl, cp.kubeconfig);
      const infos = analyzeCluster(istioctl, cp.kubeconfig, 'Info').filter((f) => f.level === 'Info');
      report(`${name}-istio`, [
        `istioctl analyze: ${findings.length} at Warning or above, ${infos.length} Info`,
        ...[...findings, ...infos].map((f) => `  ${f.level} ${f.code} ${f.origin}: ${f.message}`),
      ]);
      const { unexcepted, stale } = againstExceptions(findings, ISTIO_ANALYSIS_EXCEPTIONS);
      expect(unexcepted.map((f) => `${f.level} ${f.code} ${f.origin}: ${f.message}`)).toEqual([]);
      expect(stale).toEqual([]);
      // Seeded break: a policy for a workload that does not exist, admitting a namespace that does not exist.
      const ghost = {
        apiVersion: 'security.istio.io/v1',
        kind: 'AuthorizationPolicy',
        metadata: { name: 'seeded-break-ghost', namespace: 'demo' },
        spec: { selector: { matchLabels: { app: 'ghost' } }, rules: [{ from: [{ source: { namespaces: ['ghost-namespace'] } }] }] },
      } as KubeObject;
      await cp.client.apply(ghost, 'seeded-break');
      try {
        const broken = analyzeCluster(istioctl, cp.kubeconfig).filter((f) => f.origin === 'AuthorizationPolicy demo/seeded-break-ghost');
        expect(broken.map((f) => f.code).sort()).toEqual(['IST0101', 'IST0127']);
      } finally {
        await cp.client.delete('security.istio.io/v1', 'AuthorizationPolicy', 'seeded-break-ghost', 'demo');
      }
    });

  test('every object of ours and of the upstream charts is admitted with strict server-side apply: 0 rejections', () => {
    expect(admission.rejected.map((r) => `${r.object}: ${r.message}`)).toEqual([]);
    const ours = rendered.files.filter((f) => !['apps', 'bootstrap'].includes(f.component)).length;
    // The bootstrap's own objects: namespaces and, in the lab, the clone's volume and claim.
    const bootstrap = rendered.files.filter((f) => f.component === 'bootstrap' && !f.object.apiVersion.startsWith('argoproj.io/')).length;
    expect(admission.applied.ours).toBe(ours + bootstrap);
    expect(admission.applied.upstream).toBe(hydrated.reduce((n, a) => n + a.objects.length, 0));
    // The apps folder, and the root Application with its own project from the bootstrap.
    expect(admission.applied.argocd).toBe(
      rendered.files.filter((f) => f.component === 'apps' || (f.component === 'bootstrap' && f.object.apiVersion.startsWith('argoproj.io/'))).length,
    );
  });

  test('the server warns about nothing but the accepted, explained warnings', () => {
    const unexplained = admission.warnings.filter((w) => !ACCEPTED_WARNINGS.some((a) => a.object.test(w.object) && a.warning.test(w.warning)));
    expect(unexplained.map((w) => `${w.object}: ${w.warning}`)).toEqual([]);
  });

  test("every child's AppProject admits exactly what it renders: its namespaces, and the cluster-scoped kinds the API server reports, no more", () => {
    const apps = rendered.files.filter((f) => f.component === 'apps').map((f) => f.object);
    const objects = admission.admitted
      .filter((m) => m.origin !== 'argocd')
      .map((m) => ({ app: m.app, object: m.object, namespaced: cp.client.resourceFor(m.object.apiVersion, m.object.kind)?.namespaced ?? true }));
    expect(objects.filter((o) => !o.namespaced).length).toBeGreaterThan(10);
    // Mimir's chart is not in the mirror: its declared kinds cannot be compared with a render.
    const unrendered = hydrated.filter((a) => a.status !== 'rendered').map((a) => a.app);
    const findings = projectFindings(apps, objects).filter((f) => !/which no child renders/.test(f) || unrendered.length === 0);
    expect(findings).toEqual([]);
  });

  test("the render's scope list (lib/scope.ts) says of every admitted kind what the API server's discovery says", () => {
    const kinds = new Map(admission.admitted.map((m) => [`${m.object.apiVersion} ${m.object.kind}`, m.object] as const));
    const wrong = [...kinds.values()]
      .map((o) => ({ o, namespaced: cp.client.resourceFor(o.apiVersion, o.kind)?.namespaced }))
      .filter(({ o, namespaced }) => namespaced !== undefined && isClusterScopedKind(o.apiVersion, o.kind) === namespaced)
      .map(({ o, namespaced }) => `${o.apiVersion} ${o.kind}: the API server says ${namespaced ? 'namespaced' : 'cluster-scoped'}`);
    expect(wrong).toEqual([]);
    expect([...kinds.values()].filter((o) => isClusterScopedKind(o.apiVersion, o.kind)).length).toBeGreaterThan(10);
  });

  test('a second apply changes nothing: no generation bump, no changed field ownership (an empty metadata map settles on the third apply)', () => {
    expect(second.objects).toBeGreaterThan(100);
    expect(second.rejected).toEqual([]);
    expect(second.generationBumps).toEqual([]);
    for (const change of second.managedFieldChanges) {
      // Server-side apply claims an empty (or null) annotations or labels map only once the object exists.
      const metadata = change.manifest.metadata as { annotations?: object | null; labels?: object | null };
      const emptyMap = (m?: object | null) => m === null || (!!m && Object.keys(m).length === 0);
      expect({
        object: change.object,
        settles: change.settlesOnThirdApply,
        emptyMetadataMap: emptyMap(metadata.annotations) || emptyMap(metadata.labels),
      }).toEqual({
        object: change.object,
        settles: true,
        emptyMetadataMap: true,
      });
    }
  });

  test('every Deployment, StatefulSet and DaemonSet of ours and of upstream reaches its desired ready count', () => {
    expect(ready.statuses.length).toBeGreaterThan(10);
    expect(ready.statuses.filter((w) => w.desired <= 0 || w.ready !== w.desired)).toEqual([]);
  });

  test(env.demo.loadGenerator.enabled ? 'our PostSync Job, the load generator, completes' : 'no load generator in this environment', async () => {
    const job = await cp.client.get('batch/v1', 'Job', 'load-generator', 'demo');
    if (!env.demo.loadGenerator.enabled) {
      expect(job.status).toBe(404);
      return;
    }
    const succeeded = await eventually('load-generator succeeded', async () => {
      const j = (await cp.client.get('batch/v1', 'Job', 'load-generator', 'demo')).body;
      return j.status?.succeeded >= 1 ? j.status.succeeded : undefined;
    });
    expect(succeeded).toBe(1);
  });

  test('PDBs report their allowed disruptions, and the demo quota shows usage within its limits', async () => {
    const pdbs = (await cp.client.list('policy/v1', 'PodDisruptionBudget')).body.items as any[];
    expect(pdbs.length).toBeGreaterThanOrEqual(1);
    for (const pdb of pdbs) {
      const status = await eventually(`PDB ${pdb.metadata.name} status`, async () => {
        const live = (await cp.client.get('policy/v1', 'PodDisruptionBudget', pdb.metadata.name, pdb.metadata.namespace)).body;
        return live.status?.observedGeneration === live.metadata.generation ? live.status : undefined;
      });
      expect({ pdb: pdb.metadata.name, allowed: status.disruptionsAllowed >= 0, healthy: status.currentHealthy >= status.desiredHealthy }).toEqual({
        pdb: pdb.metadata.name,
        allowed: true,
        healthy: true,
      });
    }
    const backend = pdbs.find((p) => p.metadata.namespace === 'demo');
    const live = (await cp.client.get('policy/v1', 'PodDisruptionBudget', backend.metadata.name, 'demo')).body;
    expect(live.status.disruptionsAllowed).toBe(env.demo.backend.replicas - env.platform.backendPdbMinAvailable);
    const quota = (await cp.client.get('v1', 'ResourceQuota', 'demo-quota', 'demo')).body.status;
    expect(Number(quota.used.pods)).toBeGreaterThan(0);
    expect(Number(quota.used.pods)).toBeLessThanOrEqual(Number(quota.hard.pods));
  });

  test('pods get the priority of their PriorityClass, and the cluster default elsewhere', async () => {
    const pods = (await cp.client.list('v1', 'Pod', 'demo')).body.items as any[];
    const backend = pods.filter((p) => p.metadata.labels?.app === 'backend');
    expect(backend.length).toBe(env.demo.backend.replicas);
    for (const p of backend) expect([p.spec.priorityClassName, p.spec.priority]).toEqual(['lab-high', 100000]);
    const frontend = pods.find((p) => p.metadata.labels?.app === 'frontend');
    expect([frontend.spec.priorityClassName, frontend.spec.priority]).toEqual(['lab-normal', 10000]);
  });

  /**
   * A pod for demo that passes Pod Security restricted (which answers before any policy) and every guardrail:
   * labelled, with limits, from the environment's registry; `changes` breaks one of them, or drops the limits.
   */
  const demoPod = (name: string, changes: { labels?: Record<string, string>; image?: string; limits?: false } = {}) =>
    ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: 'demo', labels: changes.labels ?? { app: name, env: env.name, team: 'platform' } },
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        containers: [
          {
            name: 'app',
            image: changes.image ?? `${env.registry ?? 'docker.io'}/library/busybox:1.36`,
            command: ['sleep', '60'],
            ...(changes.limits === false ? {} : { resources: { limits: { cpu: '100m', memory: '64Mi' } } }),
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    }) as unknown as KubeObject;

  test('a container without resources gets the LimitRange defaults', async () => {
    const pod = demoPod('no-resources', { limits: false });
    const created = await cp.client.request('POST', '/api/v1/namespaces/demo/pods?dryRun=All', pod);
    expect(created.status).toBe(201);
    const d = env.platform.containerDefaults;
    expect(created.body.spec.containers[0].resources).toEqual({
      requests: { cpu: d.requests.cpu, memory: d.requests.memory },
      limits: { cpu: d.limits.cpu, memory: d.limits.memory },
    });
  });

  test('Pod Security Admission refuses a pod that breaks its namespace level, naming the level and the reasons', async () => {
    const pod = (namespace: string) =>
      ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'root-shell', namespace },
        spec: { containers: [{ name: 'sh', image: 'busybox', securityContext: { privileged: true } }] },
      }) as unknown as KubeObject;
    const demo = await cp.client.request('POST', '/api/v1/namespaces/demo/pods?dryRun=All', pod('demo'));
    if (env.security.demoPodSecurity.enforce === 'restricted')
      expect([demo.status, statusMessage(demo)]).toEqual([
        403,
        expect.stringMatching(
          /violates PodSecurity "restricted:v1\.35": privileged \(container "sh" must not set securityContext\.privileged=true\)/,
        ),
      ]);
    // The lab leaves that pod to Gatekeeper (seed 6-1 prints Gatekeeper's message); Pod Security still warns at restricted.
    else
      expect([demo.status, demo.warnings.join(' ')]).toEqual([
        201,
        expect.stringMatching(/would violate PodSecurity "restricted:v1\.35": privileged/),
      ]);
    const monitoring = await cp.client.request('POST', '/api/v1/namespaces/monitoring/pods?dryRun=All', pod('monitoring'));
    expect([monitoring.status, statusMessage(monitoring)]).toEqual([
      403,
      expect.stringMatching(/violates PodSecurity "baseline:v1\.35": privileged/),
    ]);
    // kube-system is privileged on purpose (Cilium), so the same pod is admitted there.
    expect((await cp.client.request('POST', '/api/v1/namespaces/kube-system/pods?dryRun=All', pod('kube-system'))).status).toBe(201);
  });

  test("the API server's type checker finds nothing to warn about in any guardrail's CEL, and binds each as the environment says", async () => {
    const policies = rendered.files.filter((f) => f.object.kind === 'ValidatingAdmissionPolicy').map((f) => f.object.metadata.name);
    expect(policies.length).toBeGreaterThanOrEqual(4);
    const checked = await eventually('every ValidatingAdmissionPolicy type-checked', async () => {
      const list = await cp.client.request('GET', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies');
      const items = (list.body.items as KubeObject[]).filter((p) => policies.includes(p.metadata.name));
      const status = (p: KubeObject) => p.status as { observedGeneration?: number; typeChecking?: { expressionWarnings?: unknown[] } } | undefined;
      return items.length === policies.length &&
        items.every((p) => status(p)?.observedGeneration === (p.metadata as { generation?: number }).generation)
        ? items.map((p) => [p.metadata.name, status(p)?.typeChecking?.expressionWarnings ?? []])
        : undefined;
    });
    expect(checked.filter(([, warnings]) => (warnings as unknown[]).length > 0)).toEqual([]);
    const bindings = await cp.client.request('GET', '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings');
    const ours = rendered.files.filter((f) => f.object.kind === 'ValidatingAdmissionPolicyBinding').map((f) => f.object.metadata.name);
    const actions = (bindings.body.items as KubeObject[])
      .filter((b) => ours.includes(b.metadata.name))
      .map((b) => (b.spec as { validationActions: string[] }).validationActions.join(','));
    expect(actions).toHaveLength(policies.length);
    expect(new Set(actions)).toEqual(new Set([env.security.apiServerGuardrails.validationActions.join(',')]));
  });

  test(`with nothing serving Gatekeeper's webhook (as here), the API server ${env.security.apiServerGuardrails.validationActions.includes('Deny') ? "still refuses a pod that breaks the guardrails, with the seed's messages" : 'admits a pod that breaks the guardrails: its bindings only audit, and the lab leaves the answer to Gatekeeper'}`, async () => {
    const deny = env.security.apiServerGuardrails.validationActions.includes('Deny');
    const create = (p: KubeObject) => cp.client.request('POST', '/api/v1/namespaces/demo/pods?dryRun=All', p);
    expect((await create(demoPod('guardrail-compliant'))).status).toBe(201);
    const unlabelled = await create(demoPod('guardrail-unlabelled', { labels: {} }));
    const labelsMessage =
      "ValidatingAdmissionPolicy 'gatekeeper-require-labels' with binding 'gatekeeper-require-labels' denied request: 필수 라벨 'app'이(가) 없습니다.; 필수 라벨 'env'이(가) 없습니다.; 필수 라벨 'team'이(가) 없습니다.";
    if (deny) expect([unlabelled.status, statusMessage(unlabelled)]).toEqual([403, expect.stringContaining(labelsMessage)]);
    else expect(unlabelled.status).toBe(201);
    if (env.registry) {
      const outside = await create(demoPod('guardrail-docker-hub', { image: 'busybox:1.36' }));
      expect([outside.status, statusMessage(outside)]).toEqual([
        403,
        expect.stringContaining(
          `ValidatingAdmissionPolicy 'gatekeeper-allowed-registries' with binding 'gatekeeper-allowed-registries' denied request: 컨테이너 'app'의 이미지 'busybox:1.36'는 허용된 레지스트리(${env.registry})의 것이 아닙니다.`,
        ),
      ]);
    }
  });

  test(`the seed's lab 2-1 test pod (test-cnp) is ${env.security.demoPodSecurity.enforce === 'restricted' ? 'refused by Pod Security restricted' : 'admitted in demo, with the restricted warnings'}`, async () => {
    // As the seed writes it (section 2, lab 2-1): runAsNonRoot and runAsUser, but no seccomp profile, capability drop or escalation setting.
    const testCnp = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'test-cnp', namespace: 'demo', labels: { app: 'test-cnp', env: 'dev', team: 'platform' } },
      spec: {
        serviceAccountName: 'frontend',
        securityContext: { runAsNonRoot: true, runAsUser: 1000 },
        containers: [
          { name: 'curl', image: 'curlimages/curl:8.5.0', command: ['sleep', '120'], resources: { limits: { cpu: '100m', memory: '64Mi' } } },
        ],
      },
    } as unknown as KubeObject;
    const answer = await cp.client.request('POST', '/api/v1/namespaces/demo/pods?dryRun=All', testCnp);
    const restricted = /PodSecurity "restricted:v1\.35": allowPrivilegeEscalation != false .*unrestricted capabilities .*seccompProfile/;
    if (env.security.demoPodSecurity.enforce === 'restricted')
      expect([answer.status, statusMessage(answer)]).toEqual([403, expect.stringMatching(restricted)]);
    else expect([answer.status, answer.warnings.join(' ')]).toEqual([201, expect.stringMatching(restricted)]);
  });

  test('mutated copies of our objects are rejected: a path without "/", an unknown field, an immutable field', async () => {
    const route = rendered.files.find((f) => f.object.kind === 'HTTPRoute')!.object as any;
    const badPath = JSON.parse(JSON.stringify(route));
    badPath.spec.rules[0].matches[0].path.value = 'api';
    const pathResponse = await cp.client.apply(badPath, 'mutation-test', { dryRun: true });
    expect(pathResponse.status).toBe(422);
    expect(statusMessage(pathResponse)).toMatch(/must be an absolute path/);

    const backend = rendered.files.find((f) => f.object.kind === 'Deployment' && f.object.metadata.name === 'backend')!.object as any;
    const unknown = { ...backend, spec: { ...backend.spec, replicaz: 3 } };
    // Server-side apply refuses to build the patch (the API server answers 500 for this) ...
    const applied = await cp.client.apply(unknown, 'mutation-test', { dryRun: true });
    expect(applied.status).toBeGreaterThanOrEqual(400);
    expect(statusMessage(applied)).toMatch(/\.spec\.replicaz: field not declared in schema/);
    // ... and an update with strict field validation names the unknown field.
    const live = (await cp.client.get('apps/v1', 'Deployment', 'backend', 'demo')).body;
    const updated = await cp.client.request('PUT', '/apis/apps/v1/namespaces/demo/deployments/backend?fieldValidation=Strict&dryRun=All', {
      ...live,
      spec: { ...live.spec, replicaz: 3 },
    });
    expect(updated.status).toBe(400);
    expect(statusMessage(updated)).toMatch(/strict decoding error: unknown field "spec.replicaz"/);

    const selector = JSON.parse(JSON.stringify(backend));
    selector.spec.selector.matchLabels = { app: 'backend', tier: 'api' };
    selector.spec.template.metadata.labels.tier = 'api';
    const immutable = await cp.client.apply(selector, 'argocd-controller', { dryRun: true });
    expect(immutable.status).toBe(422);
    expect(statusMessage(immutable)).toMatch(/spec.selector: Invalid value: .*field is immutable/);
  });

  test('scaling the backend beyond the quota leaves pods rejected with the quota message', async () => {
    const beyond = env.platform.quota.pods + 5;
    const scaled = await cp.client.mergePatch('apps/v1', 'Deployment', 'backend', 'demo', { spec: { replicas: beyond } });
    expect(scaled.status).toBe(200);
    const message = await eventually('ReplicaFailure on the backend ReplicaSet', async () => {
      const sets = (await cp.client.list('apps/v1', 'ReplicaSet', 'demo', 'app=backend')).body.items as any[];
      const failure = sets.flatMap((rs) => rs.status?.conditions ?? []).find((c: any) => c.type === 'ReplicaFailure');
      return failure?.message as string | undefined;
    });
    expect(message).toMatch(/forbidden: exceeded quota: demo-quota/);
    // What the quota itself charges, not a pod listing: kwok may still list a pod the quota no longer counts
    // (finished, or past its deletion grace period), which made a count of the listing flaky.
    const quota = (await cp.client.get('v1', 'ResourceQuota', 'demo-quota', 'demo')).body.status;
    expect(Number(quota.hard.pods)).toBe(env.platform.quota.pods);
    expect(Number(quota.used.pods)).toBeLessThanOrEqual(env.platform.quota.pods);
  });
});

describe('the control plane is always torn down', () => {
  test('Ctrl-C on `npm run cluster -- up --foreground` stops every process it started', async () => {
    const { spawn } = await import('child_process');
    const child = spawn(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/cluster.ts', 'up', '--foreground'], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await eventually('the cluster to run', async () => (out.includes('Ctrl-C stops it') ? true : undefined), 120);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exited).toBe(130);
    const pids = [...out.matchAll(/started \S+ \(pid (\d+)\)/g)].map((m) => Number(m[1]));
    expect(pids.length).toBe(5);
    await eventually('every process gone', async () => (pids.every((pid) => !isAlive(pid)) ? true : undefined), 10);
    expect(fs.existsSync(/kubeconfig (\S+)\/kubeconfig/.exec(out)![1])).toBe(false);
  }, 180_000);

  test('a missing binary is named in one line with how to build it', () => {
    const links = tempDir('no-tools-');
    const result = spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/cluster.ts', 'up', '--foreground'], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, KPP_TOOLS_LINK_DIR: links, KPP_TOOLS_CACHE: links, PATH: path.dirname(process.execPath) },
    });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'cluster: error: etcd is missing or broken (Go is not installed; install Go 1.26 or newer (https://go.dev/dl/) to build etcd v3.6.6); build it with: npm run tools -- etcd',
    );
  });
});
