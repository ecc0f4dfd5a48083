import { UserError } from '../errors';
import { EnvironmentConfig } from '../types';
import { dev } from './dev';
import { devNoMesh } from './dev-no-mesh';
import { prod } from './prod';
import { stg } from './stg';

/** The registry: every environment, in render order. A new environment is a file here and one entry below. */
export const ENVIRONMENT_LIST: readonly EnvironmentConfig[] = [dev, devNoMesh, stg, prod];

/** Every environment by name, from the registry above. */
export const ENVIRONMENTS: Readonly<Record<string, EnvironmentConfig>> = Object.fromEntries(ENVIRONMENT_LIST.map((env) => [env.name, env]));

/** The registry's names, in render order. */
export const ENVIRONMENT_NAMES: readonly string[] = [...new Set(ENVIRONMENT_LIST.map((env) => env.name))];

/** Two environments with one name would write into the same dist/ folder. */
export function registryProblems(list: readonly EnvironmentConfig[] = ENVIRONMENT_LIST): string[] {
  const seen = new Set<string>();
  const duplicates = list.map((e) => e.name).filter((name) => (seen.has(name) ? true : (seen.add(name), false)));
  const names = new Set(list.map((e) => e.name));
  const variants = list
    .filter((e) => e.variantOf !== undefined && (e.variantOf === e.name || !names.has(e.variantOf)))
    .map((e) => `'${e.name}' is a variant of '${e.variantOf}', which is not a registered environment; name one in config/environments/index.ts`);
  // Each Kind lab publishes ports 80 and 443 on its own loopback address, so any two run side by side.
  const byAddress = new Map<string, string[]>();
  for (const e of list) byAddress.set(e.cluster.hostAddress, [...(byAddress.get(e.cluster.hostAddress) ?? []), e.name]);
  const sharedAddresses = [...byAddress]
    .filter(([, names]) => new Set(names).size > 1)
    .map(
      ([address, names]) =>
        `environments ${[...new Set(names)].join(' and ')} share cluster.hostAddress ${address}; give each its own 127.x.y.z, so their labs can run side by side`,
    );
  return [
    ...sharedAddresses,
    ...[...new Set(duplicates)].map(
      (name) => `two environments are named '${name}'; give each file its own name in defineEnvironment (config/environments/)`,
    ),
    ...variants,
  ];
}

/** The rendered variant of `env` without Istio, which `setup.sh --env <env> --skip-istio` brings up. */
export const skipIstioVariantOf = (env: EnvironmentConfig, list: readonly EnvironmentConfig[] = ENVIRONMENT_LIST): EnvironmentConfig | undefined =>
  env.features.skipIstio ? env : list.find((e) => e.variantOf === env.name && e.features.skipIstio);

/** Looks an environment up by name; unknown names fail with the list of known ones. */
export function environmentByName(name: string, all: Readonly<Record<string, EnvironmentConfig>> = ENVIRONMENTS): EnvironmentConfig {
  const problems = all === ENVIRONMENTS ? registryProblems() : [];
  if (problems.length > 0) throw new UserError(problems.join('; '));
  const env = Object.prototype.hasOwnProperty.call(all, name) ? all[name] : undefined;
  if (!env) {
    throw new UserError(`unknown environment '${name}': use --env with one of ${Object.keys(all).join(', ')}`);
  }
  return env;
}
