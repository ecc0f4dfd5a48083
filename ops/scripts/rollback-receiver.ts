/**
 * npm run rollback-receiver -- --env <env> [--listen <host:port>] [--push]
 * Seed 10-3's automatic rollback: the webhook Alertmanager calls for alerts
 * labelled action="rollback". Each firing alert for a migrating service
 * becomes the commit `npm run rollback` makes, in this clone; Argo CD syncs it
 * (the Kind lab reads this clone; elsewhere, --push sends it to the remote).
 */
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { UserError } from '../../config/errors';
import { readMigrationState } from '../../config/migration-state';
import { runCommand } from '../../lib/command';
import { projectRoot } from '../../lib/project';
import { startRollbackReceiver } from '../receiver';
import { rollBackInClone } from '../rollback';

runCommand(
  {
    name: 'rollback-receiver',
    invocation: 'npm run rollback-receiver --',
    summary: "Seed 10-3: Alertmanager's rollback webhook; commits the rollback of the service a firing alert names, for Argo CD to sync.",
    flags: {
      env: { kind: 'string', help: 'the environment whose Alertmanager calls this receiver', oneOf: () => ENVIRONMENT_NAMES },
      listen: {
        kind: 'string',
        value: 'host:port',
        help: "where to listen (default 127.0.0.1:9095; the Kind lab needs the kind network's gateway, 172.18.0.1:9095)",
      },
      push: { kind: 'boolean', help: "push each rollback commit to the branch's upstream" },
    },
  },
  async ({ flags }) => {
    const env = flags.env;
    if (!env) throw new UserError('--env is required');
    const [host, port] = (flags.listen ?? '127.0.0.1:9095').split(':');
    if (!host || !/^[0-9]+$/.test(port ?? '') || Number(port) > 65535) throw new UserError(`--listen '${flags.listen}' is not host:port`);
    const root = projectRoot();
    const receiver = await startRollbackReceiver({
      env,
      host,
      port: Number(port),
      migrating: () => Object.keys(readMigrationState(root)[env] ?? {}),
      rollBack: async (service, reason) => {
        const r = rollBackInClone(root, { env, service, reason }, { push: flags.push });
        return r.revision ? `${r.message}; commit ${r.revision.slice(0, 12)}` : r.message;
      },
      log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
    });
    process.stdout.write(`rollback-receiver: ${env}: listening on ${receiver.url}; Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
    await receiver.idle();
    await receiver.close();
    return 0;
  },
);
