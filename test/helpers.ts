import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { COMPONENTS } from '../components';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENTS } from '../config/environments';
import { podTemplateOf } from '../verify/engines/pods';
import { KubeObject, renderEnvironment, RenderedEnvironment } from '../lib/synth';

export const ROOT = path.resolve(__dirname, '..');

/** Renders are read by many tests; each environment object renders once per test file, frozen so no test can change what another reads. */
const RENDERS = new WeakMap<EnvironmentConfig, RenderedEnvironment>();

export function render(env: EnvironmentConfig): RenderedEnvironment {
  let rendered = RENDERS.get(env);
  if (!rendered) {
    rendered = deepFreeze(renderEnvironment(env, COMPONENTS));
    RENDERS.set(env, rendered);
  }
  return rendered;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

export const ALL_ENVS = Object.values(ENVIRONMENTS);

export function objectsOf(env: EnvironmentConfig, component?: string): KubeObject[] {
  return render(env)
    .files.filter((f) => component === undefined || f.component === component)
    .map((f) => f.object);
}

export function find(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((o) => o.kind === kind && o.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} among ${objects.map((o) => `${o.kind}/${o.metadata.name}`).join(', ')}`);
  return found;
}

export interface PodOwner {
  readonly object: KubeObject;
  readonly podLabels: Record<string, string>;
  readonly podSpec: k8s.PodSpec;
}

/** Every object that carries a pod template (or is a Pod), with its pod labels and spec. */
export function podOwners(objects: KubeObject[]): PodOwner[] {
  const owners: PodOwner[] = [];
  for (const object of objects) {
    const template = podTemplateOf(object);
    if (template) owners.push({ object, podLabels: template.metadata.labels ?? {}, podSpec: template.spec as k8s.PodSpec });
  }
  return owners;
}

export function allContainers(spec: k8s.PodSpec): k8s.Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...((spec.ephemeralContainers ?? []) as k8s.Container[])];
}

const TEMP_DIRS: string[] = [];
// Every temp folder a test file made is removed when that file's tests end, pass or fail.
afterAll(() => {
  for (const dir of TEMP_DIRS.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  TEMP_DIRS.push(dir);
  return dir;
}

/** Path -> content of every file below `dir`, for byte-for-byte comparisons. */
export function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(d, e.name), r);
      else out[r] = fs.readFileSync(path.join(d, e.name), 'utf8');
    }
  };
  if (fs.existsSync(dir)) walk(dir, '');
  return out;
}

/** The offline mirror of upstream CRDs and schemas when there is one (CI, this lab); else callers use upstream URLs. */
export function crdMirror(): string | undefined {
  const candidate = process.env.CRD_MIRROR ?? path.resolve(ROOT, '../shared/crds');
  return fs.existsSync(candidate) ? candidate : undefined;
}

/** Every image repository a values tree points at; `registry` + `repository` pairs are joined, as the charts do. */
export function imageRepositories(values: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      const o = node as Record<string, unknown>;
      if (typeof o.repository === 'string') out.push(typeof o.registry === 'string' ? `${o.registry}/${o.repository}` : o.repository);
      if (typeof o.hub === 'string') out.push(o.hub);
      Object.entries(o).forEach(([k, v]) => k !== 'repository' && k !== 'registry' && walk(v));
    }
  };
  walk(values);
  return out;
}

/** A scrape target on loopback: serves `first`, then `then` on every later scrape (counters that grow, as an agent's do). */
export async function metricsEndpoint(first: string, then = first): Promise<{ target: string; close: () => Promise<void> }> {
  let served = 0;
  const server = http.createServer((_, response) => {
    response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(served++ === 0 ? first : then);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { target: `127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
