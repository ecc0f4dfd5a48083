import { spawn } from 'child_process';
import * as YAML from 'yaml';
import { EnvironmentConfig } from '../../config';
import { SEED_EXERCISE_REPOSITORIES } from '../../config/environments/lab';
import { DEMO_APP_CHART } from '../../seed-lab';
import { SEED_2_3_POLICY_FILE } from './seed-manifests';
import { toYaml } from '../../lib/yaml';
import { Exercise, Judge, Refusal, Step } from './types';

/** Runs the seed's exercises against a cluster through kubectl, helm and curl, step by step. */

/**
 * `policy`: a connection no dataplane here carries, whose verdict Cilium's policy engine and the mesh's rule gave as
 * the seed's outcome; the packets themselves need a dataplane.
 */
export type StepOutcome = 'pass' | 'policy' | 'fail' | 'skipped' | 'needs a dataplane';

/** A step's connection as the runner reads it from the command: a curl from a pod (`kubectl exec ... -- curl`) or from this machine. */
export interface StepConnection {
  readonly from: { readonly namespace: string; readonly target: string } | 'this machine';
  readonly url: string;
  readonly method: string;
  readonly hostHeader?: string;
}

/** What judges a connection where no dataplane runs: allowed, or refused and how curl would see it. */
export type ConnectionJudge = (
  connection: StepConnection,
) => Promise<{ readonly allowed: boolean; readonly refusal?: Refusal | 'unresolved'; readonly text: string }>;

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
  /**
   * Where no dataplane runs: judges a step's connection (a curl) by policy, so the seed's outcome is held to
   * Cilium's verdict and the mesh's rule on the cluster as the earlier steps left it.
   */
  readonly judgeConnection?: ConnectionJudge;
  readonly log?: (line: string) => void;
  /** Per command, in seconds. */
  readonly commandTimeout?: number;
  /** Where the commands run: the clone, whose paths (lab/...) the seed's commands name. */
  readonly cwd?: string;
}

/**
 * The parameters the catalog's steps use, from the environment's config, as
 * the user's lab has them. The e2e passes its own where its sources differ.
 */
export function exerciseParams(env: EnvironmentConfig): Record<string, string> {
  return {
    ENV: env.name,
    DOMAIN: env.domain,
    ROOT_APP: `root-${env.name}`,
    BACKEND_REPLICAS: String(env.demo.backend.replicas),
    GUESTBOOK_REPO: SEED_EXERCISE_REPOSITORIES.guestbook,
    GUESTBOOK_PATH: 'guestbook',
    CHART_REPO: env.git.repoURL,
    CHART_REVISION: env.git.targetRevision,
    // The seed's own paths, relative to the clone the commands run in.
    CHART_DIR: DEMO_APP_CHART.path,
    HTTP_POLICY_FILE: SEED_2_3_POLICY_FILE,
    LAB: env.name,
  };
}

