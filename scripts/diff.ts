/**
 * npm run diff -- [--base <git-ref>] [--env <env>] [--markdown] [--fail-on <env|any|removals>]
 * Renders the current tree and compares it with dist/ at the base ref
 * (default: the merge base with main). Exits 0 unless a --fail-on condition holds (1),
 * or the input is wrong (2).
 */
import { execFileSync } from 'child_process';
import * as path from 'path';
import { COMPONENTS } from '../components';
import { UserError } from '../config';
import { selectEnvironments } from '../lib/cli';
import { diffTrees, failureReason, formatMarkdown, formatText, treeAtRef, treeOf } from '../lib/rendered-diff';
import { renderEnvironment } from '../lib/synth';

const ROOT = path.resolve(__dirname, '..');
const USAGE = 'usage: npm run diff -- [--base <git-ref>] [--env <env>] [--markdown] [--fail-on <env|any|removals>]';

function main(argv: string[]): number {
  let base: string | undefined;
  const envs: string[] = [];
  const failOn: string[] = [];
  let markdown = false;
  for (let i = 0; i < argv.length; i++) {
    const value = () => {
      const v = argv[++i];
      if (!v) throw new UserError(`${argv[i - 1]} needs a value; ${USAGE}`);
      return v;
    };
    if (argv[i] === '--base') base = value();
    else if (argv[i] === '--env') envs.push(value());
    else if (argv[i] === '--fail-on') failOn.push(value());
    else if (argv[i] === '--markdown') markdown = true;
    else throw new UserError(`unknown argument '${argv[i]}'; ${USAGE}`);
  }
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  if (!base) {
    try {
      base = git('merge-base', 'HEAD', 'main');
    } catch {
      throw new UserError('no merge base with main; pass --base <git-ref>');
    }
  }
  try {
    git('rev-parse', '--verify', `${base}^{commit}`);
  } catch {
    throw new UserError(`'${base}' is not a commit in this repository; pass --base <git-ref>`);
  }
  const selected = selectEnvironments(envs);
  const changes = selected.flatMap((env) => diffTrees(env.name, treeAtRef(ROOT, base!, env.name), treeOf(renderEnvironment(env, COMPONENTS))));
  const names = selected.map((e) => e.name);
  process.stdout.write(markdown ? formatMarkdown(changes, names) : formatText(changes, names));
  const reason = failureReason(changes, failOn);
  if (reason) {
    console.error(`diff: failing because ${reason} (--fail-on ${failOn.join(', ')})`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  console.error(`diff: error: ${error.message}`);
  process.exitCode = 2;
}
