import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { FLEET_CLUSTER_LABEL } from '../../charts/fleet';
import { COMPONENTS } from '../../components';
import { EnvironmentConfig, FleetCluster } from '../../config';
import { defineEnvironment } from '../../config/define';
import { CheckFailure } from '../../config/errors';
import { ENVIRONMENTS } from '../../config/environments';
import { NAMESPACES } from '../../lib/namespaces';
import { projectRoot } from '../../lib/project';
import { KubeObject, renderEnvironment } from '../../lib/synth';
import { toolPath } from '../tools/tool-path';
import { ControlPlane, kindNodes, startControlPlane } from './control-plane';
import { ensureServed } from './admission';
import { launchArgoCd } from './gitops';
import { hydrateApplications, readApplications, readDistEnvironment } from './hydrate';
import { statusMessage } from './kube-client';
import { copyWorkingTree } from './working-tree';

/**
 * One Argo CD, many clusters, on real engines: a management control plane running Argo CD's
 * repo-server, application controller and ApplicationSet controller (the pinned build,
 * configured from the chart's render), and one kwok control plane per spoke. The fleet's
 * AppProjects and ApplicationSet are the Fleet component's render for a variant of the
 * management environment (dev) whose git source is a committed clone of this tree and whose
 * registered clusters are the spokes; each spoke's credentials are an Argo CD cluster Secret,
 * created through the API as a person creates it outside git.
 */

const ROOT = projectRoot();
const MANAGEMENT = 'dev';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const GIT_IDENTITY = ['-c', 'user.name=fleet-e2e', '-c', 'user.email=fleet-e2e@kind-parity-platform.test'];

export interface Spoke {
  readonly cluster: FleetCluster;
  readonly cp: ControlPlane;
}

export interface GeneratedApp {
  readonly name: string;
  readonly sync: string;
  readonly health: string;
  readonly revision?: string;
  readonly message?: string;
  readonly resources: number;
}

export class FleetLab {
  private stopped = false;