/** What `exerciseParams` gives the seed's own lab (dev): the values the seed's text has literally. */
export const SEED_PARAMS = (env: EnvironmentConfig): Record<string, string> => exerciseParams(env);

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
  const binary = options.tools[tool as keyof RunOptions['tools']] ?? (tool === 'cat' ? 'cat' : undefined);
  if (!binary) return Promise.resolve({ code: null, output: `unknown tool ${tool}`, stdout: '' });
  const env = { ...process.env, ...options.env, ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}) };
  return new Promise((resolve) => {
    const child = spawn(binary, args, { env, stdio: ['pipe', 'pipe', 'pipe'], ...(options.cwd ? { cwd: options.cwd } : {}) });
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

/** The marker of the status line the runner asks curl for, where the seed's command prints none. */
const STATUS_MARK = '__kpp_http_code__=';

/** The curl of a step, where it is one: from a pod (`kubectl exec -n <ns> <target> -- curl ...`) or from this machine. */
export function stepConnection(argv: readonly string[]): StepConnection | undefined {
  const dashes = argv.indexOf('--');
  const curl =
    argv[0] === 'curl'
      ? argv.slice(1)
      : argv[0] === 'kubectl' && argv[1] === 'exec' && argv[dashes + 1] === 'curl'
        ? argv.slice(dashes + 2)
        : undefined;
  if (!curl) return undefined;
  const url = curl.find((a) => /^https?:\/\//.test(a));
  if (!url) return undefined;
  const after = (flag: string) => curl[curl.indexOf(flag) + 1];
  const method = curl.includes('-X') ? after('-X') : 'GET';
  const header = curl.flatMap((a, i) => (a === '-H' ? [curl[i + 1]] : [])).find((h) => /^host:/i.test(h));
  const hostHeader = header?.replace(/^host:\s*/i, '');
  if (argv[0] === 'curl') return { from: 'this machine', url, method, ...(hostHeader ? { hostHeader } : {}) };
  const head = argv.slice(2, dashes);
  const namespace = head.includes('-n') ? head[head.indexOf('-n') + 1] : 'default';
  const target = head.filter((a, i) => !a.startsWith('-') && head[i - 1] !== '-n' && head[i - 1] !== '-c')[0];
  return { from: { namespace, target }, url, method, ...(hostHeader ? { hostHeader } : {}) };
}

/** The status curl printed, where the runner asked for it. */
const statusOf = (output: string): number | undefined => {
  const found = [...output.matchAll(new RegExp(`${STATUS_MARK}(\\d{3})`, 'g'))].at(-1);
  return found ? Number(found[1]) : undefined;
};

/** How a failed curl ended, from its exit code (curl's manual: 28 timed out, 22 an HTTP error with -f, 7 refused, 52/56 reset). */
function curlRefusal(code: number | null, status: number | undefined): Refusal | undefined {
  if (code === 28) return 'timeout';
  if (status === 403) return 'http-403';
  if (code === 7 || code === 52 || code === 56 || code === 35) return 'reset';
  return undefined;
}

/** Every YAML document of a command's output. */
const documents = (text: string): unknown[] =>
  YAML.parseAllDocuments(text)
    .map((d) => d.toJS() as unknown)
    .filter((d) => d !== null && d !== undefined);

/** Whether the command's answer is what the seed says, and the line that shows it. */
function judgeAnswer(step: Step, run: Executed, params: Readonly<Record<string, string>>): { ok: boolean; saw: string } {
  const output = pattern(step.output, params);
  const absent = pattern(step.absent, params);
  const status = statusOf(run.output);
  const text = run.output.split(STATUS_MARK)[0].trim();
  const line = (re?: RegExp) => {
    const lines = text.split('\n');
    return (re && lines.find((l) => re.test(l))) ?? lines.find((l) => /error|denied|forbidden|warning/i.test(l)) ?? lines[0] ?? '';
  };
  const problems: string[] = [];
  if (step.status !== undefined && status !== step.status) problems.push(`HTTP ${status ?? 'none'}, not ${step.status}`);
  if (run.code === 0 && step.eachObject)
    for (const o of documents(run.stdout)) {
      const problem = step.eachObject(o as Parameters<NonNullable<Step['eachObject']>>[0]);
      if (problem) problems.push(problem);
    }
  if (run.code === 0 && step.json) {
    try {
      const problem = step.json(JSON.parse(run.stdout.split(STATUS_MARK)[0]));
      if (problem) problems.push(problem);
    } catch {
      problems.push('the output is not JSON');
    }
  }
  const refusal = run.code !== 0 && argvIsCurl(step) ? curlRefusal(run.code, status) : undefined;
  if (step.expect === 'fails' && step.refusal && run.code !== 0 && refusal !== step.refusal)
    problems.push(`ended ${refusal ?? `with exit ${run.code}`}, not ${step.refusal}`);
  const saw = `exit ${run.code ?? 'killed'}${status !== undefined ? `, HTTP ${status}` : ''}: ${(problems[0] ?? line(output)).slice(0, 200)}`;
  const exited = run.code === 0;
  const outputOk = !output || output.test(text);
  const absentOk = !absent || !absent.test(text);
  const clean = problems.length === 0;
  const ok =
    step.expect === 'any'
      ? run.code !== null
      : step.expect === 'succeeds'
        ? exited && outputOk && absentOk && clean
        : step.expect === 'fails'
          ? !exited && run.code !== null && outputOk && absentOk && clean
          : (exited && absentOk && clean) || (!exited && run.code !== null && outputOk);
  return { ok, saw };
}

const argvIsCurl = (step: Step) => step.run[0] === 'curl' || (step.run[0] === 'kubectl' && step.run.includes('curl'));

/** The curl's arguments with a `--write-out` of the status, where the step reads a status and the seed's command prints none. */
function withStatus(step: Step, argv: string[]): string[] {
  const wanted = step.status !== undefined || step.refusal === 'http-403';
  if (!wanted || !argvIsCurl(step) || argv.includes('-w') || argv.includes('--write-out')) return argv;
  return [...argv, '--write-out', `\n${STATUS_MARK}%{http_code}`];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runExercise(exercise: Exercise, options: RunOptions): Promise<ExerciseResult> {
  // STARTED: when the exercise began, in Unix seconds (7-2 counts only the traces it made).
  const params: Record<string, string> = { STARTED: String(Math.floor(Date.now() / 1000)), ...options.params };
  const results: StepResult[] = [];
  let failed = false;
  const lab = options.params.LAB;
  for (const [index, step] of exercise.steps.entries()) {
    if (step.labs && lab && !step.labs.includes(lab)) continue;
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
    const times = step.repeat ?? 1;
    const runs: Array<{ argv: string[]; stdin?: string; pipe?: string[] }> = [];
    try {
      for (let n = 1; n <= times; n++) {
        const local = { ...params, N: String(n) };
        runs.push({
          argv: withStatus(
            step,
            step.run.map((a) => substitute(a, local)),
          ),
          ...(step.stdin ? { stdin: toYaml(substituteDeep(step.stdin, local) as object) } : {}),
          ...(step.pipe ? { pipe: step.pipe.map((a) => substitute(a, local)) } : {}),
        });
      }
    } catch (error) {
      // A clean-up that needs what an earlier step captured undoes a step that never ran.
      if (step.cleanup) record('skipped', (error as Error).message);
      else {
        record('fail', (error as Error).message);
        failed = true;
      }
      continue;
    }
    if (step.judge === 'a dataplane' && !options.dataplane) {
      const connection = stepConnection(runs[0].argv);
      if (!connection || !options.judgeConnection) {
        record('needs a dataplane', 'not run: no dataplane here');
        continue;
      }
      if (step.after) await sleep(step.after * 1000);
      const verdict = await options.judgeConnection(connection);
      const ok =
        step.expect === 'succeeds'
          ? verdict.allowed
          : step.expect === 'fails'
            ? !verdict.allowed && (!step.refusal || verdict.refusal === step.refusal)
            : true;
      const seen = verdict.allowed ? 'allowed' : `refused (${verdict.refusal})`;
      // Policy decides whether a call is refused, and how (a timeout, the proxy's 403). What an admitted call answers
      // (a status, a body, Tempo's traces) is the workload's: that part stays a dataplane's to judge.
      const answerMatters = answerIsTheWorkloads(step);
      record(
        !ok ? 'fail' : answerMatters ? 'needs a dataplane' : 'policy',
        `${seen} by policy${answerMatters && ok ? ', what it answers needs a dataplane' : ''}: ${verdict.text}`.slice(0, 400),
      );
      if (!ok && !step.cleanup) failed = true;
      continue;
    }
    if (step.after) await sleep(step.after * 1000);
    const deadline = Date.now() + Math.min(step.within ?? 0, options.maxWithin ?? Infinity) * 1000;
    let answer: { ok: boolean; saw: string } = { ok: true, saw: '' };
    let last: Executed | undefined;
    for (;;) {
      for (const r of runs) {
        let run = await execute(r.argv, r.stdin, options);
        if (r.pipe && run.code === 0) run = await execute(r.pipe, run.stdout, options);
        last = run;
        answer = judgeAnswer(step, run, params);
        if (!answer.ok) break;
      }
      if (answer.ok || Date.now() >= deadline) break;
      await sleep(2000);
    }
    if (answer.ok && step.capture && last) {
      const first = last.stdout.trim().split('\n')[0];
      params[step.capture] = step.decode === 'base64' ? Buffer.from(first, 'base64').toString('utf8') : first;
    }
    record(answer.ok ? 'pass' : 'fail', `${times > 1 ? `${times} times, ` : ''}${answer.saw}`);
    if (!answer.ok && !step.cleanup) failed = true;
  }
  const outcome = results.some((r) => r.outcome === 'fail' || r.outcome === 'skipped')
    ? 'fail'
    : results.some((r) => r.outcome === 'needs a dataplane' || r.outcome === 'policy')
      ? 'partial'
      : 'pass';
  return { id: exercise.id, env: options.params.ENV ?? '', steps: results, outcome };
}

/** A step whose admitted call must also answer something (a status, a body): policy judges only that it is not refused. */
export const answerIsTheWorkloads = (step: Step): boolean =>
  step.expect === 'succeeds' && !!(step.status || step.output || step.absent || step.json || step.eachObject);

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
    const steps = `${count('pass')}/${r.steps.length} passed${count('policy') ? `, ${count('policy')} by policy (Cilium and the mesh)` : ''}${count('needs a dataplane') ? `, ${count('needs a dataplane')} need a dataplane` : ''}${count('fail') ? `, ${count('fail')} failed` : ''}`;
    const outcome =
      r.outcome !== 'partial'
        ? r.outcome
        : count('pass') === 0 && count('policy') === 0
          ? 'needs a dataplane'
          : 'pass where judged; the rest needs a dataplane';
    return `| ${r.id} | ${r.env} | ${steps} | ${outcome} | ${judges(exercise)} |`;
  });
  return ['| exercise | environment | steps | outcome | judged by |', '|---|---|---|---|---|', ...rows].join('\n');
}
