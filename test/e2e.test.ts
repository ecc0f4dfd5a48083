import * as path from 'path';
import { E2eRun, runE2eProcesses } from '../verify/engines/e2e-runs';
import { AUTOMATIC_ROLLBACK_LAB, formatReport } from '../verify/engines/gitops-scenarios';
import { isAlive } from '../verify/engines/control-plane';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../config/environments';
import { render, ROOT } from './helpers';
import { EXERCISES } from '../verify/exercises/catalog';

/**
 * The user's loop on a real Argo CD: `npm run e2e` for every environment,
 * E2E_PARALLEL_RUNS at a time, each in its own control plane; the report is
 * what Argo CD and the API server said. The tables are kept in .build/reports/
 * whether or not it passes. `npm run bench -- --e2e` times the same runs.
 */
const ENVS = ENVIRONMENT_NAMES;
/** The exercises an environment's e2e runs: every one of its lab. */
const exercisesOf = (env: string) => EXERCISES.filter((e) => e.labs.includes(env)).map((e) => e.id);
/** ... and those it also breaks: the ones whose first lab it is. */
const breaksOf = (env: string) => EXERCISES.filter((e) => e.labs[0] === env).map((e) => e.id);
/** Exercises with no seeded break: only a DaemonSet's controller judges them here (2-2, 4-2), and no config of ours changes that. */
const NO_BREAK = ['2-2', '4-2'];
const REPORTS = path.join(ROOT, '.build', 'reports');

describe('a real Argo CD syncs the App-of-Apps from a git push', () => {
  let runs = new Map<string, E2eRun>();

  beforeAll(async () => {
    runs = await runE2eProcesses(ENVS, REPORTS);
  }, 3_600_000);

  describe.each(ENVS.map((e) => [e]))('%s', (env) => {
    const get = () => {
      const run = runs.get(env)!;
      if (!run.report)
        throw new Error(`npm run e2e -- --env ${env} wrote no report (exit ${run.code}): ${run.output.split('\n').slice(-5).join(' | ')}`);
      return run.report;
    };

    test('every scenario passes, as the report says with its evidence', () => {
      const report = get();
      expect(report.scenarios.filter((s) => !s.ok).map((s) => `${s.name}: ${s.detail}`)).toEqual([]);
      expect(report.scenarios.map((s) => s.name.split(':')[0])).toEqual([
        'bootstrap',
        'waves',
        'Constraints are created after Gatekeeper generated their CRDs from the templates',
        // The seed's exercises of this lab, then each under its seeded break.
        ...(exercisesOf(env).length > 0 ? [`seed exercises ${exercisesOf(env).join(', ')}`] : []),
        ...(breaksOf(env).length > 0 ? ['seeded breaks'] : []),
        'push',
        'selfHeal',
        'prune',
        'bad commit',
        'default project',
        ...(env === AUTOMATIC_ROLLBACK_LAB ? ['automatic rollback'] : []),
        'upstream chart value',
      ]);
      expect(runs.get(env)!.code).toBe(0);
    });

    test('the run streams its progress: no gap over 30 s between its lines, and each scenario line as it ends', () => {
      const output = runs.get(env)!.output;
      const stamps = [...output.matchAll(/^\[\s*([\d.]+) s\]/gm)].map((m) => Number(m[1]));
      const gaps = stamps.slice(1).map((t, i) => t - stamps[i]);
      // The heartbeat speaks after 20 s of quiet, looking every 5 s: at most 25 s, and 30 s with a busy event loop.
      expect(Math.max(...gaps)).toBeLessThanOrEqual(30);
      for (const s of get().scenarios) expect(output).toContain(`] ${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (`);
      process.stdout.write(`e2e ${env}: ${stamps.length} progress lines, the longest gap ${Math.max(...gaps).toFixed(1)} s\n`);
    });

    test('the root and one Application per enabled component of the environment are Synced and Healthy', () => {
      const report = get();
      const children = render(ENVIRONMENTS[env])
        .files.filter((f) => f.object.kind === 'Application' && f.component === 'apps')
        .map((f) => f.object.metadata.name);
      const expected = report.notes.some((n) => n.includes('outside the cluster'))
        ? children.filter((c) => !['mimir', 'loki', 'tempo'].includes(c))
        : children;
      expect(report.applications.map((a) => a.name).sort()).toEqual([...expected, `root-${report.variant}`].sort());
      expect(report.applications.filter((a) => a.sync !== 'Synced' || a.health !== 'Healthy')).toEqual([]);
      // The table's cache line is read from Argo CD's log: a changed log message fails here instead of printing a silent zero.
      expect(report.argoCdCache.crdEvents).toBeGreaterThan(0);
      process.stdout.write(formatReport(report));
    });

    test("the seed's exercises show what the seed says where this cluster can judge, and fail under their seeded breaks", () => {
      const report = get();
      expect(report.exercises.map((r) => r.id)).toEqual(exercisesOf(env));
      expect(report.exercises.filter((r) => r.outcome === 'fail').map((r) => r.id)).toEqual([]);
      // A step only traffic can judge is never passed: Cilium's engine and the mesh judge its connection by policy
      // (and a contradiction fails it), or it is reported as needing a dataplane.
      for (const r of report.exercises)
        for (const step of r.steps)
          expect({ step: step.number, outcome: step.outcome }).toEqual({
            step: step.number,
            outcome: step.judge === 'a dataplane' ? (step.outcome === 'policy' ? 'policy' : 'needs a dataplane') : 'pass',
          });
      // Cilium's engine and the mesh decide some steps in every lab that runs exercises (stg and prod run none).
      const byPolicy = report.exercises.flatMap((r) => r.steps).filter((st) => st.outcome === 'policy').length;
      expect(byPolicy > 0).toBe(exercisesOf(env).length > 0);
      const broken = report.exerciseBreaks.flatMap((b) => b.results.map((r) => ({ what: b.what, id: r.id, outcome: r.outcome })));
      expect(broken.filter((b) => b.outcome !== 'fail')).toEqual([]);
      // Every exercise judged here, and first run in this lab, has a break that makes it fail.
      const judgedHere = report.exercises.filter((r) => breaksOf(env).includes(r.id) && r.steps.some((st) => st.outcome === 'pass')).map((r) => r.id);
      expect(judgedHere.filter((id) => !broken.some((b) => b.id === id && b.outcome === 'fail'))).toEqual(
        judgedHere.filter((id) => NO_BREAK.includes(id)),
      );
    });

    test('no process of the run is left', () => {
      expect(get().pids.filter(isAlive)).toEqual([]);
    });
  });
});