  private constructor(
    readonly root: string,
    readonly work: string,
    readonly hub: ControlPlane,
    readonly spokes: Spoke[],
    readonly applicationSetPid: number,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * The clone (`prepare` runs in it first, then it is committed), the management control plane with
   * Argo CD, and one spoke per environment in `spokeEnvironments`, each named after its Kind cluster.
   */
  static async start(options: {
    readonly spokeEnvironments: readonly string[];
    readonly prepare?: (work: string) => void;
    readonly log?: (line: string) => void;
  }): Promise<FleetLab> {
    const log = options.log ?? (() => undefined);
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpp-fleet-'));
    const work = path.join(root, 'work');
    copyWorkingTree(ROOT, work);
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(work, 'node_modules'));
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: work });
    options.prepare?.(work);
    commitAll(work, 'the working tree');
    const started: ControlPlane[] = [];
    try {
      const hub = await startControlPlane({ nodes: [], log });
      started.push(hub);
      const spokes: Spoke[] = [];
      for (const name of options.spokeEnvironments) {
        const env = ENVIRONMENTS[name];
        const cp = await startControlPlane({ nodes: kindNodes(env.cluster.name, env.cluster.workers), log });
        started.push(cp);
        spokes.push({ cp, cluster: { name: env.cluster.name, environment: name, server: cp.server } });
      }
      const argocd = await installArgoCd(hub, work);
      const { applicationSetPid } = await launchArgoCd(hub, root, argocd);
      const lab = new FleetLab(root, work, hub, spokes, applicationSetPid, log);
      for (const spoke of spokes) await lab.registerCredentials(spoke.cluster.name, spoke.cluster.server, spoke.cp);
      log(`fleet: management plane and ${spokes.length} spokes up`);
      return lab;
    } catch (error) {
      for (const cp of started.reverse()) await cp.stop();
      fs.rmSync(root, { recursive: true, force: true });
      throw error;
    }
  }

  /** The management environment as this lab runs it: its git source is the clone, its clusters are `clusters`. */
  managementVariant(clusters: readonly FleetCluster[]): EnvironmentConfig {
    const dev = ENVIRONMENTS[MANAGEMENT];
    return defineEnvironment(MANAGEMENT, dev, {
      git: { repoURL: `file://${this.work}`, targetRevision: 'HEAD' },
      fleet: { clusters: [...clusters], components: dev.fleet?.components ?? [] },
    });
  }

  /** The Fleet component's objects for `clusters`, rendered by synth's own renderer. */
  renderFleet(clusters: readonly FleetCluster[]): KubeObject[] {
    const fleet = COMPONENTS.filter((c) => c.name === 'fleet');
    return renderEnvironment(this.managementVariant(clusters), fleet).files.map((f) => f.object);
  }

  /**
   * What the management root's `fleet` child does on a sync: applies the AppProjects and the
   * ApplicationSet, and prunes the AppProjects of entries that are gone.
   */
  async applyFleet(clusters: readonly FleetCluster[]): Promise<void> {
    const objects = this.renderFleet(clusters);
    const wave = (o: KubeObject) => Number((o.metadata.annotations as Record<string, string> | undefined)?.['argocd.argoproj.io/sync-wave'] ?? 0);
    // In sync-wave order, as Argo CD applies them: the AppProjects, then the ApplicationSet.
    for (const object of [...objects].sort((a, b) => wave(a) - wave(b))) await this.apply(object, 'argocd-controller');
    const wanted = new Set(objects.filter((o) => o.kind === 'AppProject').map((o) => o.metadata.name));
    const projects = (await this.hub.client.list('argoproj.io/v1alpha1', 'AppProject', NAMESPACES.argocd)).body.items as KubeObject[];
    for (const project of projects)
      if (project.metadata.name.startsWith('fleet-') && !wanted.has(project.metadata.name))
        await this.hub.client.delete('argoproj.io/v1alpha1', 'AppProject', project.metadata.name, NAMESPACES.argocd);
  }

  async apply(object: KubeObject, manager: string): Promise<void> {
    if (!(await ensureServed(this.hub.client, object)))
      throw new CheckFailure(`fleet: the server does not serve ${object.kind} in ${object.apiVersion}`);
    const response = await this.hub.client.apply(object, manager);
    if (response.status >= 300) throw new CheckFailure(`fleet: ${object.kind} ${object.metadata.name}: ${statusMessage(response)}`);
  }

  /**
   * The cluster Secret a person creates outside git: with `cp`, by the README's own two kubectl
   * commands ("One Argo CD, many clusters"), carrying the spoke's bearer token and CA; without,
   * through the API, for an endpoint nothing answers (the scale run).
   */
  async registerCredentials(name: string, server: string, cp?: ControlPlane): Promise<void> {
    const secret = `cluster-${name}`;
    const labels = { 'argocd.argoproj.io/secret-type': 'cluster', [FLEET_CLUSTER_LABEL]: name };
    if (cp) {
      const config = { bearerToken: cp.token, tlsClientConfig: { caData: fs.readFileSync(path.join(cp.dir, 'ca.crt')).toString('base64') } };
      const kubectl = (...args: string[]) =>
        execFileSync(toolPath(ROOT, 'kubectl'), ['--kubeconfig', this.hub.kubeconfig, '-n', NAMESPACES.argocd, ...args], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      kubectl(
        'create',
        'secret',
        'generic',
        secret,
        `--from-literal=name=${name}`,
        `--from-literal=server=${server}`,
        `--from-literal=config=${JSON.stringify(config)}`,
      );
      kubectl('label', 'secret', secret, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`));
      return;
    }
    await this.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: secret, namespace: NAMESPACES.argocd, labels },
        stringData: { name, server, config: JSON.stringify({ tlsClientConfig: { insecure: true } }) },
      } as KubeObject,
      'kubectl',
    );
  }

  async applications(): Promise<GeneratedApp[]> {
    const items = (await this.hub.client.list('argoproj.io/v1alpha1', 'Application', NAMESPACES.argocd)).body.items as any[];
    return items
      .map((a) => ({
        name: a.metadata.name as string,
        sync: a.status?.sync?.status ?? '',
        health: a.status?.health?.status ?? '',
        revision: a.status?.sync?.revisions?.[0] ?? a.status?.sync?.revision,
        message: [a.status?.operationState?.message, ...(a.status?.conditions ?? []).map((c: any) => c.message)].filter(Boolean).join('; '),
        resources: (a.status?.resources ?? []).length,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** What a git webhook does after a push: ask Argo CD to look at git now. */
  async refresh(names: readonly string[]): Promise<void> {
    for (const name of names)
      await this.hub.client.mergePatch('argoproj.io/v1alpha1', 'Application', name, NAMESPACES.argocd, {
        metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } },
      });
  }

  commit(message: string): string {
    return commitAll(this.work, message);
  }

  /** Runs a project command in the clone (`main.ts`, `ops/scripts/promote.ts`), as a user runs it there. */
  run(script: string, ...args: string[]): string {
    return execFileSync(process.execPath, [path.join(this.work, 'lib', 'run-ts.js'), script, ...args], {
      cwd: this.work,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  }

  /** A management process's resident memory now and at its peak, in MiB, from /proc: the ApplicationSet controller by default. */
  memory(process = 'argocd-applicationset-controller'): { readonly rssMib: number; readonly peakMib: number } {
    const pid = process === 'argocd-applicationset-controller' ? this.applicationSetPid : this.hub.processes.find((p) => p.name === process)?.pid;
    if (!pid) throw new CheckFailure(`fleet: no ${process} process`);
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMib: kib('VmRSS') / 1024, peakMib: kib('VmHWM') / 1024 };
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    let quietSince = Date.now();
    for (;;) {
      if (this.stopped) throw new CheckFailure(`fleet: stopped while waiting for ${what}`);
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new CheckFailure(`fleet: ${what} not within ${seconds} s`);
      if (Date.now() - quietSince > 25_000) {
        this.log(`fleet: still waiting for ${what}`);
        quietSince = Date.now();
      }
      await sleep(250);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const spoke of [...this.spokes].reverse()) await spoke.cp.stop();
    await this.hub.stop();
    if (!process.env.KPP_KEEP_CONTROL_PLANE) fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/** Commits everything of `work` as the lab's identity; returns the commit. */
export function commitAll(work: string, message: string): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git('add', '-A');
  git(...GIT_IDENTITY, 'commit', '-q', '--allow-empty', '-m', message);
  return git('rev-parse', 'HEAD');
}

/**
 * What the management cluster's bootstrap installs before Argo CD starts: the argo-cd chart as
 * the management environment renders it (its CRDs, ApplicationSet's included, its ConfigMaps
 * and Secrets), and the signing key argocd-server writes at its first start.
 */
async function installArgoCd(hub: ControlPlane, work: string): Promise<KubeObject[]> {
  const dist = readDistEnvironment(path.join(work, 'dist'), MANAGEMENT);
  const apps = readApplications(dist).filter((a) => a.name === 'argocd');
  const [hydrated] = hydrateApplications(apps, { helm: toolPath(ROOT, 'helm') });
  if (!hydrated || hydrated.status !== 'rendered') throw new CheckFailure(`fleet: the argocd chart did not render: ${hydrated?.message}`);
  const objects = hydrated.objects.filter((o) => o.phases.includes('Sync')).map((o) => o.object);
  const apply = async (object: KubeObject) => {
    const response = await hub.client.apply(object, 'helm');
    if (response.status >= 300) throw new CheckFailure(`fleet: ${object.kind} ${object.metadata.name}: ${statusMessage(response)}`);
  };
  await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NAMESPACES.argocd } } as KubeObject);
  // The controllers run as processes here, so the chart's workloads are left out; its config is what they read.
  const config = objects.filter((o) => ['CustomResourceDefinition', 'ConfigMap', 'Secret'].includes(o.kind));
  for (const object of config.sort((a, b) => Number(b.kind === 'CustomResourceDefinition') - Number(a.kind === 'CustomResourceDefinition')))
    await apply(object);
  await hub.client.discover();
  await hub.client.mergePatch('v1', 'Secret', 'argocd-secret', NAMESPACES.argocd, {
    stringData: { 'server.secretkey': randomBytes(32).toString('base64') },
  });
  return hydrated.objects.map((o) => o.object);
}
