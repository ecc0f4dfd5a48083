import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckFailure, UserError } from '../config/errors';
import { formatMigrationState, kubernetesPercentAt, MIGRATION_STATE_FILE, MigrationState, readMigrationState } from '../config/migration-state';
import { SEED_LAB_FOLDERS } from '../seed-lab';
import { CommandFailed, git, run, singleLine } from './git';

/**
 * Seed 10-3's rollback, as a commit: the migration state of one service in one
 * environment goes to `rolled-back`, synth renders the routes that follow (Kong
 * sends every request to the DC), and git records it. Argo CD syncs the commit
 * like any other, so selfHeal keeps the rollback instead of undoing it, and the
 * way forward again is a reviewed change of the same line.
 */

export interface RollbackRequest {
  readonly env: string;
  readonly service: string;
  /** Why: the alert that fired, or the person who asked. It is kept in the state and in the commit message. */
  readonly reason: string;
}

export type RollbackDecision =
  | { readonly kind: 'roll-back'; readonly state: MigrationState; readonly from: string }
  /** Nothing to do: Kubernetes takes none of the service's traffic already. */
  | { readonly kind: 'already-on-dc'; readonly stage: string };

/** What a rollback writes, and all a rollback commit may hold: the state file and what synth renders from it. */
export const ROLLBACK_PATHS: readonly string[] = [MIGRATION_STATE_FILE, 'dist', ...SEED_LAB_FOLDERS.map((f) => f.path)];

/** The state after rolling `request.service` back in `request.env`; refuses what cannot be rolled back. */
export function decideRollback(state: MigrationState, request: RollbackRequest): RollbackDecision {
  // Own keys only: `--service constructor` names no service, whatever Object.prototype holds.
  const services = Object.hasOwn(state, request.env) ? state[request.env] : undefined;
  if (!services) throw new UserError(`${MIGRATION_STATE_FILE} has no environment '${request.env}' (it has ${Object.keys(state).join(', ')})`);
  const stage = Object.hasOwn(services, request.service) ? services[request.service] : undefined;
  if (!stage)
    throw new UserError(
      `'${singleLine(request.service, 60)}' is not migrating in ${request.env} (${MIGRATION_STATE_FILE} lists ${Object.keys(services).join(', ') || 'none'})`,
    );
  if (stage.name === 'dc-retired')
    throw new UserError(`${request.service} in ${request.env} has no DC to go back to (its stage is dc-retired); roll the deployment back instead`);
  const kubernetesPercent = kubernetesPercentAt(stage);
  if (!kubernetesPercent) return { kind: 'already-on-dc', stage: stage.name };
  const reason = singleLine(request.reason);
  if (reason === '') throw new UserError('a rollback needs a reason (--reason): the alert, or who asked');
  return {
    kind: 'roll-back',
    from: `switching ${kubernetesPercent}%`,
    state: { ...state, [request.env]: { ...services, [request.service]: { name: 'rolled-back', reason } } },
  };
}

export interface RollbackResult {
  readonly outcome: 'committed' | 'already-on-dc';
  /** The commit, when one was made. */
  readonly revision?: string;
  readonly message: string;
  /** Files the commit changed, relative to the clone. */
  readonly files: readonly string[];
}

export interface RollbackOptions {
  /** Push the rollback to the branch's remote (origin) instead of committing it to the local branch. */
  readonly push?: boolean;
  /** How often a push or a branch update that lost a race is tried again, each time on the new tip. */
  readonly attempts?: number;
  /** Told before and after the synth and the push: lib/progress.ts prints it. */
  readonly progress?: (what: string) => void;
}

/** A push the remote refused for another reason than a race; the commit is kept under `pendingRef`. */
export class PushRefused extends CheckFailure {}

/** Where a commit the remote refused is kept, until the same rollback pushes it. */
export const pendingRef = (request: RollbackRequest) => `refs/rollback/pending/${request.env}/${request.service}`;

