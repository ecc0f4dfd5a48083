import { spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { forEachAtMost } from '../tools/concurrency';
import { E2eReport } from './gitops-scenarios';
import { projectRoot } from '../../lib/project';

/**
 * `npm run e2e` for several environments, each in its own process and control
 * plane, a fixed number at a time: what the e2e test runs, and what the
 * benchmark times.
 */

const ROOT = projectRoot();

/**
 * How many environments run at once. One: a run is CPU-bound (Argo CD reloads
 * the cluster's OpenAPI document on each of about 200 CRD events, and the API
 * server rebuilds it each time), so two at once on 2 cores made each run more
 * than twice as slow. Measured in one sitting, all 4 environments: 1021 s two
 * at a time, 851 s one at a time.
 */
export const E2E_PARALLEL_RUNS = 1;

export interface E2eRun {
  readonly env: string;
  readonly code: number | null;
  /** The report the run wrote; missing when it stopped before writing one. */
  readonly report?: E2eReport;
  /** Everything it printed, kept in `<reports>/e2e-<env>.txt` as well. */
  readonly output: string;
  readonly seconds: number;
}

/** One `npm run e2e -- --env <env>`, stopped with its parent (stdin closes). */
export function runE2eProcess(env: string, reports: string): Promise<E2eRun> {
  fs.mkdirSync(reports, { recursive: true });
  const json = path.join(reports, `e2e-${env}.json`);
  fs.rmSync(json, { force: true });
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/e2e.ts', '--env', env, '--json', json, '--stop-with-stdin'],
      { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let output = '';
    let pending = '';
    // Each line as it happens, for whoever waits on the run (the e2e test, the benchmark); the child's own heartbeat
    // (verify/engines/heartbeat.ts) keeps the gaps under 30 s.
    const onData = (d: Buffer) => {
      output += d.toString();
      const lines = (pending + d.toString()).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) process.stderr.write(`e2e ${env} | ${line}\n`);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      fs.writeFileSync(path.join(reports, `e2e-${env}.txt`), output);
      const report = fs.existsSync(json) ? (JSON.parse(fs.readFileSync(json, 'utf8')) as E2eReport) : undefined;
      resolve({ env, code, output, seconds: (Date.now() - started) / 1000, ...(report ? { report } : {}) });
    });
  });
}

/** Every environment, `parallel` at a time, in the order given. */
export async function runE2eProcesses(envs: readonly string[], reports: string, parallel = E2E_PARALLEL_RUNS): Promise<Map<string, E2eRun>> {
  const runs = new Map<string, E2eRun>();
  await forEachAtMost(envs, parallel, async (env) => {
    runs.set(env, await runE2eProcess(env, reports));
  });
  return runs;
}
