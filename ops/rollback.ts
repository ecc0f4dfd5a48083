import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../config/errors';
import { formatMigrationState, kubernetesPercentAt, MIGRATION_STATE_FILE, MigrationState, readMigrationState } from '../config/migration-state';

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

/** The state after rolling `request.service` back in `request.env`; refuses what cannot be rolled back. */
export function decideRollback(state: MigrationState, request: RollbackRequest): RollbackDecision {
  const services = state[request.env];
  if (!services) throw new UserError(`${MIGRATION_STATE_FILE} has no environment '${request.env}' (it has ${Object.keys(state).join(', ')})`);
  const stage = services[request.service];
  if (!stage)
    throw new UserError(
      `'${request.service}' is not migrating in ${request.env} (${MIGRATION_STATE_FILE} lists ${Object.keys(services).join(', ') || 'none'})`,
    );
  if (stage.name === 'dc-retired')
    throw new UserError(`${request.service} in ${request.env} has no DC to go back to (its stage is dc-retired); roll the deployment back instead`);
  const kubernetesPercent = kubernetesPercentAt(stage);
  if (!kubernetesPercent) return { kind: 'already-on-dc', stage: stage.name };
  if (request.reason.trim() === '') throw new UserError('a rollback needs a reason (--reason): the alert, or who asked');
  return {
    kind: 'roll-back',
    from: `switching ${kubernetesPercent}%`,
    state: { ...state, [request.env]: { ...services, [request.service]: { name: 'rolled-back', reason: request.reason } } },
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

const git = (root: string, ...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();

/**
 * In the clone at `root`: rewrite the state file, run synth there (the clone's own code renders dist/),
 * and commit both. With `push`, push the commit to the branch's upstream, as a person would.
 */
export function rollBackInClone(root: string, request: RollbackRequest, options: { readonly push?: boolean } = {}): RollbackResult {
  // With a remote, the rollback applies to what the remote holds now, so the push is a fast-forward.
  if (options.push) git(root, 'pull', '-q', '--rebase');
  const decision = decideRollback(readMigrationState(root), request);
  if (decision.kind === 'already-on-dc')
    return {
      outcome: 'already-on-dc',
      message: `${request.service} in ${request.env} already sends every request to the DC (stage ${decision.stage}); nothing to commit`,
      files: [],
    };
  if (git(root, 'status', '--porcelain', '--', MIGRATION_STATE_FILE, 'dist') !== '')
    throw new UserError(
      `${root} has uncommitted changes in ${MIGRATION_STATE_FILE} or dist/; commit or stash them, so the rollback commit holds the rollback alone`,
    );
  fs.writeFileSync(path.join(root, MIGRATION_STATE_FILE), formatMigrationState(decision.state));
  try {
    execFileSync(process.execPath, [path.join(root, 'lib', 'run-ts.js'), 'main.ts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    git(root, 'checkout', '--', MIGRATION_STATE_FILE);
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`synth failed after the rollback edit, which is undone: ${stderr.trim().split('\n').pop()}`, { cause: error });
  }
  git(root, 'add', '--', MIGRATION_STATE_FILE, 'dist');
  const summary = `${request.service} in ${request.env} back to the DC (${decision.from} -> 0%)`;
  git(root, 'commit', '-q', '-m', `rollback: ${summary}\n\nReason: ${request.reason}\n`);
  const files = git(root, 'show', '--name-only', '--format=', 'HEAD').split('\n').filter(Boolean);
  if (options.push) git(root, 'push', '-q');
  return { outcome: 'committed', revision: git(root, 'rev-parse', 'HEAD'), message: summary, files };
}