/** The branch the clone has checked out: the one Argo CD reads (the lab: HEAD; elsewhere: the remote's branch). */
async function checkedOutBranch(root: string): Promise<string> {
  const branch = await git(root, 'symbolic-ref', '-q', '--short', 'HEAD').catch(() => '');
  if (!branch) throw new UserError(`${root} has no branch checked out (a detached HEAD); check out the branch Argo CD reads, then roll back`);
  return branch;
}

/** Every path where a rollback writes that has an uncommitted change: staged, unstaged, deleted or untracked. */
async function dirtyPaths(root: string): Promise<string[]> {
  const lines = async (...args: string[]) => (await git(root, ...args, '--', ...ROLLBACK_PATHS)).split('\n').filter(Boolean);
  const changed = [
    ...(await lines('diff', '--cached', '--name-only')),
    ...(await lines('ls-files', '--modified', '--deleted', '--others', '--exclude-standard')),
  ];
  return [...new Set(changed)].sort();
}

/** A clean checkout of `tip` beside the clone, sharing its objects and refs: where the rollback is made, never the tree a person edits. */
async function worktreeAt(root: string, tip: string): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kpp-rollback-'));
  await git(root, 'worktree', 'add', '-q', '--detach', dir, tip);
  // synth runs with the project's own dependencies (node_modules is ignored, so never committed).
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  return dir;
}

/** The rollback as one commit on `tip` in the worktree `work`: the state file and what synth renders from it, nothing else. */
async function commitRollback(work: string, request: RollbackRequest, step: (what: string) => void = () => undefined): Promise<RollbackResult> {
  const decision = decideRollback(readMigrationState(work), request);
  if (decision.kind === 'already-on-dc')
    return {
      outcome: 'already-on-dc',
      message: `${request.service} in ${request.env} already sends every request to the DC (stage ${decision.stage}); nothing to commit`,
      files: [],
    };
  fs.writeFileSync(path.join(work, MIGRATION_STATE_FILE), formatMigrationState(decision.state));
  try {
    // Only the environment's render (and the generated folders, which synth renders whatever --env says) can change.
    step(`rendering ${request.env} with ${request.service} back on the DC`);
    await run(process.execPath, [path.join(work, 'lib', 'run-ts.js'), 'main.ts', '--env', request.env], work);
    step(`rendered ${request.env}`);
  } catch (error) {
    throw new Error(`synth failed after the rollback edit, which is discarded: ${(error as Error).message}`, { cause: error });
  }
  const summary = `${request.service} in ${request.env} back to the DC (${decision.from} -> 0%)`;
  const reason = singleLine(request.reason);
  await git(work, 'add', '-A', '--', ...ROLLBACK_PATHS);
  // An explicit pathspec: the commit holds these paths whatever else the index held.
  await git(
    work,
    'commit',
    '-q',
    '-m',
    `rollback: ${summary}\n\nReason: ${reason}\nMade by npm run rollback (seed 10-3); the way forward again is a reviewed change of ${MIGRATION_STATE_FILE}.\n`,
    '--',
    ...ROLLBACK_PATHS,
  );
  const files = (await git(work, 'show', '--name-only', '--format=', 'HEAD')).split('\n').filter(Boolean);
  return { outcome: 'committed', revision: await git(work, 'rev-parse', 'HEAD'), message: summary, files };
}

/** What git says when the branch moved under a push or an update-ref: the rollback is made again on the new tip. */
const RACE = /\((non-fast-forward|fetch first|failed to update ref|stale info)\)|cannot lock ref/;

/** The remote's own words for a refused push: its hook's lines and git's `! [remote rejected] ... (reason)`, as one line. */
function whyRefused(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const said = [
    ...lines.filter((l) => l.startsWith('remote:')).map((l) => l.replace(/^remote:\s*/, '')),
    ...lines.filter((l) => l.startsWith('! [')).map((l) => l.slice(2)),
  ].filter(Boolean);
  return singleLine(said.length > 0 ? said.join('; ') : (lines.filter(Boolean).pop() ?? 'no message'), 300);
}

