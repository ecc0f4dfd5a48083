import { execFileSync } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { BOOTSTRAP_HELM_INSTALLS } from '../../bootstrap/bootstrap-env';
import { COMPONENTS } from '../../components';
import { defineEnvironment, Override } from '../../config/define';
import { synth } from '../../lib/cli';
import { CheckFailure } from '../../config/errors';
import { EnvironmentConfig } from '../../config';
import { ENVIRONMENTS } from '../../config/environments';
import { NAMESPACES } from '../../lib/namespaces';
import { repoFolder } from '../../lib/sources';
import { KubeObject } from '../../lib/synth';
import { toolPath } from '../tools/tool-path';
import { linkDir } from '../tools/cache';
import { ControlPlane, freePort, kindNodes, startControlPlane } from './control-plane';
import { LiveConnections } from './connection-judge';
import { GATEWAY_CONTROLLER_STAND_IN } from './dataplane-stand-ins';
import { ensureServed } from './admission';
import { ciliumRuntimeCrds } from './environment-manifests';
import { hydrateApplications, readApplications, readDistEnvironment } from './hydrate';
import { statusMessage } from './kube-client';
import { chartMirror, crdMirror, GIT_SOURCE_MIRRORS } from './mirrors';
import { projectRoot } from '../../lib/project';
import { copyWorkingTree } from './working-tree';

/**
 * The user's whole loop on a real Argo CD: a clone of this project pushed to
 * a bare git repository on disk, the charts served from the mirror over
 * loopback HTTP, and Argo CD's repo-server and application controller (the
 * pinned release) running against the test control plane, configured from our
 * own render. The environment under test is a typed variant of a real one
 * whose git and mirror settings point at those local sources (seed section 12).
 */

const ROOT = projectRoot();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface AppStatus {
  readonly name: string;
  readonly wave: number;
  readonly sync: string;
  readonly health: string;
  readonly revision?: string;
  readonly phase?: string;
  readonly message?: string;
  readonly created: number;
}

export interface GitOpsOptions {
  /** The environment the e2e variant is made from. */
  readonly base: string;
  /** Settings of the variant beyond its sources (the test's own changes). */
  readonly override?: Override<EnvironmentConfig>;
  readonly log?: (line: string) => void;
}

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const GIT_IDENTITY = ['-c', 'user.name=e2e', '-c', 'user.email=e2e@kind-parity-platform.test'];
/** The Gatekeeper chart's audit Deployment, whose pod the local Gatekeeper process stands for. */
const GATEKEEPER_AUDIT_DEPLOYMENT = 'gatekeeper-audit';
/** The chart's webhook configuration and its validating webhook (gatekeeper chart 3.23). */
const GATEKEEPER_WEBHOOK_CONFIGURATION = 'gatekeeper-validating-webhook-configuration';
const GATEKEEPER_VALIDATION_WEBHOOK = 'validation.gatekeeper.sh';

/**
 * A self-signed serving certificate for 127.0.0.1 (the API server verifies
 * the webhook by it), written as tls.crt and tls.key; returns it as a caBundle.
 */
function loopbackServingCert(dir: string): string {
  fs.mkdirSync(dir, { recursive: true });
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'].concat([
        '-keyout',
        path.join(dir, 'tls.key'),
        '-out',
        path.join(dir, 'tls.crt'),
      ]),
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new CheckFailure(
      missing
        ? "openssl is not installed; the e2e signs Gatekeeper's webhook certificate with it (apt-get install openssl)"
        : `openssl could not make the webhook certificate: ${String((error as { stderr?: Buffer }).stderr ?? error).trim()}`,
    );
  }
  return fs.readFileSync(path.join(dir, 'tls.crt')).toString('base64');
}

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function listening(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(undefined));
  });
}

