/**
 * npm run rollback -- --env <env> --service <service> --reason <why> [--push]
 * Seed 10-3's rollback by hand: the service's migration stage goes to
 * rolled-back, synth renders its route with every request to the DC, and the
 * change is committed (and pushed with --push). The receiver makes the same
 * commit when a rollback alert fires.
 */
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { UserError } from '../../config/errors';
import { runCommand } from '../../lib/command';
import { projectRoot } from '../../lib/project';
import { rollBackInClone } from '../rollback';

runCommand(
  {
    name: 'rollback',
    invocation: 'npm run rollback --',
    summary:
      'Seed 10-3: send every request of a migrating service back to the DC, as one commit (the state file and the routes synth renders from it).',
    flags: {
      env: { kind: 'string', help: 'the environment', oneOf: () => ENVIRONMENT_NAMES },
      service: { kind: 'string', value: 'service', help: 'the migrating Service (config/migration-state.json)' },
      reason: { kind: 'string', value: 'why', help: 'why: the alert, or who asked; kept in the state and the commit message' },
      push: { kind: 'boolean', help: "push the commit to the branch's upstream" },
    },
  },
  ({ flags }) => {
    if (!flags.env || !flags.service || !flags.reason) throw new UserError('--env, --service and --reason are required');
    const result = rollBackInClone(projectRoot(), { env: flags.env, service: flags.service, reason: flags.reason }, { push: flags.push });
    process.stdout.write(
      result.outcome === 'committed'
        ? `rollback: ${result.message}: commit ${result.revision?.slice(0, 12)} changes ${result.files.join(', ')}\n`
        : `rollback: ${result.message}\n`,
    );
    return 0;
  },
);
