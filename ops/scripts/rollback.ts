/**
 * npm run rollback -- --env <env> --service <service> --reason <why> [--push]
 * Seed 10-3's rollback by hand: the service's migration stage goes to
 * rolled-back, synth renders its route with every request to the DC, and the
 * change is one commit, made in a worktree of its own from the branch's tip:
 * on the checked-out branch (the Kind lab reads this clone), or with --push
 * on the remote's tip, pushed alone. The receiver makes the same commit when
 * a rollback alert fires.
 */
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { runCommand } from '../../lib/command';
import { projectRoot } from '../../lib/project';
import { interactiveProgress } from '../../lib/progress';
import { rollBack } from '../rollback';

runCommand(
  {
    name: 'rollback',
    invocation: 'npm run rollback --',
    summary:
      'Seed 10-3: send every request of a migrating service back to the DC, as one commit (the state file and the routes synth renders from it).',
    flags: {
      env: { kind: 'string', help: 'the environment', oneOf: () => ENVIRONMENT_NAMES, required: true },
      service: { kind: 'string', value: 'service', help: 'the migrating Service (config/migration-state.json)', required: true },
      reason: {
        kind: 'string',
        value: 'why',
        help: 'why: the alert, or who asked; one line, kept in the state and the commit message',
        required: true,
      },
      push: { kind: 'boolean', help: "make the commit on the remote's tip and push it alone; a refused push is kept for the next run" },
    },
  },
  async ({ flags }) => {
    const result = await rollBack(
      projectRoot(),
      { env: flags.env, service: flags.service, reason: flags.reason },
      { push: flags.push, progress: interactiveProgress('rollback') },
    );
    process.stdout.write(
      result.outcome === 'committed'
        ? `rollback: ${result.message}: commit ${result.revision?.slice(0, 12)}${flags.push ? ' pushed' : ''}, changes ${result.files.join(', ')}\n`
        : `rollback: ${result.message}\n`,
    );
    return 0;
  },
);
