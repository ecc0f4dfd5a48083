import { ChildProcess, execFileSync, spawn } from 'child_process';
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { CheckFailure } from '../../config/errors';
import { VERSIONS } from '../../config/versions';
import { toolPath } from '../tools/tool-path';
import { toolDataDir } from '../tools/cache';
import { judgedJobStages } from './connection-judge';
import { KubeClient } from './kube-client';
import { projectRoot } from '../../lib/project';
import { freePort } from './loopback-process';

/**
 * A real Kubernetes control plane on loopback, as envtest runs one, plus the
 * controller-manager, the scheduler and kwok's fake nodes so that workloads
 * come up: etcd, kube-apiserver, kube-controller-manager, kube-scheduler and
 * kwok, on free ports, in a temporary folder, always stopped by their own PIDs.
 */

const ROOT = projectRoot();
const STORAGE_CLASS_FILE = 'storage-class.yaml';
const WATCHDOG = path.join(ROOT, 'verify', 'engines', 'watchdog.js');

/** A node shaped like the Kind cluster's: 1 control plane with its taint, and workers. */
export interface NodeShape {
  readonly name: string;
  readonly controlPlane: boolean;
}

/** What every fake node offers; about a laptop's worth, so the lab's requests fit as on Kind. */
export const NODE_CAPACITY = { cpu: '16', memory: '64Gi', pods: '250', 'ephemeral-storage': '200Gi' } as const;

export const kindNodes = (cluster: string, workers = 2): NodeShape[] => [
  { name: `${cluster}-control-plane`, controlPlane: true },
  ...Array.from({ length: workers }, (_, i) => ({ name: `${cluster}-worker${i === 0 ? '' : i + 1}`, controlPlane: false })),
];

export interface ControlPlaneOptions {
  readonly nodes?: readonly NodeShape[];
  /** Keep processes running after this Node process exits (`npm run cluster -- up`). */
  readonly detached?: boolean;
  /** Where to put certificates, data and logs (default: a new temp folder). */
  readonly dir?: string;
  readonly log?: (line: string) => void;
  /**
   * A Job's pod completes only once a connection judge (connection-judge.ts) has judged its configured calls
   * allowed, and fails once one is refused, instead of kwok completing it at once.
   */
  readonly judgedJobs?: boolean;
}

export interface ComponentProcess {
  readonly name: string;
  readonly pid: number;
  readonly log: string;
}

export interface ControlPlaneState {
  readonly dir: string;
  readonly server: string;
  readonly kubeconfig: string;
  readonly token: string;
  readonly processes: readonly ComponentProcess[];
  /** Seconds from the first spawn to a ready API server with Ready nodes. */
  readonly readySeconds: number;
}

export interface ControlPlane extends ControlPlaneState {
  readonly client: KubeClient;
  /** Starts one more process that lives and dies with this control plane (through the watchdog). */
  launch(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ComponentProcess>;
  stop(): Promise<void>;
}

/** The binaries, each checked to exist, or one line saying which and how to get it. */
function binaries() {
  const names = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
  return Object.fromEntries(
    names.map((n) => {
      try {
        return [n, toolPath(ROOT, n)];
      } catch (error) {
        throw new CheckFailure(`${n} is missing or broken (${(error as Error).message}); build it with: npm run tools -- ${n}`);
      }
    }),
  ) as Record<(typeof names)[number], string>;
}

export { freePort };

const openssl = (dir: string, args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });

