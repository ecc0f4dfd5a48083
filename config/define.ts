import { ClusterSettings, EnvironmentConfig } from './types';

/**
 * Environments are written as a base plus typed overrides, deep-merged: each
 * file says only how it differs. What follows from the name (the domain and
 * the Kind cluster) is derived, so a new environment is one file and one line
 * in the registry.
 */

/** Any part of the config may be overridden; lists are replaced as a whole. */
export type Override<T> = {
  readonly [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? Override<T[K]> : T[K];
};

/** Keys an override may add although the base has none (optional settings). */
const OPTIONAL_KEYS: ReadonlySet<string> = new Set(['registry', 'mirrors', 'mirrors.charts', 'mirrors.git', 'variantOf', 'git.localClone', 'fleet']);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** A union member of another variant (Mimir's storage: minio, then s3) replaces the base's value instead of merging into it. */
const VARIANT_KEYS = ['kind', 'location'];
const replacesVariant = (base: unknown, over: unknown) =>
  isObject(base) && isObject(over) && VARIANT_KEYS.some((k) => k in over && over[k] !== base[k]);

/** Dotted paths of keys in `override` that the base does not have: almost always a typo. */
export function unknownKeys(override: unknown, base: unknown, at = ''): string[] {
  if (!isObject(override)) return [];
  const out: string[] = [];
  for (const [key, value] of Object.entries(override)) {
    const path = at ? `${at}.${key}` : key;
    if (isObject(base) && key in base) {
      if (isObject(base[key]) && !replacesVariant(base[key], value)) out.push(...unknownKeys(value, base[key], path));
    } else if (!OPTIONAL_KEYS.has(path) && !OPTIONAL_KEYS.has(path.split('.')[0])) out.push(path);
  }
  return out;
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over) || replacesVariant(base, over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = merge(base[key], value);
  return out;
}

/** Seed section 0: Kind, 1 control plane + 2 workers, Kubernetes at VERSIONS.kubernetesNode; the cluster is named after the environment. */
export function labCluster(name: string, nodeVersion: string): ClusterSettings {
  const cluster = `lab-${name}`;
  return {
    name: cluster,
    nodeImage: `kindest/node:v${nodeVersion}`,
    workers: 2,
    apiServerHost: `${cluster}-control-plane`,
    apiServerPort: 6443,
    hostAddress: '127.0.0.1',
  };
}

/** Problems found while defining an environment; validation reports them with the rest, in one line. */
const DEFINITION_PROBLEMS = new WeakMap<EnvironmentConfig, string[]>();

export const definitionProblems = (env: EnvironmentConfig): readonly string[] => DEFINITION_PROBLEMS.get(env) ?? [];

/**
 * `base` renamed to `name` (domain `lab-<name>.local`, Kind cluster `lab-<name>`),
 * then each override merged in order. An override key the base does not have
 * is reported with its path when the environment is validated, since the
 * TypeScript types are not checked at synth time.
 */
export function defineEnvironment(
  name: string,
  base: EnvironmentConfig,
  ...overrides: ReadonlyArray<Override<EnvironmentConfig>>
): EnvironmentConfig {
  const nodeVersion = base.cluster.nodeImage.replace(/^.*:v/, '');
  let result: unknown = {
    ...base,
    name,
    domain: `lab-${name}.local`,
    cluster: { ...labCluster(name, nodeVersion), workers: base.cluster.workers, hostAddress: base.cluster.hostAddress },
  };
  const problems: string[] = [];
  for (const override of overrides) {
    for (const key of unknownKeys(override, result)) problems.push(`${key} is not a setting (a typo? see config/types.ts)`);
    result = merge(result, override);
  }
  const env = result as EnvironmentConfig;
  if (problems.length > 0) DEFINITION_PROBLEMS.set(env, problems);
  return env;
}
