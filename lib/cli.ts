import { performance } from 'perf_hooks';
import { EnvironmentConfig, UserError } from '../config';
import { findProblems } from '../config/validate';
import { settingSource } from './setting-source';
import { environmentByName, ENVIRONMENTS } from '../config/environments';
import { CommandSpec, describeError, EXIT_BAD_INPUT, EXIT_FAILED, Flags, helpText, parseCommandLine } from './command';
import * as fs from 'fs';
import * as path from 'path';
import { compareFolder, compareWithDisk, OwnedFolder, writeAtomically, writeFolderAtomically } from './output';
import { GeneratedFolder } from './generated-folder';
import { ChartComponent, KubeObject, renderEnvironment, RenderedEnvironment } from './synth';

export interface SynthOptions {
  readonly envs: readonly string[];
  readonly outDir: string;
  /** Compare with the tree on disk instead of writing it. */
  readonly check: boolean;
}

/** `npm run synth`'s command line, read by the parser every command shares (lib/command.ts). */
export const SYNTH_COMMAND = {
  name: 'synth',
  invocation: 'npm run synth --',
  summary: 'Renders every environment (or those given) into <out>/<env>/ for Argo CD to sync; with --check, compares instead of writing.',
  flags: {
    env: { kind: 'strings', help: `render only this environment (${Object.keys(ENVIRONMENTS).join(', ')}); repeatable`, value: 'env' },
    out: { kind: 'string', help: 'the output folder (default: dist)', value: 'dir' },
    check: { kind: 'boolean', help: 'write nothing; fail when the folder differs from a fresh render' },
  },
} as const satisfies CommandSpec<Flags>;

/** The synth options of a command line, or `help` for --help. */
export function parseArgs(argv: readonly string[]): SynthOptions | 'help' {
  const parsed = parseCommandLine(SYNTH_COMMAND, argv);
  if (parsed === 'help') return 'help';
  return { envs: parsed.flags.env, outDir: parsed.flags.out ?? 'dist', check: parsed.flags.check };
}

/**
 * Looks up and validates every requested environment before anything renders. Every invalid one is named, each
 * problem with the line that sets it (lib/setting-source.ts), so a value one environment takes from another shows
 * in both.
 */
export function selectEnvironments(names: readonly string[], all: Readonly<Record<string, EnvironmentConfig>> = ENVIRONMENTS): EnvironmentConfig[] {
  // `--env dev --env dev` is one environment, rendered once.
  const selected = [...new Set(names.length > 0 ? names : Object.keys(all))].map((name) => environmentByName(name, all));
  const invalid = selected.flatMap((env) => {
    const problems = findProblems(env);
    if (problems.length === 0) return [];
    const located = problems.map((problem) => {
      const setting = /^([\w]+(\.[\w]+)+) /.exec(problem)?.[1];
      // Only the registry's own environments are written in its files; an environment built in memory is not.
      const source = setting && all === ENVIRONMENTS ? settingSource(env.name, setting) : undefined;
      return source ? `${problem}, set at ${source}` : problem;
    });
    return [`invalid environment '${env.name}': ${located.join('; ')}`];
  });
  if (invalid.length > 0) throw new UserError(invalid.join('; '));
  return selected;
}

export interface SynthResult {
  readonly rendered: readonly RenderedEnvironment[];
  readonly objects: number;
  /** Non-Kubernetes files (Kind config, values files). */
  readonly plain: number;
  readonly files: number;
  /** Folders of unregistered environments removed from the tree. */
  readonly removedStrays: readonly string[];
  readonly millis: number;
}

/**
 * The whole synth: validate, render every environment in memory, then write
 * atomically. Any error happens before the first byte reaches `outDir`.
 */
export function synth(
  options: SynthOptions,
  components: readonly ChartComponent[],
  all: Readonly<Record<string, EnvironmentConfig>> = ENVIRONMENTS,
  folders: readonly GeneratedFolder[] = [],
): SynthResult {
  const start = performance.now();
  const envs = selectEnvironments(options.envs, all);
  const rendered = envs.map((env) => renderEnvironment(env, components));
  const charts = folders.map((f) => ownedFolder(f, options.outDir, components, all, rendered));
  const objects = rendered.reduce((n, r) => n + r.files.length, 0);
  const plain = rendered.reduce((n, r) => n + r.plainFiles.length, 0);
  let files = 0;
  let removedStrays: readonly string[] = [];
  if (options.check) {
    const diff = compareWithDisk(rendered, options.outDir, options.envs.length === 0 ? Object.keys(all) : undefined);
    const stale = [
      ...diff.added.map((f) => `+${f}`),
      ...diff.removed.map((f) => `-${f}`),
      ...diff.changed.map((f) => `~${f}`),
      ...charts.flatMap(compareFolder),
    ];
    if (stale.length > 0) {
      throw new UserError(
        `${options.outDir}/${charts.length > 0 ? ' and the generated folders differ' : ' differs'} from a fresh synth in ${stale.length} file(s) (${stale.slice(0, 5).join(' ')}${stale.length > 5 ? ' ...' : ''}); run npm run synth and commit the result`,
      );
    }
  } else {
    const written = writeAtomically(rendered, options.outDir, Object.keys(all));
    for (const chart of charts) writeFolderAtomically(chart);
    files = written.files + charts.reduce((n, c) => n + c.files.length, 0);
    removedStrays = written.removedStrays;
  }
  return { rendered, objects, plain, files, removedStrays, millis: performance.now() - start };
}