/**
 * Seed 10-3's rollback as one commit, made in a worktree of its own from the tip of the branch
 * Argo CD reads, never from the tree a person edits, so nothing else of theirs (an edit, a staged
 * file, a local commit) goes with it:
 * - without `push` (the Kind lab, whose Argo CD reads this clone): the branch moves to the commit
 *   only if it is still at the tip the rollback was made on, and the clone's copies of the paths the
 *   rollback writes follow it; those paths must have no uncommitted change;
 * - with `push`: the commit is made on the remote's tip and pushed alone. A push that lost a race is
 *   made again on the new tip; a refused one is one error, and the commit stays at `pendingRef`
 *   (the same rollback pushes it once the remote takes it).
 */
export async function rollBack(root: string, request: RollbackRequest, options: RollbackOptions = {}): Promise<RollbackResult> {
  const attempts = options.attempts ?? 3;
  const branch = await checkedOutBranch(root);
  if (!options.push) {
    // The branch is the clone's own: a request it refuses (no such service) is said before anything else.
    decideRollback(readMigrationState(root), request);
    const dirty = await dirtyPaths(root);
    if (dirty.length > 0)
      throw new UserError(
        `${root} has uncommitted changes where a rollback writes (${dirty.slice(0, 3).join(', ')}${dirty.length > 3 ? ', ...' : ''}); commit or stash them, so the rollback commit holds the rollback alone`,
      );
  }
  for (let attempt = 1; ; attempt++) {
    let tip: string;
    if (options.push) {
      await git(root, 'fetch', '-q', 'origin', branch);
      tip = await git(root, 'rev-parse', 'FETCH_HEAD');
    } else tip = await git(root, 'rev-parse', `refs/heads/${branch}`);
    const pending = await git(root, 'rev-parse', '-q', '--verify', pendingRef(request)).catch(() => '');
    const work = await worktreeAt(root, tip);
    try {
      // A commit a refused push left, still on the remote's tip: that one is the rollback to push.
      const kept = options.push && pending && (await git(root, 'rev-parse', `${pending}^`)) === tip;
      const made = kept
        ? {
            outcome: 'committed' as const,
            revision: pending,
            message: (await git(root, 'log', '-1', '--format=%s', pending)).replace(/^rollback: /, ''),
            files: (await git(root, 'show', '--name-only', '--format=', pending)).split('\n').filter(Boolean),
          }
        : await commitRollback(work, request, options.progress);
      if (made.outcome === 'already-on-dc') {
        if (pending) await git(root, 'update-ref', '-d', pendingRef(request));
        return made;
      }
      try {
        if (options.push) await git(root, 'push', '-q', 'origin', `${made.revision}:refs/heads/${branch}`);
        else await git(root, 'update-ref', '-m', `rollback: ${made.message}`, `refs/heads/${branch}`, made.revision!, tip);
      } catch (error) {
        const said = error instanceof CommandFailed ? error.stderr : (error as Error).message;
        if (RACE.test(said) && attempt < attempts) continue;
        if (options.push) {
          await git(root, 'update-ref', pendingRef(request), made.revision!);
          throw new PushRefused(
            `the push of rollback ${made.revision!.slice(0, 12)} (${made.message}) to origin/${branch} was refused (${whyRefused(said)}); the commit is kept as ${pendingRef(request)}, and the same command pushes it`,
          );
        }
        throw new UserError(`${branch} moved while the rollback was made (${attempts} times); run it again`);
      }
      if (pending) await git(root, 'update-ref', '-d', pendingRef(request));
      // The lab's clone: its copies of the rollback's paths follow the branch (they were clean, so nothing of the person's is lost).
      if (!options.push && (await git(root, 'symbolic-ref', '-q', 'HEAD').catch(() => '')) === `refs/heads/${branch}`)
        await git(root, 'restore', '--source=HEAD', '--staged', '--worktree', '--', ...ROLLBACK_PATHS);
      return made;
    } finally {
      await git(root, 'worktree', 'remove', '--force', work).catch(() => fs.rmSync(work, { recursive: true, force: true }));
    }
  }
}
