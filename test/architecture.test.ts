import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {
  backArrows,
  folderCycles,
  importGraph,
  ImportGraph,
  SourceReader,
  tower,
  unfollowedImports,
  verificationImports,
} from '../verify/checks/import-graph';
import { functionSizeProblems, functionSizes, LONG_FUNCTIONS, MAX_FUNCTION_LINES } from '../verify/checks/function-sizes';
import { ROOT } from './helpers';

/** How many files deep main.ts may reach: a newcomer reads the render path from the entry to the types in this many steps. */
const MAX_FLOORS = 8;

const read: SourceReader = (file) => fs.readFileSync(path.join(ROOT, file), 'utf8');
/** A reader with one import added to one file: the seeded break each check must catch. */
const withImport =
  (file: string, specifier: string): SourceReader =>
  (f) =>
    f === file ? `import '${specifier}';\n${read(f)}` : read(f);

const renderGraph = (reader: SourceReader = read) => importGraph(ROOT, ['main.ts'], reader);
const everyFile = () =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !f.startsWith('imports/') && fs.existsSync(path.join(ROOT, f)));
const wholeGraph = (reader: SourceReader = read): ImportGraph => importGraph(ROOT, everyFile(), reader);

describe('render code and verification code live apart', () => {
  test('nothing main.ts reaches imports from verify/, test/ or ops/', () => {
    const graph = renderGraph();
    expect(verificationImports(graph)).toEqual([]);
    // The render path is the project's own code, not a handful of files that stopped resolving.
    expect(graph.size).toBeGreaterThan(50);
  });

  test('a render file that imports a check is caught, however the import is written (.js, a folder), and so is one into ops/', () => {
    expect(verificationImports(renderGraph(withImport('lib/yaml.ts', '../verify/tools/cache')))).toEqual([
      'lib/yaml.ts imports verify/tools/cache.ts',
    ]);
    expect(verificationImports(renderGraph(withImport('lib/yaml.ts', '../verify/tools/cache.js')))).toEqual([
      'lib/yaml.ts imports verify/tools/cache.ts',
    ]);
    expect(verificationImports(renderGraph(withImport('lib/yaml.ts', '../verify/cdk8s-plugin')))).toEqual([
      'lib/yaml.ts imports verify/cdk8s-plugin/index.js',
    ]);
    expect(verificationImports(renderGraph(withImport('lib/yaml.ts', '../ops/git')))).toEqual(['lib/yaml.ts imports ops/git.ts']);
  });

  test('every import in the project is one the graph follows: no specifier that resolves to nothing, no require() of a variable', () => {
    expect(unfollowedImports(everyFile(), read, ROOT)).toEqual([]);
  });

  test('an import the graph could not follow is caught', () => {
    const broken: SourceReader = (f) => (f === 'lib/yaml.ts' ? `import './no-such-file';\nconst name = 'x';\nrequire(name);\n${read(f)}` : read(f));
    expect(unfollowedImports(['lib/yaml.ts'], broken, ROOT)).toEqual([
      "lib/yaml.ts: './no-such-file' resolves to no file",
      'lib/yaml.ts:3: require(name) loads a module the import graph cannot name',
    ]);
  });
});

describe('a short tower with no back-arrows', () => {
  test(`main.ts reaches the types in at most ${MAX_FLOORS} floors`, () => {
    const floors = tower(renderGraph(), 'main.ts');
    // On failure, the floors themselves: where to cut.
    expect(floors.length <= MAX_FLOORS ? 'within' : floors.join(' -> ')).toBe('within');
  });

  test('one more floor under the bottom of the tower is caught', () => {
    const bottom = tower(renderGraph(), 'main.ts').at(-1)!;
    // lib/project.ts imports only Node's own modules: one floor more, and no cycle.
    const specifier = path.relative(path.dirname(bottom), 'lib/project').replace(/^(?!\.)/, './');
    const floors = tower(renderGraph(withImport(bottom, specifier)), 'main.ts');
    expect(floors.at(-1)).toBe('lib/project.ts');
    expect(floors.length).toBe(tower(renderGraph(), 'main.ts').length + 1);
  });

  test('no two folders import each other, anywhere in the project', () => {
    expect(backArrows(wholeGraph())).toEqual([]);
  });

  test('no cycle among folders, of any length, at the top level or through subfolders', () => {
    const graph = wholeGraph();
    expect({ topLevel: folderCycles(graph, 'top-level'), folders: folderCycles(graph, 'folder') }).toEqual({ topLevel: [], folders: [] });
  });

  test('a cycle over three or more folders, which no pair of folders shows, is caught', () => {
    // bootstrap/ imports charts/, which imports observability/: observability/ importing bootstrap/ closes a circle of three or more.
    const graph = wholeGraph(withImport('observability/collector-config.ts', '../bootstrap/bootstrap-env'));
    expect(backArrows(graph)).toEqual([]);
    const closing = 'observability/collector-config.ts imports bootstrap/bootstrap-env.ts';
    expect(folderCycles(graph, 'top-level')).toEqual([expect.stringContaining(closing)]);
    expect(folderCycles(graph, 'folder')).toEqual([expect.stringContaining(closing)]);
  });

  test('a folder that imports its importer is caught', () => {
    // lib/ imports config/ everywhere; config/types.ts importing lib/ makes the two one knot.
    expect(backArrows(wholeGraph(withImport('config/types.ts', '../lib/labels')))).toEqual([expect.stringMatching(/^config <-> lib \(/)]);
  });
});

describe('functions a reader can hold', () => {
  const files = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', 'config/**.ts', 'verify/engines/*.ts', 'verify/checks/*.ts'],
    {
      cwd: ROOT,
      encoding: 'utf8',
    },
  )
    .split('\n')
    .filter((f) => f.endsWith('.ts') && fs.existsSync(path.join(ROOT, f)));
  const sizes = files.flatMap((f) => functionSizes(f, fs.readFileSync(path.join(ROOT, f), 'utf8')));

  test(`no function over ${MAX_FUNCTION_LINES} lines in config/, verify/engines/ and verify/checks/ but the listed ones, none of which may grow`, () => {
    expect(files.length).toBeGreaterThan(40);
    expect(functionSizeProblems(sizes)).toEqual([]);
    process.stdout.write(`function sizes: ${sizes.length} functions, ${LONG_FUNCTIONS.length} still over ${MAX_FUNCTION_LINES} lines\n`);
  });

  test('seeded breaks: a new long function, a listed one that grew, and a stale entry are each named', () => {
    const long = `function ok() {\n${'  step();\n'.repeat(10)}}\nexport function sprawling() {\n${'  step();\n'.repeat(120)}}\n`;
    expect(functionSizeProblems(functionSizes('verify/checks/x.ts', long), [])).toEqual([
      'verify/checks/x.ts: sprawling is 122 lines, over 100; split it into named steps',
    ]);
    const grown = sizes.map((s) => (s.name === 'runE2e' ? { ...s, lines: s.lines + 1 } : s));
    expect(functionSizeProblems(grown)).toEqual([expect.stringMatching(/^verify\/engines\/gitops-scenarios\.ts: runE2e grew to \d+ lines/)]);
    expect(functionSizeProblems(sizes.filter((s) => s.name !== 'startControlPlane'))).toEqual([
      'verify/engines/control-plane.ts: startControlPlane is no longer over 100 lines; remove it from LONG_FUNCTIONS',
    ]);
  });
});
