import * as path from 'path';
import { E2eRun, runE2eProcesses } from '../engines/e2e-runs';
import { formatReport } from '../engines/gitops-scenarios';
import { isAlive } from '../engines/control-plane';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../config';
import { render, ROOT } from './helpers';

/**
 * The user's loop on a real Argo CD: `npm run e2e` for every environment,
 * E2E_PARALLEL_RUNS at a time, each in its own control plane; the report is
 * what Argo CD and the API server said. The tables are kept in .build/reports/
 * whether or not it passes. `npm run bench -- --e2e` times the same runs.
 */
const ENVS = ENVIRONMENT_NAMES;
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
        'push',
        'selfHeal',
        // The README's pause recipe, where the seed's exercises run.
        ...(ENVIRONMENTS[env].features.light ? ['pause (README recipe for seed 4-1 and 6-2)'] : []),
        'prune',
        'bad commit',
        'locked default project',
        'upstream chart value',
      ]);
      expect(runs.get(env)!.code).toBe(0);
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

    test('no process of the run is left', () => {
      expect(get().pids.filter(isAlive)).toEqual([]);
    });
  });
});
