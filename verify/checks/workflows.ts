import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';

/**
 * The GitHub Actions workflows as GitHub runs them, judged for what actionlint
 * does not know: which job may write, which runs a pull request's code, what
 * waits for what, and how each action is pinned.
 */
type Permissions = string | Record<string, string> | undefined;

interface Step {
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Record<string, unknown>;
  readonly name?: string;
}

interface Job {
  readonly permissions?: Permissions;
  readonly needs?: string | string[];
  readonly steps?: readonly Step[];
}

export interface Workflow {
  readonly file: string;
  readonly text: string;
  readonly name: string;
  readonly triggers: readonly string[];
  /** What each trigger is configured with (`workflow_run: { workflows: [...] }`). */
  readonly on: Readonly<Record<string, unknown>>;
  readonly permissions?: Permissions;
  readonly jobs: Readonly<Record<string, Job>>;
}

export function readWorkflow(file: string, text = fs.readFileSync(file, 'utf8')): Workflow {
  const doc = YAML.parse(text) as {
    name: string;
    on: string | string[] | Record<string, unknown>;
    permissions?: Permissions;
    jobs: Record<string, Job>;
  };
  const on = doc.on;
  const triggers = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys(on);
  const config = typeof on === 'string' || Array.isArray(on) ? Object.fromEntries(triggers.map((t) => [t, null])) : on;
  return { file: path.basename(file), text, name: doc.name, triggers, on: config, permissions: doc.permissions, jobs: doc.jobs };
}

export const readWorkflows = (dir: string): Workflow[] =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.yml') || f.endsWith('.yaml'))
    .sort()
    .map((f) => readWorkflow(path.join(dir, f)));

/** Triggers whose runs get a token that can write to the base repository while a pull request's head is at hand. */
const PRIVILEGED_TRIGGERS = ['workflow_run', 'pull_request_target'];
/** Triggers that run a pull request's own code, a fork's included. */
const UNTRUSTED_TRIGGERS = ['pull_request'];

/** The scopes a job's token may write: its own `permissions:` or else the workflow's (GitHub's default grants write). */
export function writeScopes(workflow: Workflow, job: Job): string[] {
  const p = job.permissions ?? workflow.permissions;
  if (p === undefined || p === 'write-all') return ['(default: every scope)'];
  if (typeof p === 'string') return p === 'read-all' || p === '{}' ? [] : [p];
  return Object.entries(p)
    .filter(([, access]) => access === 'write')
    .map(([scope]) => scope);
}

const stepName = (s: Step, i: number) => s.name ?? s.uses ?? `step ${i + 1}`;

/**
 * Every way a workflow breaks the rules of this repository's CI:
 * - a job that runs on a pull request (whose code may be a fork's) may not write;
 * - a job that can write with a pull request at hand (workflow_run, pull_request_target) checks nothing out and runs no shell;
 * - every action is pinned by a 40-hex digest, with its tag in a comment for Renovate and for reading.
 */
export function workflowProblems(workflows: readonly Workflow[]): string[] {
  const problems: string[] = [];
  for (const w of workflows) {
    for (const [id, job] of Object.entries(w.jobs)) {
      const where = `${w.file} job ${id}`;
      const writes = writeScopes(w, job);
      if (w.triggers.some((t) => UNTRUSTED_TRIGGERS.includes(t)) && writes.length > 0)
        problems.push(
          `${where}: runs a pull request's code and may write ${writes.join(', ')}; give it read permissions and post from a workflow_run`,
        );
      if (w.triggers.some((t) => PRIVILEGED_TRIGGERS.includes(t)) && writes.length > 0)
        (job.steps ?? []).forEach((s, i) => {
          if (s.uses?.startsWith('actions/checkout@'))
            problems.push(`${where}: checks out code in a job that may write ${writes.join(', ')} (${stepName(s, i)})`);
          if (s.run !== undefined)
            problems.push(
              `${where}: runs a shell in a job that may write ${writes.join(', ')} (${stepName(s, i)}); read the artifact as data in a script`,
            );
        });
    }
    for (const line of w.text.split('\n')) {
      const m = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
      if (!m || m[1].startsWith('./') || m[1].startsWith('docker://')) continue;
      const ref = m[1].split('@')[1] ?? '';
      if (!/^[0-9a-f]{40}$/.test(ref)) problems.push(`${w.file}: ${m[1]} is not pinned by digest`);
      else if (!/^\s*#\s*v\d[\w.-]*\s*$/.test(m[2]))
        problems.push(`${w.file}: ${m[1]} has no '# v<tag>' comment that says which release the digest is`);
    }
  }
  return problems;
}

/**
 * The workflow with each digest replaced by the tag its comment names, as
 * actionlint knows popular actions by tag: so it checks their inputs too.
 */
export const withTagsForDigests = (text: string): string =>
  text.replace(
    /^(\s*(?:-\s+)?uses:\s*[^@\s]+)@[0-9a-f]{40}(\s*#\s*(v\d+)[\w.-]*)/gm,
    (_all, head: string, comment: string, major: string) => `${head}@${major}${comment}`,
  );

/** The steps that run `command` in a workflow, as `<file> job <id>`. */
export const jobsRunning = (workflows: readonly Workflow[], command: RegExp): string[] =>
  workflows.flatMap((w) =>
    Object.entries(w.jobs)
      .filter(([, job]) => (job.steps ?? []).some((s) => s.run !== undefined && command.test(s.run)))
      .map(([id]) => `${w.file} job ${id}`),
  );

/** The `script:` of the one github-script step of a workflow. */
export function githubScript(workflow: Workflow): string {
  const scripts = Object.values(workflow.jobs).flatMap((j) =>
    (j.steps ?? []).filter((s) => s.uses?.startsWith('actions/github-script@')).map((s) => String(s.with?.script ?? '')),
  );
  if (scripts.length !== 1) throw new Error(`${workflow.file} has ${scripts.length} github-script steps, not one`);
  return scripts[0];
}
