import { dev } from './environments/dev';
import { prod } from './environments/prod';
import { stg } from './environments/stg';
import { EnvironmentConfig, EnvironmentName, ENVIRONMENT_NAMES } from './types';
import { findProblems } from './validate';
import { UserError } from './errors';

export * from './types';

/** Every environment, in render order. Adding one means a file here and a name in ENVIRONMENT_NAMES. */
export const ENVIRONMENTS: Readonly<Record<EnvironmentName, EnvironmentConfig>> = { dev, stg, prod };

export { CheckFailure, UserError } from './errors';

export function isEnvironmentName(name: string): name is EnvironmentName {
  return (ENVIRONMENT_NAMES as readonly string[]).includes(name);
}

/** Looks an environment up by name; unknown names fail with the list of known ones. */
export function environmentByName(name: string, all: Readonly<Record<string, EnvironmentConfig>> = ENVIRONMENTS): EnvironmentConfig {
  const env = all[name];
  if (!env) {
    throw new UserError(`unknown environment '${name}': use --env with one of ${Object.keys(all).join(', ')}`);
  }
  return env;
}

/** Throws one readable line naming the environment and every invalid value. */
export function assertValid(env: EnvironmentConfig): EnvironmentConfig {
  const problems = findProblems(env);
  if (problems.length > 0) {
    throw new UserError(`invalid environment '${env.name}': ${problems.join('; ')}`);
  }
  return env;
}
