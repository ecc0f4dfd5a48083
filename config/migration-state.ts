import * as fs from 'fs';
import * as path from 'path';
import STATE from './migration-state.json';
import { UserError } from './errors';
import { MigrationStage, MigrationStageName } from './types';

/**
 * Where each service's Strangler Fig move stands, per environment (seed 10-3).
 * It is data, not code, because a machine changes it too: the rollback receiver
 * commits the same one-line change a person would make (`npm run rollback`),
 * and Argo CD syncs the routes that follow from it. The environment files read
 * their stages from here; `validate.ts` checks each stage's values.
 */
export type MigrationState = Readonly<Record<string, Readonly<Record<string, MigrationStage>>>>;

/** The file, relative to the project root, that `npm run rollback` rewrites and commits. */
export const MIGRATION_STATE_FILE = path.join('config', 'migration-state.json');

/** Each stage's fields besides its name, in the seed's order of the steps. */
const FIELDS: Readonly<Record<MigrationStageName, readonly string[]>> = {
  deployed: [],
  'internal-check': ['temporaryHost'],
  switching: ['kubernetesPercent'],
  'rolled-back': ['reason'],
  'dc-retired': [],
};

/** The state as committed, with each stage's shape checked (its values are checked with the environment). */
export function parseMigrationState(raw: unknown, source = MIGRATION_STATE_FILE): MigrationState {
  const problem = (at: string, what: string) =>
    new UserError(`${source}: ${at} ${what}; fix the file (config/types.ts MigrationStage lists the stages)`);
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw problem('the top level', 'must map environment names to services');
  for (const [env, services] of Object.entries(raw as Record<string, unknown>)) {
    if (!services || typeof services !== 'object' || Array.isArray(services)) throw problem(env, 'must map service names to stages');
    for (const [service, stage] of Object.entries(services as Record<string, unknown>)) {
      const at = `${env}.${service}`;
      const name = (stage as { name?: unknown })?.name;
      if (typeof name !== 'string' || !(name in FIELDS))
        throw problem(`${at}.name`, `must be one of ${Object.keys(FIELDS).join(', ')} (got ${JSON.stringify(name)})`);
      const expected = ['name', ...FIELDS[name as MigrationStageName]].sort();
      const got = Object.keys(stage as object).sort();
      if (JSON.stringify(expected) !== JSON.stringify(got))
        throw problem(at, `must have exactly the fields ${expected.join(', ')} (got ${got.join(', ')})`);
    }
  }
  return raw as MigrationState;
}

const COMMITTED = parseMigrationState(STATE);

/** An environment's stage of one service, as committed. */
export function stageOf(env: string, service: string, state: MigrationState = COMMITTED): MigrationStage {
  const stage = state[env]?.[service];
  if (!stage)
    throw new UserError(`${MIGRATION_STATE_FILE} has no stage for ${service} in ${env}; add "${env}": { "${service}": { "name": "deployed" } }`);
  return stage;
}

/** The state file's text: what `npm run rollback` writes, byte for byte as the formatter keeps it. */
export const formatMigrationState = (state: MigrationState): string => `${JSON.stringify(state, null, 2)}\n`;

export function readMigrationState(root: string): MigrationState {
  const file = path.join(root, MIGRATION_STATE_FILE);
  return parseMigrationState(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}

/** Percent of requests Kong sends to Kubernetes at a stage; undefined when the DC is gone and the route has one backend. */
export function kubernetesPercentAt(stage: MigrationStage): number | undefined {
  switch (stage.name) {
    case 'deployed':
    case 'internal-check':
    case 'rolled-back':
      return 0;
    case 'switching':
      return stage.kubernetesPercent;
    case 'dc-retired':
      return undefined;
  }
}
