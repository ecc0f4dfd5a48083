/**
 * npm run cluster -- up [--env <env>] [--apply] [--foreground] | down | status
 * A real Kubernetes control plane on loopback (etcd, kube-apiserver,
 * controller-manager, scheduler, kwok nodes shaped like the Kind cluster),
 * for trying what the tests do by hand. `up` prints the kubeconfig to use with
 * the pinned kubectl (.tools/bin/kubectl).
 */
import * as fs from 'fs';
import * as path from 'path';
import { COMPONENTS } from '../../components';
import { UserError } from '../../config';
import { assertValid } from '../../config/validate';
import { environmentByName, ENVIRONMENT_NAMES } from '../../config/environments';
import { applyEnvironment, waitForWorkloads } from '../engines/admission';
import { ControlPlaneState, isAlive, kindNodes, startControlPlane, stopProcesses } from '../engines/control-plane';
import { applicationsOf, hydrateApplications } from '../engines/hydrate';
import { runCommand } from '../../lib/command';
import { renderEnvironment } from '../../lib/synth';
import { toolPath } from '../tools/tool-path';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();
// KPP_CLUSTER_STATE lets a second cluster (the bench's) run beside the user's.
const STATE_DIR = process.env.KPP_CLUSTER_STATE ? path.resolve(process.env.KPP_CLUSTER_STATE) : path.join(ROOT, '.cluster');
const STATE_FILE = path.join(STATE_DIR, 'state.json');

const readState = (): ControlPlaneState | undefined =>
  fs.existsSync(STATE_FILE) ? (JSON.parse(fs.readFileSync(STATE_FILE, 'utf8')) as ControlPlaneState) : undefined;

runCommand(
  {
    name: 'cluster',
    invocation: 'npm run cluster --',
    summary: 'Starts, stops or shows the local Kubernetes 1.35 control plane with kwok nodes that the tests use.',
    flags: {
      env: { kind: 'string', help: 'shape the nodes like this environment’s Kind cluster (default: dev)', oneOf: () => ENVIRONMENT_NAMES },
      apply: { kind: 'boolean', help: 'with up: apply the environment (ours and the upstream charts) as Argo CD would' },
      foreground: { kind: 'boolean', help: 'with up: stay in the foreground and stop everything on Ctrl-C' },
    },
    positional: { name: 'action', help: 'up, down or status', oneOf: () => ['up', 'down', 'status'] },
  },
  async ({ flags, positional }) => {
    if (positional.length !== 1) throw new UserError('give exactly one action: up, down or status; usage: npm run cluster -- up|down|status');
    const action = positional[0];
    const state = readState();
    if (action === 'status') {
      if (!state) {
        console.log('cluster: not running (no .cluster/state.json); start it with npm run cluster -- up');
        return 1;
      }
      const alive = state.processes.filter((p) => isAlive(p.pid));
      console.log(`cluster: ${alive.length} of ${state.processes.length} processes running at ${state.server}; KUBECONFIG=${state.kubeconfig}`);
      for (const p of state.processes) console.log(`  ${p.name.padEnd(24)} pid ${p.pid}  ${isAlive(p.pid) ? 'running' : 'stopped'}`);
      return alive.length === state.processes.length ? 0 : 1;
    }
    if (action === 'down') {
      if (!state) {
        console.log('cluster: nothing to stop');
        return 0;
      }
      await stopProcesses(state.processes);
      fs.rmSync(STATE_DIR, { recursive: true, force: true });
      console.log(`cluster: stopped ${state.processes.length} processes and removed .cluster/`);
      return 0;
    }
    if (state && state.processes.some((p) => isAlive(p.pid)))
      throw new UserError(`a cluster is already running at ${state.server}; stop it with npm run cluster -- down`);
    fs.rmSync(STATE_DIR, { recursive: true, force: true });
    const env = assertValid(environmentByName(flags.env ?? 'dev'));
    const cp = await startControlPlane({
      nodes: kindNodes(env.cluster.name, env.cluster.workers),
      detached: !flags.foreground,
      dir: flags.foreground ? undefined : STATE_DIR,
      log: (line) => console.log(line),
    });
    if (flags.apply) {
      const rendered = renderEnvironment(env, COMPONENTS);
      const report = await applyEnvironment(cp, rendered, hydrateApplications(applicationsOf(rendered), { helm: toolPath(ROOT, 'helm') }));
      const ready = await waitForWorkloads(cp.client, 120);
      console.log(
        [
          `cluster: ${env.name}: applied ${report.applied.ours} of ours, ${report.applied.upstream} upstream, ${report.applied.argocd} Argo CD objects`,
          `${report.rejected.length} rejected`,
          `${ready.statuses.filter((w) => w.ready === w.desired).length} of ${ready.statuses.length} workloads ready`,
        ].join('; '),
      );
      for (const r of report.rejected) console.log(`  rejected ${r.object}: ${r.message}`);
    }
    console.log(`cluster: export KUBECONFIG=${cp.kubeconfig}; ${path.relative(process.cwd(), path.join(ROOT, '.tools/bin/kubectl'))} get nodes`);
    if (!flags.foreground) {
      cp.client.close();
      console.log('cluster: running in the background; stop it with npm run cluster -- down');
      return 0;
    }
    console.log('cluster: running in the foreground; Ctrl-C stops it');
    // Keep the event loop alive; the control plane's SIGINT/SIGTERM handler stops every process.
    await new Promise<never>(() => setInterval(() => undefined, 1 << 30));
    return 0;
  },
);