/** The project as it is in the working tree (tracked and new files), committed into a fresh repository. */
function cloneWorkingTree(dir: string): void {
  copyWorkingTree(ROOT, dir);
  git(dir, 'init', '-q', '-b', 'main');
  // The dependencies are the project's own, linked in and never committed (.gitignore ignores node_modules as a folder or a link).
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  git(dir, 'add', '-A');
  git(dir, ...GIT_IDENTITY, 'commit', '-q', '-m', 'the project as in the working tree');
}

/** Upstream git sources mirrored from the CRD mirror into bare repositories under `<root>/<host>/<path>`, tagged as upstream. */
function mirrorGitSources(root: string): void {
  const mirror = crdMirror();
  if (!mirror) throw new CheckFailure('the e2e needs the CRD mirror (../shared/crds or CRD_MIRROR) to serve the Gateway API CRDs offline');
  for (const source of GIT_SOURCE_MIRRORS) {
    const bare = path.join(root, repoFolder(source.repoURL));
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'git-mirror-'));
    fs.mkdirSync(path.join(work, source.path), { recursive: true });
    for (const f of fs.readdirSync(path.join(mirror, source.crdMirrorDir)))
      fs.copyFileSync(path.join(mirror, source.crdMirrorDir, f), path.join(work, source.path, f));
    git(work, 'init', '-q', '-b', 'main');
    git(work, 'add', '-A');
    git(work, ...GIT_IDENTITY, 'commit', '-q', '-m', `${source.path} at ${source.revision}`);
    git(work, 'tag', source.revision);
    fs.mkdirSync(bare, { recursive: true });
    git(bare, 'init', '-q', '--bare');
    git(work, 'push', '-q', `file://${bare}`, 'main', source.revision);
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Environment variables of a rendered container, with configMapKeyRef and secretKeyRef resolved from the render. */
function renderedEnv(workload: KubeObject, container: string, objects: readonly KubeObject[]): NodeJS.ProcessEnv {
  const spec = (workload.spec as any).template.spec;
  const c = spec.containers.find((x: any) => x.name === container);
  const find = (kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name) as any;
  const env: NodeJS.ProcessEnv = {};
  for (const e of c?.env ?? []) {
    if (e.value !== undefined) env[e.name] = String(e.value);
    else if (e.valueFrom?.configMapKeyRef) {
      const v = find('ConfigMap', e.valueFrom.configMapKeyRef.name)?.data?.[e.valueFrom.configMapKeyRef.key];
      if (v !== undefined) env[e.name] = String(v);
    } else if (e.valueFrom?.secretKeyRef) {
      const secret = find('Secret', e.valueFrom.secretKeyRef.name);
      const v =
        secret?.stringData?.[e.valueFrom.secretKeyRef.key] ??
        (secret?.data?.[e.valueFrom.secretKeyRef.key] ? Buffer.from(secret.data[e.valueFrom.secretKeyRef.key], 'base64').toString() : undefined);
      if (v !== undefined) env[e.name] = v;
    }
  }
  return env;
}

export class GitOpsLab {
  /** The dataplane's answer without a dataplane: Job pods' calls and seed steps' curls, judged by Cilium and the mesh. */
  readonly connections: LiveConnections;

  private constructor(
    readonly name: string,
    readonly root: string,
    readonly work: string,
    readonly bare: string,
    readonly cp: ControlPlane,
    private readonly base: string,
    private readonly sources: Override<EnvironmentConfig>,
    private readonly log: (line: string) => void,
  ) {
    this.connections = new LiveConnections(cp.client, toolPath(ROOT, 'cilium-policy'), log);
  }