/** A CA, the API server's serving certificate, an admin client certificate and the service-account key, with openssl. */
function generateCertificates(dir: string): void {
  const key = (name: string) => openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`]);
  key('ca');
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=kind-parity-platform-test-ca', '-days', '2', '-out', 'ca.crt']);
  const sign = (name: string, subject: string, extensions: string) => {
    key(name);
    fs.writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]);
  };
  sign(
    'apiserver',
    '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\n',
  );
  sign('admin', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth\n');
  // Service-account tokens are signed with this key and checked with its public half.
  key('sa');
  openssl(dir, ['ec', '-in', 'sa.key', '-pubout', '-out', 'sa.pub']);
}

function writeKubeconfig(dir: string, server: string): string {
  const file = path.join(dir, 'kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    // On loopback, gzip only costs CPU: Argo CD's cluster cache fetches the whole
    // OpenAPI document (about 5 MB) on every CRD event, and the server compressed
    // each copy (13% of its CPU while the charts install their CRDs).
    clusters: [{ name: 'kpp-test', cluster: { server, 'certificate-authority': path.join(dir, 'ca.crt'), 'disable-compression': true } }],
    users: [{ name: 'admin', user: { 'client-certificate': path.join(dir, 'admin.crt'), 'client-key': path.join(dir, 'admin.key') } }],
    contexts: [{ name: 'kpp-test', context: { cluster: 'kpp-test', user: 'admin' } }],
    'current-context': 'kpp-test',
  };
  fs.writeFileSync(file, YAML.stringify(config));
  return file;
}

/**
 * Every process any control plane of this Node process started, so an exit,
 * a crash or Ctrl-C never leaves one behind. Signalled by PID only.
 */
const running = new Set<ChildProcess>();
const temporaryDirs = new Set<string>();
let exitHandlersInstalled = false;
function killAll(): void {
  // Closing the watchdogs' stdin would be enough when this process dies; on a signal, be explicit.
  for (const child of running) if (child.pid && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGTERM');
  if (!process.env.KPP_KEEP_CONTROL_PLANE) for (const dir of temporaryDirs) fs.rmSync(dir, { recursive: true, force: true });
}
function installExitHandlers(): void {
  if (exitHandlersInstalled) return;
  exitHandlersInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      killAll();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, seconds: number, logs: () => string): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      lastError = (error as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CheckFailure(`${what} not ready in ${seconds} s${lastError ? ` (${lastError})` : ''}; ${logs()}`);
}

export const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Stops processes by PID, newest first: SIGTERM, then SIGKILL after 5 s. */
export async function stopProcesses(processes: readonly ComponentProcess[]): Promise<void> {
  for (const p of [...processes].reverse()) {
    if (!isAlive(p.pid)) continue;
    process.kill(p.pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (isAlive(p.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (isAlive(p.pid)) process.kill(p.pid, 'SIGKILL');
    while (isAlive(p.pid)) await new Promise((r) => setTimeout(r, 20));
  }
}

export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const bin = binaries();
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'kpp-control-plane-'));
  fs.mkdirSync(dir, { recursive: true });
  if (!options.detached && !options.dir) temporaryDirs.add(dir);
  const log = options.log ?? (() => undefined);
  const started = Date.now();
  generateCertificates(dir);
  const token = randomBytes(24).toString('hex');
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${token},kubernetes-admin,kubernetes-admin,system:masters\n`);
  const [etcdClient, etcdPeer, apiserverPort, kcmPort, schedulerPort, kwokPort] = await Promise.all(Array.from({ length: 6 }, freePort));
  const egressSocket = path.join(dir, 'egress.sock');
  const server = `https://127.0.0.1:${apiserverPort}`;
  const kubeconfig = writeKubeconfig(dir, server);

  // Webhooks and aggregated APIs of upstream charts point at pods that kwok only fakes. All
  // traffic from the API server into the cluster goes through this proxy, which refuses at
  // once, so an unreachable webhook fails fast and the same way on every machine.
  fs.writeFileSync(
    path.join(dir, 'egress-selector.yaml'),
    YAML.stringify({
      apiVersion: 'apiserver.k8s.io/v1beta1',
      kind: 'EgressSelectorConfiguration',
      // A Unix socket: kube-apiserver 1.35 dereferences a nil TLS config for a plain http:// TCP proxy.
      egressSelections: [{ name: 'cluster', connection: { proxyProtocol: 'HTTPConnect', transport: { uds: { udsName: egressSocket } } } }],
    }),
  );

  const processes: ComponentProcess[] = [];
  if (!options.detached) installExitHandlers();
  const launch = async (name: string, command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<ComponentProcess> => {
    const logFile = path.join(dir, `${name}.log`);
    const out = fs.openSync(logFile, 'a');
    let child: ChildProcess;
    let pid: number | undefined;
    if (options.detached) {
      child = spawn(command, args, { cwd: dir, stdio: ['ignore', out, out], detached: true, env: env ?? process.env });
      child.unref();
      pid = child.pid;
    } else {
      // Through the watchdog, which ends the component if this process dies without stopping it.
      const pidFile = path.join(dir, `${name}.pid`);
      child = spawn(process.execPath, [WATCHDOG, pidFile, command, ...args], { cwd: dir, stdio: ['pipe', out, out], env: env ?? process.env });
      running.add(child);
      child.on('exit', () => running.delete(child));
      const deadline = Date.now() + 30_000;
      const written = () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim() !== '';
      while (!written() && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      pid = written() ? Number(fs.readFileSync(pidFile, 'utf8')) : undefined;
    }
    fs.closeSync(out);
    if (!pid) throw new CheckFailure(`${name} did not start; see ${logFile}`);
    const started: ComponentProcess = { name, pid, log: logFile };
    processes.push(started);
    log(`control plane: started ${name} (pid ${pid})`);
    return started;
  };
  const tail = () => processes.map((p) => `${p.name}: ${(fs.readFileSync(p.log, 'utf8').trim().split('\n').pop() ?? '').slice(0, 300)}`).join(' | ');
  const egress = await refusingProxy(egressSocket, options.detached ?? false, launch);

  try {
    await launch('etcd', bin.etcd, [
      '--name=default',
      `--data-dir=${path.join(dir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=default=http://127.0.0.1:${etcdPeer}`,
      '--listen-metrics-urls=',
      '--unsafe-no-fsync',
      '--log-level=warn',
    ]);
    const cert = (name: string) => [path.join(dir, `${name}.crt`), path.join(dir, `${name}.key`)];
    await launch('kube-apiserver', bin['kube-apiserver'], [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiserverPort}`,
      `--tls-cert-file=${cert('apiserver')[0]}`,
      `--tls-private-key-file=${cert('apiserver')[1]}`,
      `--client-ca-file=${path.join(dir, 'ca.crt')}`,
      `--token-auth-file=${path.join(dir, 'tokens.csv')}`,
      `--service-account-key-file=${path.join(dir, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(dir, 'sa.key')}`,
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      '--service-cluster-ip-range=10.96.0.0/16',
      '--authorization-mode=Node,RBAC',
      '--enable-admission-plugins=NodeRestriction',
      '--allow-privileged=true',
      `--egress-selector-config-file=${path.join(dir, 'egress-selector.yaml')}`,
      `--cert-dir=${path.join(dir, 'apiserver-certs')}`,
      // Its Endpoints would be 127.0.0.1, which the API server refuses; nothing here dials the Service.
      '--endpoint-reconciler-type=none',
      '--profiling=false',
      '--v=0',
    ]);
    const client = new KubeClient({ server, ca: path.join(dir, 'ca.crt'), cert: cert('admin')[0], key: cert('admin')[1] });
    await waitFor('kube-apiserver /readyz', async () => (await client.request('GET', '/readyz')).status === 200, 60, tail);
    await launch('kube-controller-manager', bin['kube-controller-manager'], [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${kcmPort}`,
      `--service-account-private-key-file=${path.join(dir, 'sa.key')}`,
      `--root-ca-file=${path.join(dir, 'ca.crt')}`,
      `--cluster-signing-cert-file=${path.join(dir, 'ca.crt')}`,
      `--cluster-signing-key-file=${path.join(dir, 'ca.key')}`,
      '--use-service-account-credentials=true',
      '--controllers=*,-nodeipam',
      '--leader-elect=false',
      '--v=0',
    ]);
    await launch('kube-scheduler', bin['kube-scheduler'], [
      `--kubeconfig=${kubeconfig}`,
      `--authentication-kubeconfig=${kubeconfig}`,
      `--authorization-kubeconfig=${kubeconfig}`,
      '--bind-address=127.0.0.1',
      `--secure-port=${schedulerPort}`,
      '--leader-elect=false',
      '--v=0',
    ]);
    const POD_COMPLETE = 'pod-complete.yaml';
    const stages = fs
      .readdirSync(toolDataDir(bin.kwok))
      .filter((f) => f !== STORAGE_CLASS_FILE && !(options.judgedJobs && f === POD_COMPLETE))
      .map((f) => path.join(toolDataDir(bin.kwok), f));
    if (options.judgedJobs) {
      const podComplete = YAML.parse(fs.readFileSync(path.join(toolDataDir(bin.kwok), POD_COMPLETE), 'utf8'));
      judgedJobStages(podComplete).forEach((stage, i) => {
        const file = path.join(dir, `judged-job-stage-${i}.yaml`);
        fs.writeFileSync(file, YAML.stringify(stage));
        stages.push(file);
      });
    }
    await launch('kwok', bin.kwok, [
      ...stages.map((f) => `--config=${f}`),
      `--kubeconfig=${kubeconfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--cidr=10.244.0.0/16',
      '--node-ip=10.89.0.1',
      '--node-lease-duration-seconds=40',
      `--server-address=127.0.0.1:${kwokPort}`,
    ]);
    await client.discover();
    // kwok's provisioner and its default StorageClass stand in for Kind's local-path provisioner.
    const storageClass = YAML.parse(fs.readFileSync(path.join(toolDataDir(bin.kwok), STORAGE_CLASS_FILE), 'utf8'));
    const created = await client.create(storageClass);
    if (created.status >= 300) throw new CheckFailure(`cannot create the StorageClass: ${JSON.stringify(created.body)}`);
    for (const node of options.nodes ?? kindNodes('kind')) await createNode(client, node);
    await waitFor(
      'kwok nodes',
      async () => {
        const nodes = (await client.list('v1', 'Node')).body.items as Array<{ status?: { conditions?: Array<{ type: string; status: string }> } }>;
        return (
          nodes.length === (options.nodes ?? kindNodes('kind')).length &&
          nodes.every((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
        );
      },
      30,
      tail,
    );
    // The default ServiceAccount must exist before namespaced pods can be admitted.
    await waitFor(
      'the default ServiceAccount',
      async () => (await client.get('v1', 'ServiceAccount', 'default', 'default')).status === 200,
      30,
      tail,
    );
    const readySeconds = (Date.now() - started) / 1000;
    log(
      `control plane: ready in ${readySeconds.toFixed(1)} s at ${server} (Kubernetes v${VERSIONS.kubernetesControlPlane}), kubeconfig ${kubeconfig}`,
    );
    const state: ControlPlaneState = { dir, server, kubeconfig, token, processes, readySeconds };
    fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify(state, null, 2));
    return {
      ...state,
      client,
      launch,
      stop: async () => {
        client.close();
        await stopProcesses(processes);
        egress.close();
        temporaryDirs.delete(dir);
        if (!process.env.KPP_KEEP_CONTROL_PLANE && !options.dir) fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await stopProcesses(processes);
    egress.close();
    throw error;
  }
}

/**
 * The API server's egress proxy that answers every CONNECT with 503: in this
 * harness nothing runs behind a Service. Detached clusters outlive this Node
 * process, so there the proxy is a small Node process of its own.
 */
async function refusingProxy(
  socket: string,
  detached: boolean,
  launch: (name: string, command: string, args: string[]) => Promise<unknown>,
): Promise<{ close: () => void }> {
  const script = `require('net').createServer((s) => { s.once('data', () => s.end('HTTP/1.1 503 No dataplane in this test cluster\\r\\n\\r\\n')); s.on('error', () => {}); }).listen(${JSON.stringify(socket)});`;
  if (detached) {
    await launch('egress-proxy', process.execPath, ['-e', script]);
    return { close: () => undefined };
  }
  const server = net.createServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 503 No dataplane in this test cluster\r\n\r\n'));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  server.unref();
  return { close: () => server.close() };
}

async function createNode(client: KubeClient, node: NodeShape): Promise<void> {
  const response = await client.create({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      labels: {
        'kubernetes.io/hostname': node.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        type: 'kwok',
        ...(node.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
      },
    },
    spec: node.controlPlane ? { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] } : {},
    status: { allocatable: NODE_CAPACITY, capacity: NODE_CAPACITY },
  } as never);
  if (response.status >= 300) throw new CheckFailure(`cannot create node ${node.name}: ${JSON.stringify(response.body)}`);
}
