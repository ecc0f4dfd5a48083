import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../config/environments';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

const STUBBED = ['docker', 'kind', 'kubectl', 'helm', 'openssl', 'curl'];
/** System tools the scripts may use; nothing else is on PATH, so no real kubectl or docker can leak in. */
const SYSTEM = [
  'bash',
  'env',
  'dirname',
  'basename',
  'find',
  'tr',
  'grep',
  'sort',
  'head',
  'mktemp',
  'rm',
  'cat',
  'touch',
  'awk',
  'sed',
  'printf',
  'paste',
];

interface Harness {
  /** Runs ops/bootstrap/<script>; `lab/<script>` runs the seed's path (lab/setup.sh, lab/verify-all.sh, lab/teardown.sh). */
  readonly run: (script: string, args: string[], env?: Record<string, string>) => { status: number | null; stdout: string; stderr: string };
  readonly calls: () => string[];
  readonly clearLog: () => void;
  /** What the stub kubectl stored for a secret it created from stdin. */
  readonly secret: (name: string) => string;
}

function harness(options: { without?: string[]; root?: string } = {}): Harness {
  const root = options.root ?? ROOT;
  const dir = tempDir('bootstrap-harness-');
  const bin = path.join(dir, 'bin');
  const state = path.join(dir, 'state');
  const log = path.join(dir, 'calls.log');
  fs.mkdirSync(bin);
  fs.mkdirSync(state);
  for (const tool of SYSTEM) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).stdout.trim();
    if (found.startsWith('/')) fs.symlinkSync(found, path.join(bin, tool));
  }
  for (const tool of STUBBED.filter((t) => !options.without?.includes(t))) {
    fs.symlinkSync(path.join(ROOT, 'test/fixtures/recording-stub.sh'), path.join(bin, tool));
  }
  return {
    run: (script, args, env = {}) => {
      // From a folder of its own: a user may start the scripts from anywhere (kind must still run in the clone).
      const file = script.startsWith('lab/') ? path.join(root, script) : path.join(root, 'ops', 'bootstrap', script);
      const result = spawnSync(path.join(bin, 'bash'), [file, ...args], {
        cwd: dir,
        encoding: 'utf8',
        env: { PATH: bin, HOME: dir, STUB_LOG: log, STUB_STATE: state, ...env },
      });
      return { status: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    calls: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []),
    clearLog: () => fs.rmSync(log, { force: true }),
    secret: (name) => fs.readFileSync(path.join(state, `secret-${name}`), 'utf8'),
  };
}

const bootstrapDir = (env: string) => path.join(ROOT, 'dist', env, 'bootstrap');

/** Asserts that each expected call appears, in this order, among the recorded calls. */
function expectInOrder(calls: string[], expected: string[]): void {
  let from = 0;
  for (const want of expected) {
    const at = calls.findIndex((call, i) => i >= from && call.startsWith(want));
    expect({ want, found: at >= 0 }).toEqual({ want, found: true });
    from = at + 1;
  }
}