  static async start(options: GitOpsOptions): Promise<GitOpsLab> {
    const log = options.log ?? (() => undefined);
    const mirror = chartMirror();
    if (!mirror)
      throw new CheckFailure('the e2e needs the chart mirror (../shared/charts or CHART_MIRROR): Argo CD renders the upstream charts from it');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kpp-e2e-'));
    const work = path.join(root, 'work');
    const bare = path.join(root, 'platform.git');
    const gitMirror = path.join(root, 'git');
    fs.mkdirSync(work);
    cloneWorkingTree(work);
    mirrorGitSources(gitMirror);
    git(root, 'init', '-q', '--bare', '-b', 'main', bare);
    git(work, 'remote', 'add', 'origin', `file://${bare}`);
    const env = ENVIRONMENTS[options.base];
    // Jobs complete only once Cilium's engine and the mesh allow the calls they are configured to make, as on a lab.
    const cp = await startControlPlane({ nodes: kindNodes(env.cluster.name, env.cluster.workers), log, judgedJobs: true });
    const chartPort = await freePort();
    await cp.launch('chart-mirror', process.execPath, [path.join(ROOT, 'verify', 'engines', 'static-server.js'), mirror, String(chartPort)]);
    const name = `e2e-${options.base}`;
    // A lab base reads the clone itself, as the Kind lab reads the user's clone (git.localClone): a commit, then Synced.
    // stg and prod read a remote: the bare repository, pushed to.
    const gitSource = env.git.localClone
      ? { repoURL: `file://${work}`, targetRevision: env.git.targetRevision, localClone: { nodePath: work } }
      : { repoURL: `file://${bare}`, targetRevision: 'main' };
    const sources: Override<EnvironmentConfig> = {
      // The base's hosts (api.lab-dev.local, ...): the seed's commands, the lab files and the chart's values name them.
      domain: env.domain,
      git: gitSource,
      mirrors: { charts: `http://127.0.0.1:${chartPort}`, git: `file://${gitMirror}` },
    };
    const lab = new GitOpsLab(name, root, work, bare, cp, options.base, sources, log);
    try {
      await lab.push(options.override ?? {}, `add the ${name} environment`);
      await lab.bootstrap();
      return lab;
    } catch (error) {
      await lab.stop();
      throw error;
    }
  }

  /**
   * The variant, typed (the base reached through loopback sources, plus the
   * scenario's override), rendered into the clone's dist/ by synth itself, then
   * committed and pushed. The registry it renders from is the project's plus
   * the variant, in memory: no source file is written or edited.
   */
  async push(override: Override<EnvironmentConfig>, message: string): Promise<{ revision: string; pushedAt: number }> {
    const variant = defineEnvironment(this.name, ENVIRONMENTS[this.base], this.sources, override);
    synth({ envs: [this.name], outDir: path.join(this.work, 'dist'), check: false }, COMPONENTS, { ...ENVIRONMENTS, [this.name]: variant });
    return this.commitAndPush(message);
  }

  /** Commits whatever is in the clone now (a render, or a hand edit of dist/) and pushes it. */
  commitAndPush(message: string): { revision: string; pushedAt: number } {
    git(this.work, 'add', '-A');
    git(this.work, ...GIT_IDENTITY, 'commit', '-q', '--allow-empty', '-m', message);
    git(this.work, 'push', '-q', 'origin', 'main');
    return { revision: git(this.work, 'rev-parse', 'HEAD'), pushedAt: Date.now() };
  }

  /** dist/<variant>/ as pushed. */
  distFile(relative: string): string {
    return path.join(this.work, 'dist', this.name, relative);
  }

