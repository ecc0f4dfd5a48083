/**
 * npm run rollback-receiver -- --env <env> --token-file <file> [--listen <host:port>] [--tls-cert <file> --tls-key <file>] [--push]
 * Seed 10-3's automatic rollback: the webhook Alertmanager calls for alerts
 * labelled action="rollback", with the bearer token its http_config sends.
 * Each firing alert for a migrating service becomes the commit `npm run
 * rollback` makes, in a worktree of its own: on this clone's branch (the Kind
 * lab reads this clone), or with --push on the remote's tip, pushed alone.
 */
import * as fs from 'fs';
import { isIPv4, isIPv6 } from 'net';
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { UserError } from '../../config/errors';
import { readMigrationState } from '../../config/migration-state';
import { runCommand } from '../../lib/command';
import { projectRoot } from '../../lib/project';
import { MIN_TOKEN_LENGTH, plainHttpWarning, startRollbackReceiver } from '../receiver';
import { rollBack } from '../rollback';

/** Where the token comes from when no --token-file is given: never from git. */
const TOKEN_VARIABLE = 'ROLLBACK_RECEIVER_TOKEN';

const readable = (flag: string, file: string) => {
  try {
    return fs.readFileSync(file);
  } catch (error) {
    throw new UserError(`${flag} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
};

const wildcard = (host: string) => host === '0.0.0.0' || host === '::' || host === '[::]';

runCommand(
  {
    name: 'rollback-receiver',
    invocation: 'npm run rollback-receiver --',
    summary: "Seed 10-3: Alertmanager's rollback webhook; commits the rollback of the service a firing alert names, for Argo CD to sync.",
    flags: {
      env: { kind: 'string', help: 'the environment whose Alertmanager calls this receiver', oneOf: () => ENVIRONMENT_NAMES, required: true },
      'token-file': {
        kind: 'string',
        value: 'file',
        help: `the bearer token Alertmanager sends (its Secret's token key); else $${TOKEN_VARIABLE}; required, at least ${MIN_TOKEN_LENGTH} characters`,
      },
      listen: {
        kind: 'string',
        value: 'host:port',
        help: "where to listen (default 127.0.0.1:9095; the Kind lab needs the kind network's gateway, 172.18.0.1:9095)",
      },
      'listen-all': { kind: 'boolean', help: 'allow --listen on every address (0.0.0.0 or ::); refused without it' },
      'tls-cert': { kind: 'string', value: 'file', help: 'serve HTTPS with this certificate (PEM), with --tls-key' },
      'tls-key': { kind: 'string', value: 'file', help: 'the key of --tls-cert (PEM)' },
      push: {
        kind: 'boolean',
        help: "make each rollback on the remote's tip and push it; a push that does not land answers 500, so Alertmanager retries",
      },
    },
  },
  async ({ flags }) => {
    const env = flags.env;
    const listen = flags.listen ?? '127.0.0.1:9095';
    const at = listen.lastIndexOf(':');
    const [host, port] = [listen.slice(0, at).replace(/^\[(.*)\]$/, '$1'), listen.slice(at + 1)];
    if (!host || !/^[0-9]+$/.test(port) || Number(port) > 65535 || (!isIPv4(host) && !isIPv6(host) && host !== 'localhost'))
      throw new UserError(`--listen '${listen}' is not host:port (an IP address or localhost, and a port)`);
    if (wildcard(host) && !flags['listen-all'])
      throw new UserError(`--listen ${listen} answers every network this machine is on; name the address Alertmanager reaches, or add --listen-all`);
    if ((flags['tls-cert'] === undefined) !== (flags['tls-key'] === undefined)) throw new UserError('--tls-cert and --tls-key go together');
    const tls = flags['tls-cert'] ? { cert: readable('--tls-cert', flags['tls-cert']), key: readable('--tls-key', flags['tls-key']!) } : undefined;
    const token = (flags['token-file'] ? readable('--token-file', flags['token-file']).toString('utf8') : (process.env[TOKEN_VARIABLE] ?? '')).trim();
    if (!token)
      throw new UserError(
        `no credential: give --token-file (the token of Alertmanager's rollback-receiver Secret) or $${TOKEN_VARIABLE}; the receiver commits to the git production runs, so it answers no one without one`,
      );
    if (token.length < MIN_TOKEN_LENGTH)
      throw new UserError(`the token has ${token.length} characters; use at least ${MIN_TOKEN_LENGTH} (openssl rand -hex 24)`);
    const root = projectRoot();
    const receiver = await startRollbackReceiver({
      env,
      host,
      port: Number(port),
      token,
      tls,
      migrating: () => Object.keys(readMigrationState(root)[env] ?? {}),
      rollBack: async (service, reason) => {
        const r = await rollBack(root, { env, service, reason }, { push: flags.push });
        return r.revision ? `${r.message}; commit ${r.revision.slice(0, 12)}${flags.push ? ' pushed' : ''}` : r.message;
      },
      log: (line) => process.stdout.write(`${new Date().toISOString()} ${line}\n`),
    });
    const warning = plainHttpWarning(host, tls !== undefined);
    if (warning) process.stdout.write(`rollback-receiver: warning: ${warning}\n`);
    process.stdout.write(`rollback-receiver: ${env}: listening on ${receiver.url}; Ctrl-C stops it\n`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
    await receiver.idle();
    await receiver.close();
    return 0;
  },
);
