import { GATEWAY_STAND_IN_NOTE } from './dataplane-stand-ins';
import { onLoopback, startAlertmanager } from './alertmanager';
import { startRollbackReceiver } from '../../ops/receiver';
import { kubernetesPercentAt } from '../../config/migration-state';
import { dcServiceName } from '../../lib/traffic';
import { UPSTREAM_SERVICES } from '../../lib/upstream';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { HelmChartSource, UPSTREAM_COMPONENTS } from '../../argocd/upstream-components';
import { Override } from '../../config/define';
import { EnvironmentConfig } from '../../config';
import { ENVIRONMENTS } from '../../config/environments';
import { NAMESPACES } from '../../lib/namespaces';
import { toolPath } from '../tools/tool-path';
import { toYaml } from '../../lib/yaml';
import { locateChart } from './charts';
import { AppStatus, GitOpsLab } from './gitops';
import { EXERCISES } from '../exercises/catalog';
import { exerciseParams, ExerciseResult, firstFailure, formatExerciseReport, RunOptions, runExercise } from '../exercises/runner';
import { EXERCISE_BREAKS } from './exercise-breaks';
import { projectRoot } from '../../lib/project';

/**
 * The scenarios of the user's loop on a real Argo CD, each a check with the
 * evidence it rests on: bootstrap in wave order, a pushed config change, self
 * heal, prune, a commit the API server rejects, and an upstream chart change.
 */

const ROOT = projectRoot();

/** The lab that runs the automatic rollback through Argo CD: the Kind lab, whose receiver sits beside the clone Argo CD reads. */
export const AUTOMATIC_ROLLBACK_LAB = 'dev';

/** How long every Application must stay Synced and Healthy once the bootstrap reached it. */
const BOOTSTRAP_HOLD_SECONDS = 20;

export interface AppRow {
  readonly name: string;
  readonly wave: number;
  readonly sync: string;
  readonly health: string;
  /** Seconds from the root Application's creation to this Application's creation. */
  readonly createdAfter: number;
  /** Seconds from the root Application's creation until this one was first Healthy (what the next wave waits for). */
  readonly healthyAfter?: number;
  /** ... and until it was first Synced and Healthy. */
  readonly readyAfter?: number;
}

/** The CRD events Argo CD's cluster cache handled in the bootstrap, from its log (second resolution). */
export interface ArgoCdCacheLag {
  /** Until every Application was first Synced and Healthy. */
  readonly crdEvents: number;
  /** Seconds from the root Application's creation to the last of those. */
  readonly lastCrdEventAfter?: number;
  /** While the bootstrap then holds (a generated Constraint CRD, a re-applied one). */
  readonly crdEventsAfterReady: number;
}

export interface ScenarioResult {
  readonly name: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly detail: string;
}

export interface E2eReport {
  readonly env: string;
  readonly variant: string;
  readonly reconciliationTimeout: string;
  /** Why the variant differs from the environment beyond its sources, if it does. */
  readonly notes: readonly string[];
  readonly bootstrapSeconds: number;
  /** Argo CD's cluster cache in the bootstrap: the CRD events it handled, and when the last one was handled. */
  readonly argoCdCache: ArgoCdCacheLag;
  readonly applications: readonly AppRow[];
  readonly scenarios: readonly ScenarioResult[];
  /** The seed's exercises that run in this environment's lab, on this cluster, with no dataplane. */
  readonly exercises: readonly ExerciseResult[];
  /** The same exercises under their seeded breaks, each of which must fail. */
  readonly exerciseBreaks: ReadonlyArray<{ readonly what: string; readonly results: readonly ExerciseResult[] }>;
  /** Every process the run started, by PID, for the caller to check that none is left. */
  readonly pids: readonly number[];
}

/** `name Sync/Health (Argo CD's message)`, as failure messages name an Application. */
const appState = (a: AppStatus) => `${a.name} ${a.sync}/${a.health}${a.message ? ` (${a.message})` : ''}`;

const allGood = (apps: readonly AppStatus[]) => apps.length > 1 && apps.every((a) => a.sync === 'Synced' && a.health === 'Healthy');

