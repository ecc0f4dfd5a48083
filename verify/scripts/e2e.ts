/**
 * npm run e2e -- --env <env> [--json <file>]
 * The user's loop on the pinned Argo CD and a Kubernetes control plane:
 * bootstrap, push, selfHeal, prune, a rejected commit and an upstream chart
 * change, with a table of the Applications. Runs in a private network
 * namespace when it can, so every server it starts is reachable on loopback only.
 */
import { withHeartbeat } from '../engines/heartbeat';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { E2E_STOPS, E2eStop, formatReport, runE2e, runUntil } from '../engines/gitops-scenarios';
import { runCommand } from '../../lib/command';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();
const INSIDE = 'KPP_E2E_NETNS';

/** Whether this machine lets us make a network namespace with its own loopback (root, util-linux, iproute2). */
const canIsolate = () => spawnSync('unshare', ['--net', '--', 'ip', 'link', 'set', 'lo', 'up'], { stdio: 'ignore' }).status === 0;

runCommand(
  {
    name: 'e2e',
    invocation: 'npm run e2e --',
    summary: 'Bootstraps an environment through a real Argo CD from a local git push and runs the GitOps scenarios.',
    flags: {
      env: { kind: 'string', help: 'the environment to run', oneOf: () => ENVIRONMENT_NAMES, required: true },
      json: { kind: 'string', value: 'file', help: 'also write the report as JSON' },
      until: {
        kind: 'string',
        help: 'stop early: first-application once the root created its first child (every tool started, Argo CD read git), root-synced once the root is Synced',
        oneOf: () => E2E_STOPS,
      },
      'stop-with-stdin': { kind: 'boolean', help: 'stop everything when stdin closes (for a test runner that may be killed)' },
    },
  },
  async ({ flags }) => {
    if (!process.env[INSIDE] && canIsolate()) {
      // Argo CD's controller and Gatekeeper bind their metrics ports on every interface; in a
      // namespace of our own, every interface is a private loopback.
      const args = [
        '--net',
        '--',
        'sh',
        '-c',
        'ip link set lo up && exec "$0" "$@"',
        process.execPath,
        path.join(ROOT, 'lib/run-ts.js'),
        'verify/scripts/e2e.ts',
        ...process.argv.slice(2),
      ];
      return spawnSync('unshare', args, { cwd: ROOT, stdio: 'inherit', env: { ...process.env, [INSIDE]: '1' } }).status ?? 1;
    }
    if (!process.env[INSIDE])
      console.log('e2e: no private network namespace here (needs root and unshare); Argo CD and Gatekeeper metrics ports listen on all interfaces');
    if (flags['stop-with-stdin']) process.stdin.on('end', () => process.exit(130)).resume();
    // Reading stdin keeps the process alive; stop reading once the run is over.
    const started = Date.now();
    const { log, stop } = withHeartbeat((line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${line}`));
    if (flags.until) {
      const until = flags.until as E2eStop;
      const { what, seconds } = await runUntil(flags.env, until, log).finally(() => (stop(), process.stdin.destroy()));
      console.log(`e2e: ${what} ${seconds.toFixed(1)} s after the start; stopped there (--until ${until})`);
      return 0;
    }
    const report = await runE2e(flags.env, log).finally(() => (stop(), process.stdin.destroy()));
    process.stdout.write(formatReport(report));
    if (flags.json) fs.writeFileSync(flags.json, JSON.stringify(report, null, 2));
    return report.scenarios.every((s) => s.ok) ? 0 : 1;
  },
);
