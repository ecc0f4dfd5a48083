/**
 * Adds environments to the source of config/environments/index.ts, as a user
 * does by the README's recipe: an import and an entry at the end of
 * ENVIRONMENT_LIST. Used by the e2e harness and the bench on their own copies.
 */
const REGISTRY = /export const ENVIRONMENT_LIST: readonly EnvironmentConfig\[\] = \[([^\]]*)\];/;

export function withRegisteredEnvironments(indexSource: string, imports: string, entries: readonly string[]): string {
  if (!REGISTRY.test(indexSource))
    throw new Error(
      'config/environments/index.ts no longer declares ENVIRONMENT_LIST as `export const ENVIRONMENT_LIST: readonly EnvironmentConfig[] = [...]`',
    );
  return `${imports}\n${indexSource.replace(REGISTRY, (_, list: string) => `export const ENVIRONMENT_LIST: readonly EnvironmentConfig[] = [${list}, ${entries.join(', ')}];`)}`;
}