/** The e2e variant's own settings: a short reconciliation, and what the offline mirror cannot serve replaced. */
function variantSettings(base: EnvironmentConfig): { override: Override<EnvironmentConfig>; notes: string[] } {
  const notes: string[] = [];
  const override: { upstream: Override<EnvironmentConfig['upstream']>; observability?: Override<EnvironmentConfig['observability']> } = {
    upstream: { argocdReconciliationTimeout: '10s' },
  };
  const mimir = UPSTREAM_COMPONENTS.find((u) => u.name === 'mimir')!.source as HelmChartSource;
  if (base.observability.backends.location === 'in-cluster' && !locateChart(mimir, toolPath(ROOT, 'helm')).ok) {
    override.observability = {
      backends: {
        location: 'external',
        mimir: 'http://mimir.example.invalid',
        loki: 'http://loki.example.invalid',
        tempoOtlpGrpc: 'tempo.example.invalid:4317',
        tempoQuery: 'http://tempo.example.invalid',
      },
    };
    notes.push(
      `Mimir's chart (${mimir.chart} ${mimir.version}) is not in the chart mirror, so this variant keeps the LGTM backends outside the cluster, as prod does`,
    );
  }
  return { override, notes };
}

/** `lab.waitFor`, and on a timeout the state of every Application that is not there, with Argo CD's message. */
async function waitOrExplain<T>(lab: GitOpsLab, what: string, probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
  try {
    return await lab.waitFor(what, probe, seconds);
  } catch (error) {
    const behind = (await lab.applications()).filter((a) => a.sync !== 'Synced' || a.health !== 'Healthy');
    throw new Error(`${(error as Error).message}; not there: ${behind.map(appState).join('; ') || 'none'}`, { cause: error });
  }
}

/** Where `npm run e2e -- --until` stops: the first child the root created (Argo CD reads git and applies), or the root Synced. */
export type E2eStop = 'first-application' | 'root-synced';
export const E2E_STOPS: readonly E2eStop[] = ['first-application', 'root-synced'];

/**
 * The bootstrap alone, up to `until`: a quick proof that every tool starts and Argo CD reads the clone's git. The first
 * child is created once the repo-server has rendered the root from git and the controller applied it.
 */
export async function runUntil(
  baseName: string,
  until: E2eStop,
  log: (line: string) => void = () => undefined,
): Promise<{ what: string; seconds: number }> {
  const { override } = variantSettings(ENVIRONMENTS[baseName]);
  const started = Date.now();
  const lab = await GitOpsLab.start({ base: baseName, override, log });
  try {
    const root = `root-${lab.name}`;
    const what = until === 'root-synced' ? `${root} Synced` : `${root} created its first child Application`;
    let reached = '';
    await waitOrExplain(
      lab,
      what,
      async () => {
        const apps = await lab.applications();
        if (until === 'root-synced') return apps.some((a) => a.name === root && a.sync === 'Synced') ? true : undefined;
        const child = apps.find((a) => a.name !== root);
        return child ? ((reached = child.name), true) : undefined;
      },
      300,
    );
    return { what: reached ? `${what} (${reached})` : what, seconds: (Date.now() - started) / 1000 };
  } finally {
    await lab.stop();
  }
}

