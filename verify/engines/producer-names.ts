import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * The metric and label names of producers that have no engine here, read from their own code and documentation at
 * the version the lab runs, fetched through the Go module proxy (the module cache keeps them). kube-state-metrics
 * documents every metric with its labels in its docs; the kubelet's cAdvisor names its container metrics in
 * cAdvisor's source and its pod labels in the kubelet's.
 */

/** A producer's series: each metric name with the label names its series carry. */
export type MetricNames = Map<string, Set<string>>;

/** A module version's files, downloaded once into the Go module cache. */
export function goModuleDir(module: string, version: string): string {
  let out: string;
  try {
    out = execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], {
      cwd: os.tmpdir(),
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod' },
    });
  } catch (e) {
    const error = e as { code?: string; stdout?: string; message: string };
    if (error.code === 'ENOENT')
      throw new Error("go is not installed: install Go 1.26 (https://go.dev/dl) to read the producers' names", { cause: e });
    const reported = (() => {
      try {
        return (JSON.parse(error.stdout ?? '') as { Error?: string }).Error;
      } catch {
        return undefined;
      }
    })();
    throw new Error(`go mod download ${module}@${version} failed: ${reported ?? error.message.split('\n')[0]}`, { cause: e });
  }
  const info = JSON.parse(out) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version} failed: ${info.Error ?? 'no directory'}`);
  return info.Dir;
}

const add = (names: MetricNames, metric: string, labels: Iterable<string>) => {
  const set = names.get(metric) ?? new Set<string>();
  for (const l of labels) set.add(l);
  names.set(metric, set);
};

/** Every file under `dir` whose name ends in `suffix`. */
function filesUnder(dir: string, suffix: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return filesUnder(full, suffix);
    return e.name.endsWith(suffix) ? [full] : [];
  });
}

/**
 * kube-state-metrics' metrics as its docs list them (`docs/metrics/**.md`): one table row per metric, its name in
 * the first cell, its labels as `` `label`=<value> `` in the row.
 */
export function kubeStateMetricsNames(version: string): MetricNames {
  const dir = path.join(goModuleDir('k8s.io/kube-state-metrics/v2', `v${version}`), 'docs', 'metrics');
  const names: MetricNames = new Map();
  for (const file of filesUnder(dir, '.md'))
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const row = /^\|\s*(kube_[a-z0-9_]+)\s*\|/.exec(line);
      if (row)
        add(
          names,
          row[1],
          [...line.matchAll(/`([a-zA-Z_][a-zA-Z0-9_]*)`=/g)].map((m) => m[1]),
        );
    }
  if (names.size < 100) throw new Error(`kube-state-metrics v${version}'s docs list ${names.size} metrics: the docs' table format changed`);
  return names;
}

/**
 * The kubelet's container metrics (`/metrics/cadvisor`): the names and extra labels cAdvisor's collector declares
 * (`metrics/prometheus.go`, at the version the kubelet's go.mod requires), each with the labels the kubelet sets on
 * every container (`containerPrometheusLabelsFunc`).
 */
export function kubeletCadvisorNames(kubernetesVersion: string): MetricNames {
  const kubernetes = goModuleDir('k8s.io/kubernetes', `v${kubernetesVersion}`);
  const cadvisorVersion = /^\s*github\.com\/google\/cadvisor\s+(v\S+)/m.exec(fs.readFileSync(path.join(kubernetes, 'go.mod'), 'utf8'))?.[1];
  if (!cadvisorVersion) throw new Error(`k8s.io/kubernetes v${kubernetesVersion} requires no github.com/google/cadvisor`);
  const source = fs.readFileSync(path.join(goModuleDir('github.com/google/cadvisor', cadvisorVersion), 'metrics', 'prometheus.go'), 'utf8');

  const constants = new Map([...source.matchAll(/^\s*(Label\w+)\s*=\s*"([a-z_]+)"/gm)].map((m) => [m[1], m[2]]));
  const server = fs.readFileSync(path.join(kubernetes, 'pkg', 'kubelet', 'server', 'server.go'), 'utf8');
  const labelsFunc = server.slice(server.indexOf('func containerPrometheusLabelsFunc'));
  const set = /set := map\[string\]string\{([^}]*)\}/.exec(labelsFunc)?.[1];
  if (!set) throw new Error(`the kubelet v${kubernetesVersion} sets its container labels elsewhere: containerPrometheusLabelsFunc changed`);
  const podLabels = [...set.matchAll(/^\s*(?:metrics\.(Label\w+)|"([a-z_]+)")\s*:/gm)].map((m) => (m[1] ? constants.get(m[1]) : m[2]));
  if (podLabels.some((l) => l === undefined) || podLabels.length === 0)
    throw new Error(`the kubelet v${kubernetesVersion}'s container labels name constants cAdvisor ${cadvisorVersion} does not define`);

  const names: MetricNames = new Map();
  const blocks = source.split(/(?=\bname:\s+"container_)/).slice(1);
  for (const block of blocks) {
    const name = /^name:\s+"(container_[a-z0-9_]+)"/.exec(block)![1];
    // A block runs to the next metric's name, so the extra labels in it are this metric's.
    const extra = /extraLabels:\s*\[\]string\{([^}]*)\}/.exec(block)?.[1] ?? '';
    add(names, name, [...(podLabels as string[]), ...[...extra.matchAll(/"([a-z_]+)"/g)].map((m) => m[1])]);
  }
  if (names.size < 30) throw new Error(`cAdvisor ${cadvisorVersion} declares ${names.size} container metrics: its collector's format changed`);
  return names;
}