/**
 * A generated folder at its path beside the output tree (the output folder's parent is the project root), made from
 * the components as every environment it reads renders them, whichever `--env` was asked.
 */
function ownedFolder(
  folder: GeneratedFolder,
  outDir: string,
  components: readonly ChartComponent[],
  all: Readonly<Record<string, EnvironmentConfig>>,
  rendered: readonly RenderedEnvironment[],
): OwnedFolder {
  const objects = (name: string, componentName: string): readonly KubeObject[] => {
    const env = all[name];
    if (!env) throw new UserError(`${folder.path} reads ${name}, which is not a registered environment`);
    const component = components.filter((c) => c.name === componentName);
    if (component.length !== 1 || !component[0].build)
      throw new Error(`${folder.path}: no component named ${componentName} that builds from the environment`);
    // This run's render where it has the component; else the component alone, rendered even where the environment leaves it out.
    const files = rendered.find((r) => r.env.name === name && r.files.some((f) => f.component === componentName))?.files;
    return (files ?? renderEnvironment(env, [{ ...component[0], enabled: () => true }]).files)
      .filter((f) => f.component === componentName)
      .map((f) => f.object);
  };
  return { dir: path.join(path.dirname(path.resolve(outDir)), folder.path), files: folder.files({ objects }) };
}

/**
 * Where cdk8s.yaml sends the cdk8s CLI (`output:`). The CLI empties that
 * folder before it runs the app, so it is a scratch folder, never `dist/`.
 */
export const CDK8S_CLI_OUTDIR = '.build/cdk8s';

/**
 * Under the cdk8s CLI (`npx cdk8s synth`, which sets CDK8S_OUTDIR), the app
 * also writes what the CLI reads there: every object in its own file, in the
 * layout of dist/, starting with `---`. The CLI pipes the files to `--stdout`
 * side by side, and one small file is one chunk, so the stream stays valid
 * YAML; validation plugins read the same files. With the configured folder it
 * is the whole `npm run synth` besides; with `-o` or `--stdout`, dist/ is left alone.
 */
function cdk8sCliOutput(outdir: string, rendered: readonly RenderedEnvironment[]): void {
  for (const r of rendered)
    for (const file of r.files) {
      const target = path.join(outdir, r.env.name, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, `---\n${file.content}`);
    }
}

/** Entry point shared by main.ts: one line of summary, or one line of error; exit 2 on bad input, 1 on any other failure. */
export function runCli(argv: readonly string[], components: readonly ChartComponent[], folders: readonly GeneratedFolder[] = []): number {
  const cdk8sOutdir = process.env.CDK8S_OUTDIR;
  try {
    const options = parseArgs(argv);
    if (options === 'help') {
      process.stdout.write(helpText(SYNTH_COMMAND));
      return 0;
    }
    if (cdk8sOutdir && path.resolve(cdk8sOutdir) !== path.resolve(CDK8S_CLI_OUTDIR)) {
      // `cdk8s synth -o <dir>` or `--stdout`: the manifests there, nothing else touched.
      const rendered = selectEnvironments(options.envs).map((env) => renderEnvironment(env, components));
      cdk8sCliOutput(cdk8sOutdir, rendered);
      if (!options.check) console.error(`synth: ${rendered.length} environments written to ${cdk8sOutdir}/ (dist/ untouched)`);
      return 0;
    }
    const result = synth(options, components, ENVIRONMENTS, folders);
    const names = result.rendered.map((r) => r.env.name).join(', ');
    const strays =
      result.removedStrays.length > 0
        ? ` (removed ${result.removedStrays.map((n) => `${options.outDir}/${n}`).join(', ')}: no such environment)`
        : '';
    const action = options.check ? `checked against ${options.outDir}/, up to date` : `${result.files} files written to ${options.outDir}/${strays}`;
    if (cdk8sOutdir) cdk8sCliOutput(cdk8sOutdir, result.rendered);
    // The cdk8s CLI keeps the app's stdout to itself and passes its stderr on.
    (cdk8sOutdir ? console.error : console.log)(
      `synth: ${result.rendered.length} environments (${names}), ${result.objects} objects and ${result.plain} plain files, ${action}${cdk8sOutdir ? `, and to ${cdk8sOutdir}/ for the cdk8s CLI` : ''}, in ${Math.round(result.millis)} ms`,
    );
    return 0;
  } catch (error) {
    console.error(`synth: error: ${describeError(error).replace(/\s*\n\s*/g, ' ')}`);
    return error instanceof UserError ? EXIT_BAD_INPUT : EXIT_FAILED;
  }
}
