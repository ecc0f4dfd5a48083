/**
 * npm run bench [-- --runs 5] [--e2e] [--test-fast]
 * npm run bench -- --cold-tools [--tools <name,...>] [--fresh-modules]
 *
 * Every step of the loop in one run, each as a ratio to cdk8s's default app
 * command `npx ts-node main.ts` measured in the same run: synth as a process
 * for the registered environments, and in process for them and for 30 (27
 * generated from the typed registry in memory, never written), the hydration of the upstream charts cold (empty render cache)
 * and warm, a control plane to /readyz, and with --e2e the GitOps scenarios
 * for every environment, as the e2e test runs them; with --test-fast the inner
 * loop, `npm run test:fast`, warm (one run first fills jest's and tsc's caches), whose target is 20 s.
 * Timings on shared machines are noisy: read the ratios, not the absolute numbers.
 * --cold-tools instead builds the pinned tools as a fresh machine does, into a
 * temporary tool cache with an empty Go build cache, and prints each tool's
 * build time and the total (the module cache stays, unless --fresh-modules).
 */
import { spawn, spawnSync, SpawnSyncOptions } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';
import { UserError } from '../../config';
import { COMPONENTS } from '../../components';
import { EnvironmentConfig } from '../../config';
import { defineEnvironment } from '../../config/define';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../../config/environments';
import { synth } from '../../lib/cli';
import { runCommand } from '../../lib/command';
import { cacheRoot } from '../tools/cache';
import { E2E_PARALLEL_RUNS, runE2eProcesses } from '../engines/e2e-runs';
import { cacheLagSummary } from '../engines/gitops-scenarios';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();
const GENERATED_ENVS = 27;

