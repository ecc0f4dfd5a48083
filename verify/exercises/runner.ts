import { spawn } from 'child_process';
import * as path from 'path';
import { EnvironmentConfig } from '../../config';
import { SEED_EXERCISE_REPOSITORIES } from '../../config/environments/lab';
import { toYaml } from '../../lib/yaml';
import { Exercise, Judge, Step } from './types';

/** Runs the seed's exercises against a cluster through kubectl, helm and curl, step by step. */

export type StepOutcome = 'pass' | 'fail' | 'skipped' | 'needs a dataplane';

export interface StepResult {
  readonly number: string;
  readonly says: string;
  readonly judge: Judge;
  readonly outcome: StepOutcome;
  /** What the command printed that decided it, in a line. */
  readonly saw: string;
  readonly seconds: number;
}

export interface ExerciseResult {
  readonly id: string;
  readonly env: string;
  readonly steps: readonly StepResult[];
  /** pass: every step passed; partial: the rest passed and some need a dataplane; fail: a step failed. */
  readonly outcome: 'pass' | 'partial' | 'fail';
}

export interface RunOptions {
  readonly params: Readonly<Record<string, string>>;
  /** The binaries: what PATH gives on a user's machine, the tool cache in npm test. */
  readonly tools: { readonly kubectl: string; readonly helm: string; readonly curl: string };
  readonly kubeconfig?: string;
  /** Extra environment for the tools (helm's cache and config folders in a test). */
  readonly env?: Readonly<Record<string, string>>;
  /** Caps every step's `within`: a seeded break must show fast. */
  readonly maxWithin?: number;
  /** False where no dataplane runs (kwok nodes): such steps are reported, never run or passed. */
  readonly dataplane: boolean;
  readonly log?: (line: string) => void;
  /** Per command, in seconds. */
  readonly commandTimeout?: number;
}

/**
 * The parameters the catalog's steps use, from the environment's config, as
 * the user's lab has them. The e2e passes its own where its sources differ.
 */
export function exerciseParams(env: EnvironmentConfig, root: string): Record<string, string> {
  return {
    ENV: env.name,
    DOMAIN: env.domain,
    ROOT_APP: `root-${env.name}`,
    BACKEND_REPLICAS: String(env.demo.backend.replicas),
    GUESTBOOK_REPO: SEED_EXERCISE_REPOSITORIES.guestbook,
    GUESTBOOK_PATH: 'guestbook',
    CHART_REPO: env.git.repoURL,
    CHART_REVISION: env.git.targetRevision,
    CHART_PATH: 'helm/demo-app',
    CHART_DIR: path.join(root, 'helm', 'demo-app'),
  };
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function substitute(text: string, params: Readonly<Record<string, string>>): string {
  return text.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`no value for \${${name}}: an earlier step that captures it did not run`);
    return value;
  });
}

function substituteDeep(value: unknown, params: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return substitute(value, params);
  if (Array.isArray(value)) return value.map((v) => substituteDeep(v, params));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substituteDeep(v, params)]));
  return value;
}

function pattern(regex: RegExp | undefined, params: Readonly<Record<string, string>>): RegExp | undefined {
  if (!regex) return undefined;
  const source = regex.source.replace(/\$\{([A-Z_]+)\}/g, (_, name: string) => escapeRegExp(substitute(`\${${name}}`, params)));
  return new RegExp(source, regex.flags);
}

interface Executed {
  readonly code: number | null;
  readonly output: string;
  readonly stdout: string;
}