export async function runE2e(baseName: string, log: (line: string) => void = () => undefined): Promise<E2eReport> {
  const base = ENVIRONMENTS[baseName];
  const { override: settings, notes } = variantSettings(base);
  const started = Date.now();
  const lab = await GitOpsLab.start({ base: baseName, override: settings, log });
  const scenarios: ScenarioResult[] = [];
  const scenario = scenarioRunner(scenarios, log);
  const exercises: ExerciseResult[] = [];
  const exerciseBreaks: Array<{ what: string; results: ExerciseResult[] }> = [];
  let applications: AppRow[] = [];
  let argoCdCache: ArgoCdCacheLag = { crdEvents: 0, crdEventsAfterReady: 0 };
  try {
    const readyAt = new Map<string, number>();
    const healthyAt = new Map<string, number>();
    const root = `root-${lab.name}`;
    const rootCreated = () => lab.applications().then((apps) => apps.find((a) => a.name === root)?.created ?? started);
    const bootstrap = await scenario('bootstrap: the root and every child reach Synced and Healthy', async () => {
      await waitOrExplain(
        lab,
        'every Application Synced and Healthy',
        async () => {
          const apps = await lab.applications();
          for (const a of apps) {
            if (a.health === 'Healthy' && !healthyAt.has(a.name)) healthyAt.set(a.name, Date.now());
            if (a.sync === 'Synced' && a.health === 'Healthy' && !readyAt.has(a.name)) readyAt.set(a.name, Date.now());
          }
          return allGood(apps) && apps.length === expectedApplications(lab) ? apps : undefined;
        },
        600,
      );
      // ... and stay there. Polled as often as the settle wait, so that a child's brief dip is seen, not only the root's echo of it.
      const deadline = Date.now() + BOOTSTRAP_HOLD_SECONDS * 1000;
      const dips: string[] = [];
      while (Date.now() < deadline) {
        const apps = await lab.applications();
        for (const a of apps) if (a.sync !== 'Synced' || a.health !== 'Healthy') dips.push(appState(a));
        await new Promise((r) => setTimeout(r, 500));
      }
      if (dips.length > 0)
        throw new Error(
          `not stable: ${[...new Set(dips)].join(', ')}; ${(await lab.unhealthyEvidence()).join('; ') || 'no Constraint or workload reports a problem now'}`,
        );
      return `${(await lab.applications()).length} Applications Synced and Healthy, and still so ${BOOTSTRAP_HOLD_SECONDS} s later`;
    });
    const t0 = await rootCreated();
    const allReady = Math.max(0, ...readyAt.values());
    const crdEvents = lab.argoCdCrdEvents();
    const untilReady = crdEvents.filter((t) => t <= allReady);
    argoCdCache = {
      crdEvents: untilReady.length,
      ...(untilReady.length > 0 ? { lastCrdEventAfter: Math.max(0, (Math.max(...untilReady) - t0) / 1000) } : {}),
      crdEventsAfterReady: crdEvents.length - untilReady.length,
    };
    const snapshot = await lab.applications();
    applications = snapshot.map((a) => ({
      name: a.name,
      wave: a.wave,
      sync: a.sync,
      health: a.health,
      createdAfter: Math.max(0, (a.created - t0) / 1000),
      ...(healthyAt.has(a.name) ? { healthyAfter: (healthyAt.get(a.name)! - t0) / 1000 } : {}),
      ...(readyAt.has(a.name) ? { readyAfter: (readyAt.get(a.name)! - t0) / 1000 } : {}),
    }));
    if (!bootstrap) return report();

    await scenario('waves: each wave is created only after every earlier wave is Healthy', async () => {
      const children = applications.filter((a) => a.name !== root);
      const late: string[] = [];
      for (const app of children) {
        const earlier = children.filter((c) => c.wave < app.wave);
        const lastEarlier = Math.max(0, ...earlier.map((c) => c.healthyAfter ?? Infinity));
        // Creation times have one-second resolution; health is polled every half second.
        if (app.createdAfter + 1.5 < lastEarlier)
          late.push(
            `${app.name} (wave ${app.wave}) created at ${app.createdAfter}s, before an earlier wave was Healthy (${lastEarlier.toFixed(1)}s)`,
          );
      }
      if (late.length > 0) throw new Error(late.join('; '));
      return `${new Set(children.map((c) => c.wave)).size} waves in order`;
    });

    await scenario('Constraints are created after Gatekeeper generated their CRDs from the templates', async () => {
      await lab.cp.client.discover();
      const constraints = (await lab.cp.client.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).body.items.filter(
        (c: any) => c.spec.group === 'constraints.gatekeeper.sh',
      );
      const order: string[] = [];
      for (const crd of constraints) {
        const kind = crd.spec.names.kind;
        const items = (await lab.cp.client.list(`constraints.gatekeeper.sh/v1beta1`, kind)).body.items as any[];
        if (crd.metadata.ownerReferences?.[0]?.kind !== 'ConstraintTemplate')
          throw new Error(`${crd.metadata.name} was not created by Gatekeeper from a template`);
        for (const c of items) {
          if (Date.parse(c.metadata.creationTimestamp) < Date.parse(crd.metadata.creationTimestamp))
            throw new Error(`${kind}/${c.metadata.name} exists before its CRD`);
          order.push(`${kind}/${c.metadata.name}`);
        }
      }
      if (order.length === 0) throw new Error('no Constraints');
      return `${order.length} Constraints, each after the CRD Gatekeeper generated (owner: its ConstraintTemplate)`;
    });

    let current: Override<EnvironmentConfig> = {};
    const push = async (change: Override<EnvironmentConfig>, message: string) => {
      current = merge(current, change);
      const pushed = await lab.push(merge(settings, current), message);
      await lab.refresh();
      return pushed;
    };
    const deployment = async (ns: string, name: string) => (await lab.cp.client.get('apps/v1', 'Deployment', name, ns)).body;

    // The seed's exercises on this cluster, before any scenario changes it, as the user meets the lab: every one
    // this lab runs. Their seeded breaks run in the first lab each lists only: the labs differ only in the mesh,
    // and each break costs a push and a sync.
    const mine = EXERCISES.filter((e) => e.labs.includes(baseName));
    const breakHere = (id: string) => EXERCISES.find((e) => e.id === id)?.labs[0] === baseName;
    if (mine.length > 0) {
      const repoURL = (await lab.cp.client.get('argoproj.io/v1alpha1', 'Application', root, NAMESPACES.argocd)).body.spec.source.repoURL as string;
      // Every Application that reads this repository has compared the pushed commit (the root alone may be there
      // before its children are refreshed), and all are Synced and Healthy.
      const syncedAt = async (revision: string) => {
        const ours = (await lab.applicationObjects()).filter((a) => a.spec?.source?.repoURL === repoURL);
        return ours.length > 1 && ours.every((a) => a.status?.sync?.revision === revision) && allGood(await lab.applications()) ? true : undefined;
      };
      const helmHome = path.join(lab.root, 'helm-home');
      const options: RunOptions = {
        params: {
          ...exerciseParams(base),
          ENV: lab.name,
          ROOT_APP: root,
          // The guestbook of argocd-example-apps is out of reach offline: the same two objects from this clone.
          GUESTBOOK_REPO: repoURL,
          GUESTBOOK_PATH: 'test/fixtures/argocd-example-apps/guestbook',
          CHART_REPO: repoURL,
        },
        tools: { kubectl: toolPath(ROOT, 'kubectl'), helm: toolPath(ROOT, 'helm'), curl: 'curl' },
        kubeconfig: lab.cp.kubeconfig,
        env: { HELM_CACHE_HOME: `${helmHome}/cache`, HELM_CONFIG_HOME: `${helmHome}/config`, HELM_DATA_HOME: `${helmHome}/data` },
        dataplane: false,
        // The seed's commands name the clone's paths (lab/...): they run where the reader runs them.
        cwd: lab.work,
        // No packet moves here: each curl of the seed is judged by Cilium's engine and the mesh on the cluster as it is.
        judgeConnection: (connection) => lab.connections.judgeStep(connection),
        log: (line) => log(`exercise: ${line}`),
      };
      await scenario(
        `seed exercises ${mine.map((e) => e.id).join(', ')}: the seed's outcomes where the control plane, Gatekeeper, Argo CD or Helm decides`,
        async () => {
          for (const exercise of mine) {
            log(`exercise ${exercise.id}: ${exercise.title}`);
            exercises.push(await runExercise(exercise, options));
          }
          const failed = exercises.filter((r) => r.outcome === 'fail');
          if (failed.length > 0)
            throw new Error(
              failed
                .map(
                  (r) =>
                    `${r.id} ${r.steps
                      .filter((st) => st.outcome === 'fail')
                      .map((st) => `${st.number} ${st.says}: ${st.saw}`)
                      .join('; ')}`,
                )
                .join(' | '),
            );
          const waiting = exercises.reduce((n, r) => n + r.steps.filter((st) => st.outcome === 'needs a dataplane').length, 0);
          return `${exercises.length} exercises pass where judged here; ${waiting} steps need a dataplane and are reported, not run`;
        },
      );

      const breaks = EXERCISE_BREAKS.filter((b) => b.ids.some(breakHere));
      if (breaks.length > 0)
        await scenario(`seeded breaks: each exercise fails when what it shows is broken (${breaks.length} breaks)`, async () => {
          const configBreaks = breaks.filter((b) => b.config);
          const broken = configBreaks.reduce<Override<EnvironmentConfig>>((all, b) => merge(all, b.config), {});
          // Broken files the breaks give the reader (a chart, a policy file), committed with the broken config.
          const cloneFiles = breaks.flatMap((b) => Object.entries(b.intoClone?.(lab.work) ?? {}));
          for (const [file, content] of cloneFiles) {
            fs.mkdirSync(path.dirname(path.join(lab.work, file)), { recursive: true });
            fs.writeFileSync(path.join(lab.work, file), content);
          }
          const pushed = await push(broken, `seeded breaks: ${breaks.map((b) => b.what).join('; ')}`);
          await waitOrExplain(lab, 'the broken config Synced and Healthy', () => syncedAt(pushed.revision), 300);
          const passed: string[] = [];
          for (const b of breaks) {
            const results: ExerciseResult[] = [];
            for (const exercise of mine.filter((e) => b.ids.includes(e.id) && breakHere(e.id))) {
              log(`exercise ${exercise.id} under a seeded break: ${b.what}`);
              const run = await runExercise(b.exercise ? b.exercise(exercise) : exercise, {
                ...options,
                params: { ...options.params, ...b.params },
                maxWithin: 10,
                // A broken run must fail fast: a wait that would take its own two minutes is cut at 30 s.
                commandTimeout: 30,
              });
              results.push(run);
              if (run.outcome !== 'fail') passed.push(`${exercise.id} passed under '${b.what}'`);
            }
            exerciseBreaks.push({ what: b.what, results });
          }
          // Back to the config as synth renders it, every Application Synced again.
          for (const [file] of cloneFiles) fs.rmSync(path.join(lab.work, file), { force: true });
          const restored = await push(
            configBreaks.reduce<Override<EnvironmentConfig>>((all, b) => merge(all, undoOf(b.config!, base)), {}),
            'revert the seeded breaks',
          );
          await waitOrExplain(lab, 'the restored config Synced and Healthy', () => syncedAt(restored.revision), 300);
          if (passed.length > 0) throw new Error(passed.join('; '));
          const where = exerciseBreaks.flatMap((b) => b.results.map((r) => `${r.id} at ${firstFailure(r)?.number ?? '?'}`));
          return `every exercise failed under its break: ${where.join(', ')}`;
        });
    }

    const replicas = base.demo.backend.replicas + 1;
    await scenario(`push: backend replicas ${base.demo.backend.replicas} -> ${replicas} reaches the cluster`, async () => {
      const pushed = await push({ demo: { backend: { replicas } } }, 'scale the backend');
      const seconds = await lab.waitFor(
        'the new revision Synced with the new replica count',
        async () => {
          const demo = (await lab.applications()).find((a) => a.name === 'demo')!;
          return demo.revision === pushed.revision &&
            demo.sync === 'Synced' &&
            (await deployment(NAMESPACES.demo, 'backend')).spec.replicas === replicas
            ? (Date.now() - pushed.pushedAt) / 1000
            : undefined;
        },
        120,
      );
      return `Deployment ${NAMESPACES.demo}/backend has ${replicas} replicas; push to Synced in ${seconds.toFixed(1)} s (refresh requested on push, as a git webhook does; reconciliation every ${settings.upstream?.argocdReconciliationTimeout})`;
    });

    await scenario('selfHeal: a hand scale of the backend is reverted', async () => {
      const scaled = Date.now();
      await lab.cp.client.mergePatch('apps/v1', 'Deployment', 'backend', NAMESPACES.demo, { spec: { replicas: 1 } });
      const seconds = await lab.waitFor(
        'selfHeal',
        async () => ((await deployment(NAMESPACES.demo, 'backend')).spec.replicas === replicas ? (Date.now() - scaled) / 1000 : undefined),
        120,
      );
      return `scaled to 1 by hand, back to ${replicas} in ${seconds.toFixed(1)} s`;
    });

    // Where the reader applies the backend's policies, no child holds them: the lab prunes the UIs without a login instead.
    const pruned =
      base.security.backendPolicies.appliedBy === 'reader'
        ? {
            change: { security: { exposure: { unauthenticatedUis: false } } },
            // Kong Manager's Service goes with them: the Kong chart publishes it only where UIs without a login are allowed.
            gone: [
              `HTTPRoute ${NAMESPACES.kubeSystem}/hubble-ui`,
              `KongPlugin ${NAMESPACES.kubeSystem}/tracing-hubble-ui`,
              `Service ${UPSTREAM_SERVICES.kongManager.namespace}/${UPSTREAM_SERVICES.kongManager.name}`,
            ],
            what: 'the UIs without a login unpublished',
          }
        : base.security.backendL7Policy
          ? {
              change: { security: { backendL7Policy: false } },
              gone: [`CiliumNetworkPolicy ${NAMESPACES.demo}/backend-l7-http-policy`],
              what: 'the L7 policy off',
            }
          : {
              change: { security: { backendL3L4Policy: false } },
              gone: [`Application ${NAMESPACES.argocd}/network-policies`, `CiliumNetworkPolicy ${NAMESPACES.demo}/backend-allow-frontend-only`],
              what: 'the L3/L4 policy off',
            };
    await scenario(`prune: ${pruned.what} deletes exactly ${pruned.gone.join(' and ')}`, async () => {
      const before = await managedObjects(lab);
      await push(pruned.change as Override<EnvironmentConfig>, pruned.what);
      await lab.waitFor(
        'the pruned objects gone and everything Synced',
        async () => {
          const now = await managedObjects(lab);
          return pruned.gone.every((o) => !now.has(o)) && allGood(await lab.applications()) ? true : undefined;
        },
        180,
      );
      const now = await managedObjects(lab);
      const gone = [...before].filter((o) => !now.has(o)).sort();
      if (JSON.stringify(gone) !== JSON.stringify([...pruned.gone].sort()))
        throw new Error(`deleted ${gone.join(', ') || 'nothing'}, expected ${pruned.gone.join(', ')}`);
      for (const o of gone.filter((x) => x.startsWith('CiliumNetworkPolicy'))) {
        const [, ns, name] = /CiliumNetworkPolicy (\S+)\/(\S+)/.exec(o)!;
        if ((await lab.cp.client.get('cilium.io/v2', 'CiliumNetworkPolicy', name, ns)).status !== 404)
          throw new Error(`${o} still in the API server`);
      }
      return `deleted ${gone.join(', ')}; ${now.size} other managed objects untouched`;
    });

    await scenario('bad commit: an object the API server rejects fails the sync with its message; the old objects stay', async () => {
      const before = await deployment(NAMESPACES.demo, 'backend');
      const file = lab.distFile('demo/deployment-backend.yaml');
      const object = YAML.parse(fs.readFileSync(file, 'utf8'));
      // A hand edit of dist/ that changes the immutable selector, the kind of commit CI's --check would stop.
      object.spec.selector.matchLabels.tier = 'api';
      object.spec.template.metadata.labels.tier = 'api';
      fs.writeFileSync(file, toYaml(object));
      const pushed = lab.commitAndPush('a hand edit that changes the backend selector');
      await lab.refresh();
      const message = await lab.waitFor(
        'the demo sync to fail with the server message',
        async () => {
          const demo = (await lab.applications()).find((a) => a.name === 'demo')!;
          return demo.revision === pushed.revision && demo.sync === 'OutOfSync' && /field is immutable/.test(demo.message ?? '')
            ? demo.message
            : undefined;
        },
        180,
      );
      const after = await deployment(NAMESPACES.demo, 'backend');
      if (JSON.stringify(after.spec.selector) !== JSON.stringify(before.spec.selector) || after.metadata.generation !== before.metadata.generation)
        throw new Error('the live Deployment changed');
      // Put git back as synth renders it.
      await push({}, 'revert the hand edit');
      await lab.waitFor(
        'demo Synced again',
        async () => ((await lab.applications()).find((a) => a.name === 'demo')?.sync === 'Synced' ? true : undefined),
        180,
      );
      return `${(message ?? '').replace(/\s+/g, ' ').slice(0, 240)}; Deployment ${NAMESPACES.demo}/backend unchanged (generation ${after.metadata.generation})`;
    });

    await scenario("default project: a child moved to 'default' is refused by Argo CD; its objects stay", async () => {
      const before = await deployment(NAMESPACES.demo, 'backend');
      const file = lab.distFile('apps/application-demo.yaml');
      const object = YAML.parse(fs.readFileSync(file, 'utf8'));
      // A hand edit of dist/ that puts a child in the project Argo CD creates unrestricted, and we lock (or, in the lab, open to the exercises only).
      object.spec.project = 'default';
      fs.writeFileSync(file, toYaml(object));
      lab.commitAndPush('a hand edit that moves demo to the default project');
      await lab.refresh();
      const refusal = await lab.waitFor(
        "Argo CD to refuse demo in project 'default'",
        async () => {
          const demo = (await lab.cp.client.get('argoproj.io/v1alpha1', 'Application', 'demo', NAMESPACES.argocd)).body;
          if (demo.spec.project !== 'default') return undefined;
          const messages = ((demo.status?.conditions ?? []) as Array<{ type: string; message: string }>)
            .filter((c) => c.type === 'InvalidSpecError')
            .map((c) => c.message);
          // Locked, 'default' permits no source; in the lab it permits the exercises' sources but not the demo namespace.
          return messages.find((m) => /not permitted in project 'default'|do not match any of the allowed destinations in project 'default'/.test(m));
        },
        180,
      );
      const after = await deployment(NAMESPACES.demo, 'backend');
      if (after.metadata.generation !== before.metadata.generation) throw new Error('the live Deployment changed');
      await push({}, 'revert the hand edit');
      await lab.waitFor(
        'demo Synced again in its own project',
        async () => ((await lab.applications()).find((a) => a.name === 'demo')?.sync === 'Synced' ? true : undefined),
        180,
      );
      return `${refusal.replace(/\s+/g, ' ').slice(0, 200)}; Deployment ${NAMESPACES.demo}/backend unchanged (generation ${after.metadata.generation})`;
    });

    // Seed 10-3's automatic rollback (AUTOMATIC_ROLLBACK_LAB).
    const migrating = base.demo.migration.find((m) => (kubernetesPercentAt(m.stage) ?? 0) > 0);
    if (baseName === AUTOMATIC_ROLLBACK_LAB && migrating && base.observability.rollbackReceiver)
      await scenario(
        `automatic rollback: a firing rollback alert goes through the real Alertmanager to the receiver, whose commit Argo CD syncs: HTTPRoute ${NAMESPACES.demo}/demo-api at DC 100, Kubernetes 0`,
        async () => {
          const route = async () =>
            (
              (await lab.cp.client.get('gateway.networking.k8s.io/v1', 'HTTPRoute', 'demo-api', NAMESPACES.demo)).body.spec.rules[0]
                .backendRefs as Array<{
                name: string;
                weight: number;
              }>
            )
              .map((r) => `${r.name}=${r.weight}`)
              .join(', ');
          const before = await route();
          let pushed: { revision: string; pushedAt: number } | undefined;
          // The token of the receiver's Secret, as setup.sh creates it; Alertmanager reads it from the file its http_config names.
          const credentials = path.join(lab.root, 'rollback-receiver');
          const token = randomBytes(24).toString('hex');
          fs.mkdirSync(credentials, { recursive: true, mode: 0o700 });
          fs.writeFileSync(path.join(credentials, 'token'), token, { mode: 0o600 });
          const receiver = await startRollbackReceiver({
            env: lab.name,
            token,
            migrating: () => base.demo.migration.map((m) => m.service),
            // The variant lives in memory (its sources are loopback servers), so its rollback is the same one-stage change,
            // rendered and pushed by the lab; `npm run rollback` writes it into config/migration-state.json instead.
            rollBack: async (service, reason) => {
              const migration = base.demo.migration.map((m) =>
                m.service === service ? { ...m, stage: { name: 'rolled-back' as const, reason } } : m,
              );
              pushed = await push({ demo: { migration } }, `rollback: ${service} in ${lab.name} back to the DC`);
              return `pushed ${pushed.revision.slice(0, 12)}`;
            },
            log: (line) => log(line),
          });
          const rendered = YAML.parse(fs.readFileSync(lab.distFile('alertmanager/configmap-alertmanager.yaml'), 'utf8')).data['alertmanager.yml'];
          const alertmanager = await startAlertmanager(
            toolPath(ROOT, 'alertmanager'),
            onLoopback(rendered, receiver.url, credentials),
            path.join(lab.root, 'alertmanager'),
          );
          try {
            await alertmanager.post([
              { labels: { alertname: 'RollbackErrorRateHigh', job: migrating.service, severity: 'critical', action: 'rollback' } },
            ]);
            const seconds = await lab.waitFor(
              `the rollback commit Synced, with ${NAMESPACES.demo}/demo-api at DC 100`,
              async () => {
                const demo = (await lab.applications()).find((a) => a.name === 'gateway');
                return pushed &&
                  demo?.revision === pushed.revision &&
                  demo.sync === 'Synced' &&
                  (await route()) === `${migrating.service}=0, ${dcServiceName(migrating.service)}=100`
                  ? (Date.now() - pushed.pushedAt) / 1000
                  : undefined;
              },
              120,
            );
            return `before: ${before}; after: ${await route()}; alert to commit through Alertmanager's group_wait, then push to Synced in ${seconds.toFixed(1)} s`;
          } finally {
            await alertmanager.stop();
            await receiver.idle();
            await receiver.close();
          }
        },
      );

    const gatekeeper = base.upstream.gatekeeperReplicas + 1;
    await scenario(
      `upstream chart value: Gatekeeper replicas ${base.upstream.gatekeeperReplicas} -> ${gatekeeper} reaches the rendered Deployment`,
      async () => {
        const pushed = await push({ upstream: { gatekeeperReplicas: gatekeeper } }, 'scale Gatekeeper');
        const seconds = await lab.waitFor(
          'the gatekeeper Deployment scaled',
          async () =>
            (await deployment(NAMESPACES.gatekeeper, 'gatekeeper-controller-manager')).spec.replicas === gatekeeper
              ? (Date.now() - pushed.pushedAt) / 1000
              : undefined,
          180,
        );
        return `Deployment ${NAMESPACES.gatekeeper}/gatekeeper-controller-manager has ${gatekeeper} replicas, ${seconds.toFixed(1)} s after the push`;
      },
    );
    return report();
  } finally {
    await lab.stop();
  }

  function report(): E2eReport {
    return {
      env: baseName,
      variant: lab.name,
      reconciliationTimeout: settings.upstream?.argocdReconciliationTimeout ?? base.upstream.argocdReconciliationTimeout,
      notes: [...notes, GATEWAY_STAND_IN_NOTE],
      bootstrapSeconds: scenarios[0]?.seconds ?? 0,
      argoCdCache,
      applications,
      scenarios,
      exercises,
      exerciseBreaks,
      pids: lab.cp.processes.map((p) => p.pid),
    };
  }
}