  /** What setup.sh does after the Kind cluster exists, then Argo CD's processes and the root Application. */
  private async bootstrap(): Promise<void> {
    const client = this.cp.client;
    const dist = readDistEnvironment(path.join(this.work, 'dist'), this.name);
    const bootstrapObjects = [...dist]
      .filter(([f]) => f.startsWith('bootstrap/') && f.endsWith('.yaml') && !f.includes('.values.') && !f.includes('.config.'))
      .map(([, t]) => YAML.parse(t) as KubeObject);
    const apply = async (object: KubeObject, manager: string) => {
      if (!(await ensureServed(client, object)))
        throw new CheckFailure(`bootstrap: the server does not serve ${object.kind} in ${object.apiVersion}`);
      const response = await client.apply(object, manager);
      if (response.status >= 300) throw new CheckFailure(`bootstrap: ${object.kind} ${object.metadata.name}: ${statusMessage(response)}`);
    };
    for (const ns of bootstrapObjects.filter((o) => o.kind === 'Namespace')) await apply(ns, 'kubectl');
    const env = Object.fromEntries(
      [...dist.get('bootstrap/bootstrap.env')!.split('\n')]
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 2, -1)]),
    );
    // The lab's clone as the repo-server's volume, as setup.sh applies it before Argo CD.
    for (const file of (env.LAB_CLONE_FILES ?? '').split(' ').filter(Boolean)) await apply(YAML.parse(dist.get(`bootstrap/${file}`)!), 'kubectl');
    // The secrets setup.sh creates (never in git).
    await apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: env.TLS_SECRET_NAME, namespace: env.TLS_SECRET_NAMESPACE },
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': '', 'tls.key': '' },
      } as KubeObject,
      'kubectl',
    );
    await apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: env.GRAFANA_SECRET_NAME, namespace: env.GRAFANA_SECRET_NAMESPACE },
        stringData: { 'admin-user': 'admin', 'admin-password': randomBytes(12).toString('hex') },
      } as KubeObject,
      'kubectl',
    );

    // helm install of Cilium, then Argo CD, with the values their Applications carry.
    const apps = readApplications(dist).filter((a) => (BOOTSTRAP_HELM_INSTALLS as readonly string[]).includes(a.name));
    const hydrated = hydrateApplications(apps, { helm: toolPath(ROOT, 'helm') });
    for (const name of BOOTSTRAP_HELM_INSTALLS) {
      const app = hydrated.find((a) => a.app === name)!;
      if (app.status !== 'rendered') throw new CheckFailure(`bootstrap: ${name} did not render: ${app.message}`);
      await apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: app.namespace } } as KubeObject, 'helm');
      const ordered = [...app.objects].sort(
        (a, b) => Number(b.object.kind === 'CustomResourceDefinition') - Number(a.object.kind === 'CustomResourceDefinition'),
      );
      for (const o of ordered.filter((x) => x.phases.includes('Sync'))) await apply(o.object, 'helm');
    }
    const argocd = hydrated.find((a) => a.app === 'argocd')!.objects.map((o) => o.object);
    // The Cilium agent registers its policy CRDs at start; with kwok playing the nodes, the harness does it (from the CRD mirror).
    for (const crd of ciliumRuntimeCrds()) await apply(crd, 'cilium-agent');

    // What argocd-server does at its first start: the signing key and the default project.
    await client.mergePatch('v1', 'Secret', 'argocd-secret', NAMESPACES.argocd, {
      stringData: { 'server.secretkey': randomBytes(32).toString('base64') },
    });
    await apply(
      {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'AppProject',
        metadata: { name: 'default', namespace: NAMESPACES.argocd },
        spec: { sourceRepos: ['*'], destinations: [{ server: '*', namespace: '*' }], clusterResourceWhitelist: [{ group: '*', kind: '*' }] },
      } as KubeObject,
      'argocd-server',
    );

    await this.startArgoCd(argocd);
    this.connections.start();
    this.controllers = Promise.all([
      this.whenServed(['gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io'], 'the Gateway controller stand-in', () =>
        this.startGatewayControllerStandIn(),
      ),
      this.whenServed(
        [
          'constrainttemplates.templates.gatekeeper.sh',
          'configs.config.gatekeeper.sh',
          'constrainttemplatepodstatuses.status.gatekeeper.sh',
          'constraintpodstatuses.status.gatekeeper.sh',
        ],
        "Gatekeeper's controller",
        () => this.startGatekeeper(),
      ),
    ]).then(() => undefined);
    const rootApp = bootstrapObjects.find((o) => o.kind === 'Application')!;
    for (const project of bootstrapObjects.filter((o) => o.kind === 'AppProject')) await apply(project, 'kubectl');
    await apply(rootApp, 'kubectl');
    this.log(`gitops: ${this.name}: bootstrapped; root Application ${rootApp.metadata.name} applied`);
  }

  /** Redis, the repo-server, the application controller and the ApplicationSet controller, as local processes on loopback. */
  private async startArgoCd(argocd: readonly KubeObject[]): Promise<void> {
    await launchArgoCd(this.cp, this.root, argocd);
  }

  private controllers?: Promise<void>;
  private stopped = false;

  /** Whether a CRD is served: controllers in the cluster start once their CRDs exist, and so do their stand-ins. */
  private async established(crd: string): Promise<boolean> {
    const r = await this.cp.client.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd}`);
    return r.status === 200 && (r.body.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
  }

  private whenServed(crds: readonly string[], what: string, start: () => Promise<unknown>): Promise<void> {
    return this.waitFor(
      `the CRDs of ${what}`,
      async () => ((await Promise.all(crds.map((c) => this.established(c)))).every(Boolean) ? true : undefined),
      900,
    )
      .then(() => start())
      .then(
        () => this.log(`gitops: started ${what}`),
        (error: Error) => {
          if (!this.stopped) this.log(`gitops: ${what} did not start: ${error.message}`);
        },
      );
  }

  /**
   * Kong's controller programs the proxy once the Gateway API CRDs exist (Argo
   * CD installs them in wave 1); its stand-in, a second kwok with only the
   * Gateway API stages, starts at the same point, since kwok cannot watch kinds
   * the server does not serve yet.
   */
  private async startGatewayControllerStandIn(): Promise<void> {
    const files = GATEWAY_CONTROLLER_STAND_IN.map((stage, i) => {
      const file = path.join(this.root, `gateway-stage-${i}.yaml`);
      fs.writeFileSync(file, YAML.stringify(stage));
      return `--config=${file}`;
    });
    const port = await freePort();
    await this.cp.launch('kwok-gateway-controller', toolPath(ROOT, 'kwok'), [
      ...files,
      `--kubeconfig=${this.cp.kubeconfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=none',
      `--server-address=127.0.0.1:${port}`,
    ]);
  }

  /**
   * Gatekeeper's controller (the pinned gator release's, run as a local process
   * for the faked pods) starts when the chart's CRDs exist, as its pods do, and
   * then turns our ConstraintTemplates into Constraint CRDs for real. It runs as
   * the chart's audit pod, which kwok keeps Running: Gatekeeper makes that pod
   * the owner of its per-pod status objects. With `--debug-use-fake-pod` the
   * owner had no UID, so the garbage collector deleted every status object and
   * Gatekeeper wrote it again, about 30 times a second for the rest of the run.
   */
  private async startGatekeeper(): Promise<void> {
    const auditPod = await this.waitFor(
      `a Running pod of Deployment ${NAMESPACES.gatekeeper}/${GATEKEEPER_AUDIT_DEPLOYMENT}`,
      async () => {
        const audit = await this.cp.client.get('apps/v1', 'Deployment', GATEKEEPER_AUDIT_DEPLOYMENT, NAMESPACES.gatekeeper);
        if (audit.status !== 200) return undefined;
        const selector = Object.entries(audit.body.spec.selector.matchLabels as Record<string, string>)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        const pods = (await this.cp.client.list('v1', 'Pod', NAMESPACES.gatekeeper, selector)).body.items as any[];
        return pods.find((p) => p.status?.phase === 'Running' && !p.metadata.deletionTimestamp)?.metadata.name as string | undefined;
      },
      300,
    );
    const [health, metrics, prometheus, port] = await Promise.all(Array.from({ length: 4 }, freePort));
    const certDir = path.join(this.root, 'gatekeeper-certs');
    // The audit writes what it lists here (the chart mounts an emptyDir at /tmp/audit); without it every audit fails.
    const auditCache = path.join(this.root, 'gatekeeper-audit');
    fs.mkdirSync(auditCache, { recursive: true });
    const caBundle = loopbackServingCert(certDir);
    await this.cp.launch(
      'gatekeeper',
      toolPath(ROOT, 'gatekeeper'),
      [
        `--kubeconfig=${this.cp.kubeconfig}`,
        '--operation=audit',
        '--operation=status',
        '--operation=generate',
        '--operation=webhook',
        '--disable-cert-rotation',
        '--enable-external-data=false',
        `--cert-dir=${certDir}`,
        `--api-cache-dir=${auditCache}`,
        '--host=127.0.0.1',
        `--health-addr=127.0.0.1:${health}`,
        `--metrics-addr=127.0.0.1:${metrics}`,
        `--prometheus-port=${prometheus}`,
        `--port=${port}`,
      ],
      { ...process.env, HOME: path.join(this.root, 'home'), POD_NAMESPACE: NAMESPACES.gatekeeper, POD_NAME: auditPod },
    );
    await this.registerGatekeeperWebhook(port, caBundle);
  }

  /**
   * The chart's validating webhook, reached on loopback. The chart registers it
   * through its Service, which has no dataplane on kwok nodes (so with the
   * chart's failurePolicy Ignore, every request passed unchecked). The same
   * webhook entry, read from the chart's live configuration, is registered
   * again by URL: the API server then asks Gatekeeper as in the lab, after Pod
   * Security, and prints `admission webhook "validation.gatekeeper.sh" denied the request`.
   */
  private async registerGatekeeperWebhook(port: number, caBundle: string): Promise<void> {
    const chartConfig = await this.waitFor(
      `the chart's ValidatingWebhookConfiguration ${GATEKEEPER_WEBHOOK_CONFIGURATION}`,
      async () => {
        const got = await this.cp.client.get('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', GATEKEEPER_WEBHOOK_CONFIGURATION);
        return got.status === 200 ? got.body : undefined;
      },
      300,
    );
    const webhook = (chartConfig.webhooks as any[]).find((w) => w.name === GATEKEEPER_VALIDATION_WEBHOOK);
    if (!webhook) throw new CheckFailure(`${GATEKEEPER_WEBHOOK_CONFIGURATION} has no webhook ${GATEKEEPER_VALIDATION_WEBHOOK}`);
    await this.waitFor('Gatekeeper serving its webhook', () => listening(port), 120);
    const loopback = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: `${GATEKEEPER_WEBHOOK_CONFIGURATION}-loopback` },
      webhooks: [{ ...webhook, clientConfig: { url: `https://127.0.0.1:${port}${webhook.clientConfig.service?.path ?? '/v1/admit'}`, caBundle } }],
    } as unknown as KubeObject;
    const response = await this.cp.client.apply(loopback, 'e2e-harness');
    if (response.status >= 300) throw new CheckFailure(`registering Gatekeeper's webhook on loopback: ${statusMessage(response)}`);
    this.log(`gitops: ${this.name}: Gatekeeper's ${GATEKEEPER_VALIDATION_WEBHOOK} webhook answers on 127.0.0.1:${port}`);
  }

  /**
   * The Application objects. A list can fail for a moment while the server is
   * loaded (once in a stg run, the first poll after the root was applied); it
   * is asked again for up to 10 s, then the server's answer is the error.
   */
  async applicationObjects(): Promise<any[]> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const listed = await this.cp.client.list('argoproj.io/v1alpha1', 'Application', NAMESPACES.argocd);
      if (listed.status === 200 && Array.isArray(listed.body?.items)) return listed.body.items as any[];
      if (Date.now() > deadline) throw new CheckFailure(`listing the Applications: HTTP ${listed.status} ${statusMessage(listed)}`);
      this.log(`gitops: listing the Applications answered HTTP ${listed.status} ${statusMessage(listed)}; asking again`);
      await sleep(500);
    }
  }

  /**
   * When Argo CD's cluster cache handled each CRD event, from the application
   * controller's log (second resolution). Each one lists the API server's
   * resources and reloads its whole OpenAPI document under the cache's lock;
   * a CRD-heavy bootstrap waits for that queue (gitops-engine `cluster.go`).
   */
  argoCdCrdEvents(): number[] {
    const controller = this.cp.processes.find((p) => p.name === 'argocd-application-controller');
    if (!controller || !fs.existsSync(controller.log)) return [];
    return fs
      .readFileSync(controller.log, 'utf8')
      .split('\n')
      .filter((line) => line.includes('Open API schemas due to CRD event'))
      .map((line) => Date.parse(/time="([^"]+)"/.exec(line)?.[1] ?? ''))
      .filter((t) => !Number.isNaN(t));
  }

  async applications(): Promise<AppStatus[]> {
    const items = await this.applicationObjects();
    return items
      .map((a) => ({
        name: a.metadata.name,
        wave: Number(a.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0),
        sync: a.status?.sync?.status ?? '',
        health: a.status?.health?.status ?? '',
        revision: a.status?.sync?.revision,
        phase: a.status?.operationState?.phase,
        message: a.status?.operationState?.message ?? a.status?.conditions?.map((c: any) => c.message).join('; '),
        created: Date.parse(a.metadata.creationTimestamp),
      }))
      .sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));
  }

  /**
   * What the engines report that Argo CD reads as Degraded, for a failure
   * message: Gatekeeper's per-Constraint audit result (Argo CD's health check
   * for Constraints turns violations and per-pod errors into Degraded) and
   * Deployments past their progress deadline.
   */
  async unhealthyEvidence(): Promise<string[]> {
    const lines: string[] = [];
    await this.cp.client.discover();
    const crds = (await this.cp.client.request('GET', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions')).body.items as any[];
    for (const crd of crds.filter((c) => c.spec.group === 'constraints.gatekeeper.sh')) {
      const kind = crd.spec.names.kind;
      for (const c of (await this.cp.client.list('constraints.gatekeeper.sh/v1beta1', kind)).body.items as any[]) {
        const errors = (c.status?.byPod ?? []).flatMap((p: any) => (p.errors ?? []).map((e: any) => e.message));
        const violations = (c.status?.violations ?? []).map((v: any) => `${v.kind} ${v.namespace ?? ''}/${v.name}: ${v.message}`);
        if (errors.length > 0 || (c.status?.totalViolations ?? 0) > 0)
          lines.push(
            `${kind}/${c.metadata.name}: ${c.status?.totalViolations ?? 0} audit violation(s) ${violations.join(', ')} ${errors.join(', ')}`.trim(),
          );
      }
    }
    for (const d of (await this.cp.client.list('apps/v1', 'Deployment')).body.items as any[]) {
      const progressing = (d.status?.conditions ?? []).find((c: any) => c.type === 'Progressing');
      if (progressing?.reason === 'ProgressDeadlineExceeded')
        lines.push(`Deployment ${d.metadata.namespace}/${d.metadata.name}: ${progressing.message}`);
    }
    return lines;
  }

  /** What a git webhook does after a push: ask Argo CD to look at git now. */
  async refresh(names?: readonly string[]): Promise<void> {
    const apps = names ?? (await this.applications()).map((a) => a.name);
    for (const name of apps)
      await this.cp.client.mergePatch('argoproj.io/v1alpha1', 'Application', name, NAMESPACES.argocd, {
        metadata: { annotations: { 'argocd.argoproj.io/refresh': 'normal' } },
      });
  }

  async waitFor<T>(what: string, probe: () => Promise<T | undefined>, seconds: number): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
      if (this.stopped) throw new CheckFailure(`${this.name}: stopped while waiting for ${what}`);
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new CheckFailure(`${this.name}: ${what} not within ${seconds} s`);
      await sleep(500);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.connections.stop();
    await this.controllers;
    await this.cp.stop();
    if (!process.env.KPP_KEEP_CONTROL_PLANE) fs.rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Argo CD's processes on loopback against `cp`, each configured from the chart's render (`argocd`):
 * Redis, the repo-server, the application controller and the ApplicationSet controller, which the
 * same multi-call binary runs as ARGOCD_BINARY_NAME selects. The chart deploys all four in every
 * environment, and an ApplicationSet (the management environment's fleet) is Healthy only once its
 * controller reports on it.
 */
export async function launchArgoCd(cp: ControlPlane, root: string, argocd: readonly KubeObject[]): Promise<{ readonly applicationSetPid: number }> {
  const [redisPort, repoPort, repoMetrics, controllerMetrics] = await Promise.all(Array.from({ length: 4 }, freePort));
  const home = path.join(root, 'home');
  fs.mkdirSync(home, { recursive: true });
  // Argo CD reads its namespace from the kubeconfig context, as in the cluster from its service account.
  const kubeconfig = YAML.parse(fs.readFileSync(cp.kubeconfig, 'utf8'));
  kubeconfig.contexts[0].context.namespace = NAMESPACES.argocd;
  const argoKubeconfig = path.join(root, 'argocd.kubeconfig');
  fs.writeFileSync(argoKubeconfig, YAML.stringify(kubeconfig));
  const workload = (kind: string, name: string) => argocd.find((o) => o.kind === kind && o.metadata.name === name)!;
  const base: NodeJS.ProcessEnv = {
    PATH: `${linkDir()}:${process.env.PATH}`,
    HOME: home,
    KUBECONFIG: argoKubeconfig,
    ARGOCD_FAKE_IN_CLUSTER: 'true',
    ARGOCD_GPG_ENABLED: 'false',
  };
  await cp.launch(
    'redis',
    toolPath(ROOT, 'redis-server'),
    ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    base,
  );
  const repoEnv = renderedEnv(workload('Deployment', 'argocd-repo-server'), 'repo-server', argocd);
  await cp.launch(
    'argocd-repo-server',
    toolPath(ROOT, 'argocd-repo-server'),
    [
      '--redis',
      `127.0.0.1:${redisPort}`,
      '--address',
      '127.0.0.1',
      '--port',
      String(repoPort),
      '--metrics-address',
      '127.0.0.1',
      '--metrics-port',
      String(repoMetrics),
      '--disable-tls',
    ],
    { ...base, ...repoEnv, ARGOCD_REPO_SERVER_DISABLE_TLS: 'true' },
  );
  const controllerEnv = renderedEnv(workload('StatefulSet', 'argocd-application-controller'), 'application-controller', argocd);
  await cp.launch(
    'argocd-application-controller',
    toolPath(ROOT, 'argocd-application-controller'),
    [
      '--redis',
      `127.0.0.1:${redisPort}`,
      '--repo-server',
      `127.0.0.1:${repoPort}`,
      '--repo-server-plaintext',
      '--metrics-port',
      String(controllerMetrics),
    ],
    // The process is the StatefulSet's replica 0: the shard that holds the in-cluster cluster when prod runs 2 (legacy sharding).
    { ...base, ...controllerEnv, ARGOCD_CONTROLLER_SHARD: '0' },
  );
  const [appsetMetrics, appsetProbe, appsetWebhook] = await Promise.all(Array.from({ length: 3 }, freePort));
  const appsetEnv = renderedEnv(workload('Deployment', 'argocd-applicationset-controller'), 'applicationset-controller', argocd);
  const appset = await cp.launch(
    'argocd-applicationset-controller',
    toolPath(ROOT, 'argocd'),
    [
      '--argocd-repo-server',
      `127.0.0.1:${repoPort}`,
      '--repo-server-plaintext',
      '--metrics-addr',
      `127.0.0.1:${appsetMetrics}`,
      '--probe-addr',
      `127.0.0.1:${appsetProbe}`,
      '--webhook-addr',
      `127.0.0.1:${appsetWebhook}`,
      '--logformat',
      'text',
    ],
    { ...base, ...appsetEnv, ARGOCD_BINARY_NAME: 'argocd-applicationset-controller' },
  );
  return { applicationSetPid: appset.pid };
}
