import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { platformLabels } from '../lib/labels';
import { ROOT, tempDir } from './helpers';

/**
 * The README's two recipes, followed to the letter in a temp copy of the
 * project: add an environment (one file, one registry entry) and a component
 * (one chart file, one COMPONENTS entry). Then synth, the type check, the
 * snapshot update the README asks for, and the tests that read the registry
 * must all pass with nothing else edited.
 */
const SKIPPED = new Set(['node_modules', 'dist', '.build', '.git', '.hydrated', '.tools', '.cluster']);

const ENVIRONMENT_FILE = `import { defineEnvironment } from '../define';
import { stg } from './stg';

/** qa: stg with three backends, on a loopback address of its own, to try the recipe. */
export const qa = defineEnvironment('qa', stg, { cluster: { hostAddress: '127.0.0.5' }, demo: { backend: { replicas: 3 } } });
`;

const CHART_FILE = `import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';

export interface TeamNotesProps extends PlatformChartProps {
  readonly onCall: string;
}

/** A ConfigMap of notes for the team, to try the recipe. */
export class TeamNotes extends PlatformChart {
  constructor(scope: Construct, id: string, props: TeamNotesProps) {
    super(scope, id, props);
    new k8s.KubeConfigMap(this, 'notes', {
      metadata: { name: 'team-notes', namespace: props.namespace },
      data: { 'README.md': \`on call: \${props.onCall} (\${props.env.name})\` },
    });
  }
}
`;

const COMPONENT_ENTRY = `  {
    name: 'team-notes',
    namespace: NAMESPACES.demo,
    wave: SYNC_WAVES.demo,
    enabled: () => true,
    build: (scope, id, context) => new TeamNotes(scope, id, { ...context, onCall: 'platform' }),
  },
`;

/** The suites that read the registry and the component list rather than naming them. */
const GENERIC_SUITES = [
  'test/environments.test.ts',
  'test/references.test.ts',
  'test/demo-workloads.test.ts',
  'test/gitops.test.ts',
  'test/scan.test.ts',
  'test/yaml-readers.test.ts',
  'test/snapshots.test.ts',
];

describe('the README recipes, followed in a temp copy', () => {
  const copy = path.join(tempDir('recipes-'), 'project');
  const run = (command: string, args: string[]): SpawnSyncReturns<string> =>
    spawnSync(command, args, { cwd: copy, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

  beforeAll(() => {
    fs.mkdirSync(copy);
    for (const entry of fs.readdirSync(ROOT)) if (!SKIPPED.has(entry)) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
    // Recipe "Add an environment": the file, then its entry in ENVIRONMENT_LIST.
    if (!fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8').includes("cluster: { hostAddress: '127.0.0.<n>' }"))
      throw new Error("the README's environment recipe no longer gives the new lab its own cluster.hostAddress, as this file does");
    fs.writeFileSync(path.join(copy, 'config/environments/qa.ts'), ENVIRONMENT_FILE);
    const index = path.join(copy, 'config/environments/index.ts');
    const registry = fs.readFileSync(index, 'utf8');
    const list = /(export const ENVIRONMENT_LIST: readonly EnvironmentConfig\[\] = \[[^\]]*)\];/;
    if (!list.test(registry)) throw new Error('config/environments/index.ts no longer declares ENVIRONMENT_LIST as the README describes');
    fs.writeFileSync(index, `import { qa } from './qa';\n${registry.replace(list, '$1, qa];')}`);
    // Recipe "Add a component": the chart, then its entry in COMPONENTS.
    fs.writeFileSync(path.join(copy, 'charts/team-notes.ts'), CHART_FILE);
    const components = path.join(copy, 'components.ts');
    const source = fs.readFileSync(components, 'utf8');
    const start = 'export const COMPONENTS: readonly ChartComponent[] = [\n';
    if (!source.includes(start)) throw new Error('components.ts no longer declares COMPONENTS as the README describes');
    fs.writeFileSync(components, `import { TeamNotes } from './charts/team-notes';\n${source.replace(start, `${start}${COMPONENT_ENTRY}`)}`);
  });

  test('synth renders the new environment and the new component with its Application, in every environment', () => {
    const synth = run(process.execPath, ['lib/run-ts.js', 'main.ts']);
    expect(synth.stderr).toBe('');
    expect(synth.status).toBe(0);
    for (const env of fs.readdirSync(path.join(copy, 'dist'))) {
      // The common labels come from the base chart, not from the recipe's code.
      expect(YAML.parse(fs.readFileSync(path.join(copy, 'dist', env, 'team-notes', 'configmap-team-notes.yaml'), 'utf8')).metadata.labels).toEqual(
        platformLabels(env),
      );
      expect(YAML.parse(fs.readFileSync(path.join(copy, 'dist', env, 'apps', 'application-team-notes.yaml'), 'utf8')).spec.source.path).toBe(
        `dist/${env}/team-notes`,
      );
    }
    expect(YAML.parse(fs.readFileSync(path.join(copy, 'dist/qa/demo/deployment-backend.yaml'), 'utf8')).spec.replicas).toBe(3);
    expect(fs.readFileSync(path.join(copy, 'dist/qa/bootstrap/bootstrap.env'), 'utf8')).toContain("DOMAIN='lab-qa.local'");
  });

  test('the type check passes', () => {
    const tsc = run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']);
    expect(tsc.stdout + tsc.stderr).toBe('');
  });

  test('after the snapshot update the README asks for, the registry-reading suites pass', () => {
    const jest = path.join(ROOT, 'node_modules/jest/bin/jest.js');
    const update = run(process.execPath, [jest, '--ci=false', '-u', 'test/snapshots.test.ts']);
    expect(update.status).toBe(0);
    expect(update.stderr).toMatch(/Snapshots:.*\d+ written/);
    const suites = run(process.execPath, [jest, '--ci', ...GENERIC_SUITES]);
    const failed = suites.stderr.split('\n').filter((l) => /^\s+●/.test(l));
    expect(failed).toEqual([]);
    expect(suites.status).toBe(0);
  });
});