describe('shellcheck', () => {
  test('bootstrap scripts, project scripts and the CI entry point are clean', () => {
    const files = [
      ...fs
        .readdirSync(path.join(ROOT, 'ops', 'bootstrap'))
        .filter((f) => f.endsWith('.sh'))
        .map((f) => `ops/bootstrap/${f}`),
      ...fs
        .readdirSync(path.join(ROOT, 'lab'))
        .filter((f) => f.endsWith('.sh'))
        .map((f) => `lab/${f}`),
      'verify/scripts/test.sh',
      '.ci/run',
      'test/fixtures/recording-stub.sh',
    ];
    const result = spawnSync(toolPath('shellcheck'), ['-x', ...files], { cwd: ROOT, encoding: 'utf8' });
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('setup.sh with recording stubs', () => {
  test('a fresh run creates the cluster, installs Cilium then Argo CD from the rendered files, and applies the root app', () => {
    const h = harness();
    const result = h.run('setup.sh', ['--env', 'dev']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const dir = bootstrapDir('dev');
    expectInOrder(h.calls(), [
      'docker version',
      'kind version',
      'kubectl version --client',
      'helm version --short',
      'openssl version',
      'docker info',
      'kind get clusters',
      `kind create cluster --config ${dir}/kind.config.yaml`,
      `kind ran in ${ROOT}`,
      'helm status cilium --namespace kube-system --kube-context kind-lab-dev',
      `helm install cilium cilium --repo https://helm.cilium.io/ --version 1.19.1 --namespace kube-system --create-namespace --kube-context kind-lab-dev --values ${dir}/cilium.values.yaml --wait`,
      'kubectl --context kind-lab-dev --namespace kube-system rollout status daemonset/cilium',
      'kubectl --context kind-lab-dev wait --for=condition=Ready nodes --all',
      `kubectl --context kind-lab-dev apply --filename ${dir}/namespace-kong.yaml`,
      `kubectl --context kind-lab-dev apply --filename ${dir}/namespace-monitoring.yaml`,
      'kubectl --context kind-lab-dev --namespace kong get secret lab-wildcard-tls',
      'openssl req -x509',
      'kubectl --context kind-lab-dev --namespace kong create secret tls lab-wildcard-tls',
      'kubectl --context kind-lab-dev --namespace monitoring get secret grafana',
      // Grafana's password, as the receiver's token: made by openssl beside kubectl, read from stdin, on no command line.
      'kubectl --context kind-lab-dev --namespace monitoring create secret generic grafana --from-literal=admin-user=admin --from-file=admin-password=/dev/stdin',
      // The rollback receiver's token: random, through stdin (never an argument ps shows), never in git.
      // (openssl, which makes it, runs beside kubectl, which reads it: their order in the log is the scheduler's.)
      'kubectl --context kind-lab-dev --namespace monitoring get secret rollback-receiver',
      'kubectl --context kind-lab-dev --namespace monitoring create secret generic rollback-receiver --from-file=token=/dev/stdin',
      // The lab's clone as the repo-server's volume, in Argo CD's namespace, before Argo CD starts.
      `kubectl --context kind-lab-dev apply --filename ${dir}/namespace-argocd.yaml`,
      `kubectl --context kind-lab-dev apply --filename ${dir}/persistentvolume-kind-parity-platform-clone.yaml`,
      `kubectl --context kind-lab-dev apply --filename ${dir}/persistentvolumeclaim-lab-clone.yaml`,
      'helm status argocd --namespace argocd',
      `helm install argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 9.4.5 --namespace argocd --create-namespace --kube-context kind-lab-dev --values ${dir}/argocd.values.yaml`,
      `kubectl --context kind-lab-dev apply --filename ${dir}/appproject-root.yaml --filename ${dir}/application-root-dev.yaml`,
    ]);
    // The token and the password are made once each, and neither value is on a command line.
    expect(h.calls().filter((c) => c.startsWith('openssl rand'))).toEqual(['openssl rand -base64 24', 'openssl rand -hex 32']);
    expect(h.calls().filter((c) => c.includes('c3R1Yi1wYXNzd29yZA=='))).toEqual([]);
    // What kubectl read from stdin is what openssl made, without a trailing newline.
    expect(h.secret('grafana')).toBe('c3R1Yi1wYXNzd29yZA==');
    expect(h.secret('rollback-receiver')).toBe('c3R1Yi1wYXNzd29yZA==');
    expect(h.calls().filter((c) => c.includes('rollback-receiver') && c.includes('create secret'))).toEqual([
      'kubectl --context kind-lab-dev --namespace monitoring create secret generic rollback-receiver --from-file=token=/dev/stdin',
    ]);
    expect(result.stdout).toContain(`Argo CD syncs the commits of this clone (${ROOT}, checked-out branch)`);
    expect(result.stdout).toContain(
      'echo "127.0.0.1 api.lab-dev.local grafana.lab-dev.local argocd.lab-dev.local hubble.lab-dev.local" | sudo tee -a /etc/hosts',
    );
    expect(result.stdout).toContain('http://argocd.lab-dev.local');
    expect(result.stdout).toContain('argocd-initial-admin-secret');
    expect(result.stdout).toContain(
      "npm run rollback-receiver -- --env dev --listen 172.18.0.1:9095 --token-file <(kubectl --context kind-lab-dev -n monitoring get secret rollback-receiver -o jsonpath='{.data.token}' | base64 -d)",
    );
  });

  test('the lab needs no fork: the root reads this clone at the path Kind mounts it, in every node, and the repo-server mounts the same path', () => {
    const dir = bootstrapDir('dev');
    const read = (file: string) => YAML.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const root = read('application-root-dev.yaml');
    const kind = read('kind.config.yaml');
    const volume = read('persistentvolume-kind-parity-platform-clone.yaml');
    const claim = read('persistentvolumeclaim-lab-clone.yaml');
    const repoServer = read('argocd.values.yaml').repoServer;
    const nodePath = ENVIRONMENTS.dev.git.localClone!.nodePath;
    expect(root.spec.source).toMatchObject({ repoURL: `file://${nodePath}`, targetRevision: 'HEAD' });
    // Every node mounts the folder kind runs in (the clone, as the setup test shows), read-only.
    expect(kind.nodes.map((n: any) => n.extraMounts)).toEqual(kind.nodes.map(() => [{ hostPath: '.', containerPath: nodePath, readOnly: true }]));
    expect(volume.spec).toMatchObject({ hostPath: { path: nodePath, type: 'Directory' }, claimRef: { namespace: 'argocd', name: 'lab-clone' } });
    expect(claim.spec).toMatchObject({ volumeName: volume.metadata.name, storageClassName: '' });
    expect(repoServer.volumeMounts).toEqual([{ name: 'lab-clone', mountPath: nodePath, readOnly: true }]);
    expect(repoServer.volumes[0].persistentVolumeClaim.claimName).toBe(claim.metadata.name);
    // stg and prod track a real remote, and mount nothing.
    for (const env of ['stg', 'prod']) {
      const other = YAML.parse(fs.readFileSync(path.join(bootstrapDir(env), `application-root-${env}.yaml`), 'utf8'));
      expect(other.spec.source.repoURL).toMatch(/^https:\/\//);
      expect(fs.readdirSync(bootstrapDir(env)).filter((f) => f.startsWith('persistentvolume'))).toEqual([]);
      expect(YAML.parse(fs.readFileSync(path.join(bootstrapDir(env), 'kind.config.yaml'), 'utf8')).nodes.some((n: any) => n.extraMounts)).toBe(false);
    }
  });

  test('a copy of the lab without its .git folder is refused before any change: Argo CD would have no commits to read', () => {
    const root = tempDir('bootstrap-no-git-');
    fs.cpSync(path.join(ROOT, 'ops', 'bootstrap'), path.join(root, 'ops', 'bootstrap'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'dist', 'dev'), path.join(root, 'dist', 'dev'), { recursive: true });
    const h = harness({ root });
    const result = h.run('setup.sh', ['--env', 'dev']);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/^error: dev syncs the commits of this clone, and .* has no \.git folder; run setup\.sh from a git clone/);
    expect(h.calls().filter((c) => /create|install|apply/.test(c))).toEqual([]);
  });

  test('a second run changes nothing: no create, no install, no new secret', () => {
    const h = harness();
    expect(h.run('setup.sh', ['--env', 'prod']).status).toBe(0);
    h.clearLog();
    const again = h.run('setup.sh', ['--env', 'prod']);
    expect(again.status).toBe(0);
    const calls = h.calls();
    expect(calls.filter((c) => /^kind create|^helm install|create secret|^openssl req/.test(c))).toEqual([]);
    expect(again.stdout).toContain('cluster lab-prod exists, left alone');
    expect(again.stdout).toContain('release cilium exists, left alone');
    expect(again.stdout).toContain('secret kong/lab-wildcard-tls exists, left alone');
    expect(again.stdout).toContain('secret monitoring/grafana exists, left alone');
    expect(again.stdout).toContain('secret monitoring/rollback-receiver exists, left alone');
  });

  test.each(['kind', 'helm', 'kubectl', 'docker'])('a missing %s stops before any change, with what to install', (tool) => {
    const h = harness({ without: [tool] });
    const result = h.run('setup.sh', ['--env', 'dev']);
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(new RegExp(`^error: ${tool} is not installed; install ${tool} >= [0-9.]+ \\(https://`));
    expect(h.calls().filter((c) => /create|install/.test(c))).toEqual([]);
  });

  test('a Docker client without a running engine stops before any change, in one line', () => {
    const h = harness();
    const result = h.run('setup.sh', ['--env', 'dev'], { STUB_FAIL: 'docker info' });
    expect([result.status, result.stderr.trim()]).toEqual([
      1,
      'error: the Docker engine is not running (docker info failed); start Docker, check that this user may use it (docker info), and run again',
    ]);
    expect(h.calls().filter((c) => /^kind (create|get)|^helm (status|install)|^kubectl --context/.test(c))).toEqual([]);
  });

  test('a rendered environment without its bootstrap.env asks for a synth, instead of calling the environment unknown', () => {
    // A copy of the scripts and of dist/dev without its bootstrap.env: the shared dist/ stays whole for the other suites.
    const root = tempDir('bootstrap-partial-');
    fs.cpSync(path.join(ROOT, 'ops', 'bootstrap'), path.join(root, 'ops', 'bootstrap'), { recursive: true });
    fs.cpSync(path.join(ROOT, 'dist', 'dev'), path.join(root, 'dist', 'dev'), { recursive: true });
    fs.rmSync(path.join(root, 'dist', 'dev', 'bootstrap', 'bootstrap.env'));
    const h = harness({ root });
    const result = h.run('setup.sh', ['--env', 'dev']);
    expect([result.status, result.stderr.trim()]).toEqual([
      2,
      'error: dist/dev has no bootstrap/bootstrap.env (an old or partial render); run npm run synth, then run this again',
    ]);
    expect(h.calls()).toEqual([]);
  });

  test('a clone without dist/ asks for a synth in one line, instead of ending in silence', () => {
    const root = tempDir('bootstrap-no-dist-');
    fs.cpSync(path.join(ROOT, 'ops', 'bootstrap'), path.join(root, 'ops', 'bootstrap'), { recursive: true });
    const h = harness({ root });
    for (const script of ['setup.sh', 'verify.sh', 'teardown.sh']) {
      const result = h.run(script, ['--env', 'dev']);
      expect([script, result.status, result.stderr.trim()]).toEqual([
        script,
        2,
        "error: unknown environment 'dev'; use --env with one of: none (run npm run synth first)",
      ]);
    }
    expect(h.calls()).toEqual([]);
  });

  test('a too old tool is named with the minimum version', () => {
    const result = harness().run('setup.sh', ['--env', 'dev'], { STUB_KIND_VERSION: '0.20.0' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'error: kind 0.20.0 is too old; install kind >= 0.31.0 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)',
    );
  });

  test('a bad --env or argument stops with one line and exit 2', () => {
    const h = harness();
    const bad = h.run('setup.sh', ['--env', 'no-such-env']);
    expect(bad.status).toBe(2);
    const known = [...ENVIRONMENT_NAMES].sort().join(' ');
    expect(bad.stderr.trim()).toBe(`error: unknown environment 'no-such-env'; use --env with one of: ${known}`);
    expect(h.run('setup.sh', []).stderr.trim()).toBe(`error: missing --env; use --env with one of: ${known}`);
    expect(h.run('setup.sh', ['--env', 'dev', '--fast']).stderr.trim()).toContain(
      `usage: bash lab/setup.sh --env <${[...ENVIRONMENT_NAMES].sort().join('|')}> [--light] [--skip-istio]`,
    );
    expect(h.run('setup.sh', ['--env', 'dev', '--fast']).stderr.trim()).toMatch(/^error: unknown argument '--fast'; usage: /);
    expect(h.calls()).toEqual([]);
  });

  test('a failing step stops there with its name, and later steps do not run', () => {
    const h = harness();
    const result = h.run('setup.sh', ['--env', 'dev'], { STUB_FAIL: 'helm install cilium' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: step 'install Cilium 1.19.1' failed (exit 1)");
    expect(h.calls().some((c) => c.startsWith('helm install argocd'))).toBe(false);
    expect(h.calls().some((c) => c.includes('application-root'))).toBe(false);
  });

  test.each([
    ['create the lab TLS secret', 'kubectl --context kind-lab-dev --namespace kong create secret tls'],
    ['wait for Cilium and the nodes', 'kubectl --context kind-lab-dev --namespace kube-system rollout status'],
    ['create the namespaces of the bootstrap secrets', 'kubectl --context kind-lab-dev apply --filename'],
  ])('a command failing inside a step stops the run: %s', (stepName, failing) => {
    const h = harness();
    const result = h.run('setup.sh', ['--env', 'dev'], { STUB_FAIL: failing });
    expect(result.status).toBe(1);
    expect(result.stderr.trim().split('\n').pop()).toMatch(new RegExp(`^error: step '${stepName}[^']*' failed \\(exit 1\\)`));
    expect(h.calls().some((c) => c.includes('application-root'))).toBe(false);
  });

  // Seed section 0: `--light` is the lab with Istio, `--light --skip-istio` the one without.
  test.each([
    [['--env', 'dev'], 'dev'],
    [['--env', 'dev', '--light'], 'dev'],
    [['--env', 'dev', '--light', '--skip-istio'], 'dev-no-mesh'],
    [['--env', 'dev', '--skip-istio'], 'dev-no-mesh'],
  ])('setup.sh %j brings up dist/%s: its cluster, its values files and its root Application', (args, variant) => {
    const h = harness();
    const result = h.run('setup.sh', args);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const dir = bootstrapDir(variant);
    const env = ENVIRONMENTS[variant];
    expectInOrder(h.calls(), [
      `kind create cluster --config ${dir}/kind.config.yaml`,
      `helm install cilium cilium --repo https://helm.cilium.io/ --version 1.19.1 --namespace kube-system --create-namespace --kube-context kind-${env.cluster.name} --values ${dir}/cilium.values.yaml`,
      `helm install argocd argo-cd --repo https://argoproj.github.io/argo-helm --version 9.4.5 --namespace argocd --create-namespace --kube-context kind-${env.cluster.name} --values ${dir}/argocd.values.yaml`,
      `kubectl --context kind-${env.cluster.name} apply --filename ${dir}/appproject-root.yaml --filename ${dir}/application-root-${variant}.yaml`,
    ]);
    expect(result.stdout).toContain(`environment ${variant} (light=true, skip-istio=${env.features.skipIstio})`);
  });

  test('an impossible flag combination is one line, exit 2, and changes nothing', () => {
    const h = harness();
    const noVariant = h.run('setup.sh', ['--env', 'prod', '--skip-istio']);
    expect([noVariant.status, noVariant.stderr.trim()]).toEqual([
      2,
      "error: --skip-istio: prod has no variant without Istio; add one with variantOf: 'prod' in config/environments/, or run without --skip-istio",
    ]);
    const notLight = h.run('setup.sh', ['--env', 'stg', '--light']);
    expect([notLight.status, notLight.stderr.trim()]).toEqual([
      2,
      'error: --light asks for features.light, but dist/stg was rendered without it; set features.light: true in config/environments/stg.ts, run npm run synth, commit and push',
    ]);
    expect(h.calls()).toEqual([]);
  });
});

describe("the seed's section 0, typed as the seed writes it (lab/setup.sh, lab/verify-all.sh, lab/teardown.sh)", () => {
  test('bash lab/setup.sh --env dev --light, then --light --skip-istio: the two labs, each on its own host address, side by side', () => {
    const h = harness();
    const dev = h.run('lab/setup.sh', ['--env', 'dev', '--light']);
    const noMesh = h.run('lab/setup.sh', ['--env', 'dev', '--light', '--skip-istio']);
    expect([dev.status, dev.stderr, noMesh.status, noMesh.stderr]).toEqual([0, '', 0, '']);
    expect(h.calls().filter((c) => c.startsWith('kind create cluster'))).toEqual([
      `kind create cluster --config ${bootstrapDir('dev')}/kind.config.yaml --wait 0s`,
      `kind create cluster --config ${bootstrapDir('dev-no-mesh')}/kind.config.yaml --wait 0s`,
    ]);
    expect(dev.stdout).toContain(
      'echo "127.0.0.1 api.lab-dev.local grafana.lab-dev.local argocd.lab-dev.local hubble.lab-dev.local" | sudo tee -a /etc/hosts',
    );
    expect(noMesh.stdout).toContain(
      'echo "127.0.0.2 api.lab-dev.local grafana.lab-dev.local argocd.lab-dev.local hubble.lab-dev.local" | sudo tee -a /etc/hosts',
    );
    expect(dev.stdout).toContain('Kong Manager  http://127.0.0.1:30329');
    expect(dev.stdout).toContain('Check it: bash lab/verify-all.sh --env dev');
  });

  test("setup says which CLIs of the seed's exercises this machine lacks, one line each, and needs none of them", () => {
    const result = harness().run('lab/setup.sh', ['--env', 'dev']);
    expect(result.status).toBe(0);
    const notes = result.stdout.split('\n').filter((l) => l.includes('note:'));
    expect(notes).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /note: hubble is not installed; seed 2-1 and 2-3 \(hubble observe, after kubectl -n kube-system port-forward svc\/hubble-relay 4245:80\) use it/,
        ),
        expect.stringMatching(/note: argocd is not installed; seed 11-4 \(argocd app get\) use it/),
        expect.stringMatching(/note: tree is not installed; seed 11-1/),
      ]),
    );
    // curl is on PATH (stubbed): no note for it.
    expect(notes.some((l) => l.includes('curl'))).toBe(false);
  });

  test('bash lab/verify-all.sh with no --env checks the lab of the current kubectl context, and says so when it knows none', () => {
    const h = harness();
    const result = h.run('lab/verify-all.sh', [], { STUB_CONTEXT: 'kind-lab-dev-no-mesh' });
    expect(result.stdout).toContain('ok    HTTPRoute demo/demo-api is Accepted');
    expect(h.calls()).toContain('kubectl config current-context');
    expect(h.calls().some((c) => c.startsWith('kubectl --context kind-lab-dev-no-mesh'))).toBe(true);
    expect(result.status).toBe(0);
    const other = h.run('lab/verify-all.sh', [], { STUB_CONTEXT: 'kind-elsewhere' });
    expect([other.status, other.stderr.trim()]).toEqual([
      2,
      `error: missing --env, and the current kubectl context 'kind-elsewhere' is none of the labs' (${[...ENVIRONMENT_NAMES]
        .sort()
        .map((e) => `kind-lab-${e}`)
        .join(', ')}); use --env with one of: ${[...ENVIRONMENT_NAMES].sort().join(' ')}`,
    ]);
  });

  test('bash lab/teardown.sh takes every flag setup.sh takes: --skip-istio deletes the lab without Istio only', () => {
    const h = harness();
    h.run('lab/setup.sh', ['--env', 'dev', '--light']);
    h.run('lab/setup.sh', ['--env', 'dev', '--light', '--skip-istio']);
    const down = h.run('lab/teardown.sh', ['--env', 'dev', '--light', '--skip-istio']);
    expect([down.status, down.stderr]).toEqual([0, '']);
    expect(h.calls()).toContain('kind delete cluster --name lab-dev-no-mesh');
    expect(h.calls()).not.toContain('kind delete cluster --name lab-dev');
    const refused = h.run('lab/teardown.sh', ['--env', 'prod', '--skip-istio']);
    expect([refused.status, refused.stderr.trim()]).toEqual([
      2,
      "error: --skip-istio: prod has no variant without Istio; add one with variantOf: 'prod' in config/environments/, or run without --skip-istio",
    ]);
  });
});

describe('teardown.sh and verify.sh with recording stubs', () => {
  test('teardown deletes the cluster when it exists and is a no-op otherwise', () => {
    const h = harness();
    h.run('setup.sh', ['--env', 'stg']);
    expect(h.run('teardown.sh', ['--env', 'stg']).status).toBe(0);
    expect(h.calls()).toContain('kind delete cluster --name lab-stg');
    const again = h.run('teardown.sh', ['--env', 'stg']);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain('cluster lab-stg does not exist; nothing to do');
  });

  test('verify runs every check and passes when the cluster is healthy', () => {
    const result = harness().run('verify.sh', ['--env', 'prod'], { STUB_HTTPS_ONLY: '1' });
    expect(result.stdout).toContain('ok    Cilium KubeProxyReplacement is True');
    expect(result.stdout).toContain('ok    Gateway kong/kong-gateway is Programmed');
    expect(result.stdout).toContain('ok    HTTPRoute monitoring/grafana is Accepted');
    // The seed's names (section 3): verify checks the routes the render has.
    expect(result.stdout).toContain('ok    HTTPRoute demo/demo-api is Accepted');
    expect(result.stdout).toContain('ok    Constraint k8sdenyprivileged/deny-privileged-container is present');
    expect(result.stdout).toContain('ok    PeerAuthentication istio-system/default is STRICT');
    expect(result.stdout).toContain('ok    demo API answers through Kong (https://api.lab-prod.local/status/200)');
    expect(result.stdout).toContain('ok    plain HTTP redirects to HTTPS (http://api.lab-prod.local/)');
    expect(result.stdout).toContain('ok    pods ready in istio-system');
    expect(result.status).toBe(0);
  });

  test('verify names each failed check and exits with their count', () => {
    const result = harness().run('verify.sh', ['--env', 'prod'], {
      STUB_FAIL: 'kubectl --context kind-lab-prod -n kong get gateway',
      STUB_HTTPS_ONLY: '1',
    });
    expect(result.stdout).toContain('FAIL  Gateway kong/kong-gateway is Programmed (got nothing, want True)');
    expect(result.status).toBe(1);
  });

  test('verify skips the mesh check where Istio is skipped', () => {
    const result = harness().run('verify.sh', ['--env', 'dev-no-mesh']);
    expect(result.stdout).not.toContain('PeerAuthentication');
    expect(result.stdout).not.toContain('istio-system');
    expect(result.status).toBe(0);
  });
});