function execute(argv: readonly string[], stdin: string | undefined, options: RunOptions): Promise<Executed> {
  const [tool, ...args] = argv;
  const binary = options.tools[tool as keyof RunOptions['tools']];
  if (!binary) return Promise.resolve({ code: null, output: `unknown tool ${tool}`, stdout: '' });
  const env = { ...process.env, ...options.env, ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}) };
  return new Promise((resolve) => {
    const child = spawn(binary, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), (options.commandTimeout ?? 120) * 1000);
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${binary}: ${error.message}`, stdout: '' });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: `${stdout}${stderr}`, stdout });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(stdin ?? '');
  });
}

/** Whether the command's answer is what the seed says, and the line that shows it. */
function judgeAnswer(step: Step, run: Executed, params: Readonly<Record<string, string>>): { ok: boolean; saw: string } {
  const output = pattern(step.output, params);
  const absent = pattern(step.absent, params);
  const text = run.output.trim();
  const line = (re?: RegExp) => {
    const lines = text.split('\n');
    return (re && lines.find((l) => re.test(l))) ?? lines.find((l) => /error|denied|forbidden|warning/i.test(l)) ?? lines[0] ?? '';
  };
  const saw = `exit ${run.code ?? 'killed'}: ${line(output).slice(0, 200)}`;
  const exited = run.code === 0;
  const outputOk = !output || output.test(text);
  const absentOk = !absent || !absent.test(text);
  const ok =
    step.expect === 'succeeds'
      ? exited && outputOk && absentOk
      : step.expect === 'fails'
        ? !exited && run.code !== null && outputOk && absentOk
        : (exited && absentOk) || (!exited && run.code !== null && outputOk);
  return { ok, saw };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runExercise(exercise: Exercise, options: RunOptions): Promise<ExerciseResult> {
  const params: Record<string, string> = { ...options.params };
  const results: StepResult[] = [];
  let failed = false;
  for (const [index, step] of exercise.steps.entries()) {
    const number = `${exercise.id}.${index + 1}`;
    const started = Date.now();
    const says = (() => {
      try {
        return substitute(step.says, params);
      } catch {
        return step.says;
      }
    })();
    const record = (outcome: StepOutcome, saw: string) => {
      const result = { number, says, judge: step.judge, outcome, saw, seconds: (Date.now() - started) / 1000 };
      results.push(result);
      options.log?.(`  ${outcome.padEnd(17)} ${number} [${step.judge}] ${says}: ${saw}`);
    };
    if (failed && !step.cleanup) {
      record('skipped', 'an earlier step failed');
      continue;
    }
    if (step.judge === 'a dataplane' && !options.dataplane) {
      record('needs a dataplane', 'not run: no dataplane here');
      continue;
    }
    let argv: string[];
    let stdin: string | undefined;
    try {
      argv = step.run.map((a) => substitute(a, params));
      stdin = step.stdin ? toYaml(substituteDeep(step.stdin, params) as object) : undefined;
    } catch (error) {
      // A clean-up that needs what an earlier step captured undoes a step that never ran.
      if (step.cleanup) record('skipped', (error as Error).message);
      else {
        record('fail', (error as Error).message);
        failed = true;
      }
      continue;
    }
    if (step.after) await sleep(step.after * 1000);
    const deadline = Date.now() + Math.min(step.within ?? 0, options.maxWithin ?? Infinity) * 1000;
    let answer: { ok: boolean; saw: string };
    let run: Executed;
    for (;;) {
      run = await execute(argv, stdin, options);
      answer = judgeAnswer(step, run, params);
      if (answer.ok || Date.now() >= deadline) break;
      await sleep(2000);
    }
    if (answer.ok && step.capture) params[step.capture] = run.stdout.trim().split('\n')[0];
    record(answer.ok ? 'pass' : 'fail', answer.saw);
    if (!answer.ok && !step.cleanup) failed = true;
  }
  const outcome = results.some((r) => r.outcome === 'fail' || r.outcome === 'skipped')
    ? 'fail'
    : results.some((r) => r.outcome === 'needs a dataplane')
      ? 'partial'
      : 'pass';
  return { id: exercise.id, env: options.params.ENV ?? '', steps: results, outcome };
}

/** The step an exercise failed at, if it failed. */
export const firstFailure = (result: ExerciseResult): StepResult | undefined => result.steps.find((s) => s.outcome === 'fail');

/** Which engines decided an exercise, in the report's words. */
export function judges(exercise: Exercise): string {
  const order: Judge[] = ['API server', 'Gatekeeper', 'Argo CD', 'Helm', 'a dataplane'];
  return order.filter((j) => exercise.steps.some((s) => s.judge === j)).join(', ');
}

/** The report: exercise | environment | steps | outcome | judged by. */
export function formatExerciseReport(results: readonly ExerciseResult[], catalog: readonly Exercise[]): string {
  const rows = results.map((r) => {
    const exercise = catalog.find((e) => e.id === r.id)!;
    const count = (o: StepOutcome) => r.steps.filter((s) => s.outcome === o).length;
    const steps = `${count('pass')}/${r.steps.length} passed${count('needs a dataplane') ? `, ${count('needs a dataplane')} need a dataplane` : ''}${count('fail') ? `, ${count('fail')} failed` : ''}`;
    const outcome = r.outcome !== 'partial' ? r.outcome : count('pass') === 0 ? 'needs a dataplane' : 'pass where judged; the rest needs a dataplane';
    return `| ${r.id} | ${r.env} | ${steps} | ${outcome} | ${judges(exercise)} |`;
  });
  return ['| exercise | environment | steps | outcome | judged by |', '|---|---|---|---|---|', ...rows].join('\n');
}