/** The child Applications the variant's render has, plus the root. */
function expectedApplications(lab: GitOpsLab): number {
  const dir = lab.distFile('apps');
  return fs.readdirSync(dir).filter((f) => f.startsWith('application-')).length + 1;
}

/** Every object Argo CD manages, as `Kind namespace/name`, from the Applications' status. */
async function managedObjects(lab: GitOpsLab): Promise<Set<string>> {
  const items = await lab.applicationObjects();
  const out = new Set<string>();
  // Hooks are not managed objects: Argo CD deletes them by their own delete policy, whenever their sync ends.
  for (const app of items)
    for (const r of app.status?.resources ?? []) if (!r.hook) out.add(`${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`);
  return out;
}

/**
 * Runs one scenario into `results`, and logs its report line as it ends: the run's log streams the
 * report instead of keeping it to the end.
 */
const scenarioRunner =
  (results: ScenarioResult[], log: (line: string) => void) =>
  async (name: string, run: () => Promise<string>): Promise<boolean> => {
    const started = Date.now();
    let result: ScenarioResult;
    try {
      result = { name, ok: true, seconds: (Date.now() - started) / 1000, detail: await run() };
    } catch (error) {
      result = { name, ok: false, seconds: (Date.now() - started) / 1000, detail: (error as Error).message };
    }
    results.push({ ...result, seconds: (Date.now() - started) / 1000 });
    log(formatScenario(results[results.length - 1]));
    return result.ok;
  };