interface Row {
  readonly step: string;
  readonly samples: number[];
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

function timed(label: string, command: string, args: string[], options: SpawnSyncOptions = {}): number {
  const start = performance.now();
  const result = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', ...options });
  const ms = performance.now() - start;
  if (result.status !== 0)
    throw new Error(
      `${label} failed (exit ${result.status}): ${String(result.stderr || result.stdout)
        .trim()
        .split('\n')
        .slice(-3)
        .join(' | ')}`,
    );
  return ms;
}

/** The registry plus 27 environments generated from stg, in memory, as a larger fleet would register them. */
function withGeneratedEnvironments(): Record<string, EnvironmentConfig> {
  const generated = Array.from({ length: GENERATED_ENVS }, (_, i) => defineEnvironment(`bench-${i + 1}`, ENVIRONMENTS.stg));
  return { ...ENVIRONMENTS, ...Object.fromEntries(generated.map((env) => [env.name, env])) };
}

/** synth() in this process, as main.ts runs it, without the process start: the render and the write alone. */
function synthInProcess(all: Readonly<Record<string, EnvironmentConfig>>, outDir: string): number {
  const start = performance.now();
  synth({ envs: [], outDir, check: false }, COMPONENTS, all);
  return performance.now() - start;
}

/**
 * `npm run tools` into a temporary cache with an empty Go build cache, as on a
 * fresh machine; a line every 30 s while it builds. Each tool's seconds come
 * from the tools command's own `built` lines.
 */
async function coldTools(names: readonly string[], freshModules: boolean): Promise<number> {
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-cold-tools-'));
  const env = {
    ...process.env,
    KPP_TOOLS_CACHE: path.join(scratch, 'tools'),
    KPP_TOOLS_LINK_DIR: path.join(scratch, 'links'),
    GOCACHE: path.join(scratch, 'gocache'),
    ...(freshModules ? { GOMODCACHE: path.join(scratch, 'gomodcache'), GOFLAGS: '-modcacherw' } : {}),
  };
  const started = performance.now();
  const built: Array<{ tool: string; seconds: number }> = [];
  try {
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/tools.ts', ...names], { cwd: ROOT, env });
      const heartbeat = setInterval(
        () => console.log(`bench: cold tools, ${((performance.now() - started) / 1000).toFixed(0)} s, ${built.length} built so far`),
        30_000,
      );
      let pending = '';
      const onData = (d: Buffer) => {
        pending += d.toString();
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) {
          const m = /^tools: built (\S+) \S+ in (\d+) s/.exec(line);
          if (m) built.push({ tool: m[1], seconds: Number(m[2]) });
          if (/^tools: (building|built|error)/.test(line)) console.log(`  ${line}`);
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('close', (c) => {
        clearInterval(heartbeat);
        resolve(c);
      });
    });
    const total = (performance.now() - started) / 1000;
    if (code !== 0) throw new Error(`npm run tools failed (exit ${code}) after ${total.toFixed(0)} s; its lines are above`);
    console.log(
      `bench: cold tools on ${os.cpus().length} CPUs (load average ${os.loadavg()[0].toFixed(2)}), ${freshModules ? 'empty' : 'warm'} module cache`,
    );
    for (const { tool, seconds } of [...built].sort((a, b) => b.seconds - a.seconds))
      console.log(`  ${tool.padEnd(16)} ${String(seconds).padStart(6)} s`);
    console.log(`  ${'total (wall)'.padEnd(16)} ${total.toFixed(0).padStart(6)} s, ${built.length} tools`);
    return 0;
  } finally {
    // Module caches are read-only by default; -modcacherw above lets this remove them.
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

runCommand(
  {
    name: 'bench',
    invocation: 'npm run bench --',
    summary:
      'Times synth (registered and 30 environments), hydration cold and warm, the control plane and optionally e2e, as ratios to npx ts-node main.ts.',
    flags: {
      runs: { kind: 'string', value: 'n', help: 'samples per synth measurement (default 5)' },
      e2e: { kind: 'boolean', help: `also time npm run e2e for every environment, ${E2E_PARALLEL_RUNS} at a time, as npm test runs it (minutes)` },
      'test-fast': { kind: 'boolean', help: 'also time npm run test:fast, warm, --runs times (target: 20 s on 2 cores)' },
      'cold-tools': {
        kind: 'boolean',
        help: "only build the pinned tools into a fresh cache with an empty Go build cache, and print each one's time",
      },
      tools: { kind: 'string', value: 'name,...', help: 'with --cold-tools: these tools only (default: all)' },
      'fresh-modules': { kind: 'boolean', help: 'with --cold-tools: an empty Go module cache too (downloads count)' },
    },
  },
  async ({ flags }) => {
    if (flags['cold-tools']) return coldTools(flags.tools ? flags.tools.split(',') : [], flags['fresh-modules']);
    if (flags.tools || flags['fresh-modules']) throw new UserError('--tools and --fresh-modules go with --cold-tools');
    const runs = flags.runs === undefined ? 5 : Number(flags.runs);
    if (!Number.isInteger(runs) || runs < 1 || runs > 50) throw new UserError(`--runs must be an integer from 1 to 50 (got ${flags.runs})`);
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const out = (i: number) => path.join(scratch, `out-${i}`);
    const node = process.execPath;
    const rows: Row[] = [];
    const sample = (step: string, n: number, run: (i: number) => number) => {
      const samples = Array.from({ length: n }, (_, i) => run(i));
      rows.push({ step, samples });
    };
    const fleet = withGeneratedEnvironments();
    try {
      // Interleaved, so that load changes on a shared machine hit every candidate alike.
      const times: Record<string, number[]> = { tsNode: [], runTs: [], inProcess: [], thirty: [] };
      for (let i = 0; i < runs; i++) {
        times.tsNode.push(timed('npx ts-node main.ts', 'npx', ['ts-node', 'main.ts', '--out', out(i)]));
        times.runTs.push(timed('npm run synth', node, ['lib/run-ts.js', 'main.ts', '--out', out(i + runs)]));
        times.inProcess.push(synthInProcess(ENVIRONMENTS, out(i + 2 * runs)));
        times.thirty.push(synthInProcess(fleet, out(i + 3 * runs)));
      }
      rows.push({ step: 'npx ts-node main.ts (cdk8s default)', samples: times.tsNode });
      rows.push({ step: `npm run synth, ${ENVIRONMENT_NAMES.length} environments`, samples: times.runTs });
      rows.push({ step: `synth() in process, ${ENVIRONMENT_NAMES.length} environments`, samples: times.inProcess });
      rows.push({ step: `synth() in process, ${Object.keys(fleet).length} environments`, samples: times.thirty });

      // Hydration: a render cache of our own (cold), then the same again (warm); the tool cache stays the user's.
      const env = { ...process.env, XDG_CACHE_HOME: path.join(scratch, 'cache'), KPP_TOOLS_CACHE: cacheRoot() };
      const hydrate = () =>
        timed('npm run hydrate', node, ['lib/run-ts.js', 'verify/scripts/hydrate.ts', '--out', path.join(scratch, 'hydrated')], { env });
      sample('npm run hydrate, all environments, cold', 1, hydrate);
      sample('npm run hydrate, all environments, warm', 1, hydrate);
      // What a reviewer waits for when a branch changes nothing rendered: synth of every environment, the base read from git.
      sample('npm run diff, no change (target 2 s)', runs, () =>
        timed('npm run diff', node, ['lib/run-ts.js', 'verify/scripts/diff.ts', '--base', 'HEAD']),
      );

      const state = path.join(scratch, 'cluster');
      const cluster = (action: string) => ['lib/run-ts.js', 'verify/scripts/cluster.ts', action];
      sample('npm run cluster -- up (to /readyz, nodes Ready)', 1, () =>
        timed('npm run cluster -- up', node, cluster('up'), { env: { ...process.env, KPP_CLUSTER_STATE: state } }),
      );
      timed('npm run cluster -- down', node, cluster('down'), { env: { ...process.env, KPP_CLUSTER_STATE: state } });
      if (flags['test-fast']) {
        const testFast = () => timed('npm run test:fast', 'npm', ['run', 'test:fast', '--silent']);
        testFast();
        sample('npm run test:fast, warm (target 20 s)', runs, testFast);
      }
      if (flags.e2e) {
        // As the e2e test runs them: every environment, E2E_PARALLEL_RUNS at a time.
        const started = performance.now();
        const runs = await runE2eProcesses(ENVIRONMENT_NAMES, path.join(scratch, 'e2e-reports'));
        rows.push({ step: `npm run e2e, ${runs.size} environments, ${E2E_PARALLEL_RUNS} at a time`, samples: [performance.now() - started] });
        for (const run of runs.values()) {
          if (run.code !== 0)
            throw new Error(`npm run e2e -- --env ${run.env} failed (exit ${run.code}): ${run.output.trim().split('\n').slice(-3).join(' | ')}`);
          rows.push({
            step: `  e2e ${run.env} (bootstrap ${run.report?.bootstrapSeconds.toFixed(0)} s; Argo CD's cache: ${run.report ? cacheLagSummary(run.report.argoCdCache) : 'no report'})`,
            samples: [run.seconds * 1000],
          });
        }
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }

    const baseline = median(rows[0].samples);
    console.log(`bench: ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(2)}; ratio = median / median of npx ts-node main.ts`);
    const width = Math.max(52, ...rows.map((r) => r.step.length));
    console.log(`  ${'step'.padEnd(width)} ${'median'.padStart(10)} ${'min'.padStart(10)}  runs  ratio`);
    for (const { step, samples } of rows) {
      const m = median(samples);
      console.log(
        `  ${step.padEnd(width)} ${`${m.toFixed(0)} ms`.padStart(10)} ${`${Math.min(...samples).toFixed(0)} ms`.padStart(10)}  ${String(samples.length).padStart(4)}  ${(m / baseline).toFixed(3)}`,
      );
    }
    return 0;
  },
);