const formatScenario = (s: ScenarioResult) => `${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds.toFixed(1)} s): ${s.detail}`;

/** The values of `base` at every leaf a break changed: pushing it puts the config back as synth renders it. */
function undoOf(change: unknown, base: unknown): unknown {
  if (!isObject(change)) return base;
  return Object.fromEntries(Object.keys(change).map((k) => [k, undoOf(change[k], (base as Record<string, unknown>)?.[k])]));
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
function merge<T>(a: T, b: unknown): T {
  if (!isObject(a) || !isObject(b)) return (b === undefined ? a : b) as T;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
  return out as T;
}

/** The CRD events until every Application was Synced and Healthy, and when the last was handled: the report's line and the bench's. */
export function cacheLagSummary(lag: ArgoCdCacheLag): string {
  return lag.lastCrdEventAfter === undefined
    ? "no CRD event found in the application controller's log"
    : `${lag.crdEvents} CRD events until every Application was Synced and Healthy, the last at ${lag.lastCrdEventAfter.toFixed(0)}s`;
}

export function formatReport(r: E2eReport): string {
  const lines = [`e2e ${r.env} (variant ${r.variant}, reconciliation ${r.reconciliationTimeout})`, ...r.notes.map((n) => `  note: ${n}`), ''];
  const t = (v?: number) => (v === undefined ? '-' : `${v.toFixed(1)}s`).padStart(8);
  lines.push(
    `  ${'Application'.padEnd(22)} ${'wave'.padStart(4)}  ${'sync'.padEnd(10)} ${'health'.padEnd(11)} ${'created'.padStart(8)} ${'healthy'.padStart(8)} ${'synced'.padStart(8)}`,
  );
  for (const a of r.applications)
    lines.push(
      `  ${a.name.padEnd(22)} ${String(a.wave).padStart(4)}  ${a.sync.padEnd(10)} ${a.health.padEnd(11)} ${t(a.createdAfter)} ${t(a.healthyAfter)} ${t(a.readyAfter)}`,
    );
  lines.push(
    '',
    `  Argo CD's cluster cache: ${cacheLagSummary(r.argoCdCache)} (each reloads the whole OpenAPI document under the cache's lock); ${r.argoCdCache.crdEventsAfterReady} more in the ${BOOTSTRAP_HOLD_SECONDS} s after`,
    '',
  );
  for (const s of r.scenarios) lines.push(`  ${formatScenario(s)}`);
  if (r.exercises.length > 0)
    lines.push('', `  The seed's exercises on this cluster (no dataplane):`, '', formatExerciseReport(r.exercises, EXERCISES));
  for (const b of r.exerciseBreaks)
    for (const e of b.results) {
      const failed = firstFailure(e);
      lines.push(`  break '${b.what}': ${e.id} ${e.outcome === 'fail' ? 'fails' : 'PASSES'} at ${failed?.number ?? '-'} (${failed?.saw ?? ''})`);
    }
  return `${lines.join('\n')}\n`;
}
