/**
 * npm run diff -- [--base <git-ref>] [--env <env>] [--markdown] [--fail-on <env|any|removals>]
 * Renders the current tree and compares it with dist/ at the base ref
 * (default: the merge base with main), our objects and, where an upstream
 * Application changed, the objects its chart renders. Exits 1 when a
 * --fail-on condition holds, 2 on bad input.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { COMPONENTS } from '../../components';
import { UserError } from '../../config';
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { selectEnvironments } from '../../lib/cli';
import { runCommand } from '../../lib/command';
import { diffTrees, failureReason, formatMarkdown, formatText, treeAtRef, treeOf, upstreamChanges } from '../checks/rendered-diff';
import { renderEnvironment } from '../../lib/synth';
import { toolPath } from '../tools/tool-path';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();

runCommand(
  {
    name: 'diff',
    invocation: 'npm run diff --',
    summary: 'The rendered diff a reviewer reads: per environment, component and object, down to fields, including what upstream charts render.',
    flags: {
      base: { kind: 'string', value: 'git-ref', help: 'compare with dist/ at this commit (default: the merge base with main)' },
      env: { kind: 'strings', help: 'only these environments (default: all)', oneOf: () => ENVIRONMENT_NAMES },
      markdown: { kind: 'boolean', help: 'a markdown table for the pull request' },
      'fail-on': { kind: 'strings', help: 'exit 1 when this changes', oneOf: () => [...ENVIRONMENT_NAMES, 'any', 'removals'] },
    },
  },
  ({ flags }) => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    if (!fs.existsSync(path.join(ROOT, '.git')))
      throw new UserError(`${ROOT} is not a git repository; diff compares with dist/ in git history, so run it in a clone`);
    let base = flags.base;
    if (!base) {
      try {
        base = git('merge-base', 'HEAD', 'main');
      } catch {
        throw new UserError('no merge base with main (no main branch, or unrelated history); pass --base <git-ref>');
      }
    }
    try {
      git('rev-parse', '--verify', `${base}^{commit}`);
    } catch {
      throw new UserError(`'${base}' is not a commit in this repository; pass --base <git-ref>`);
    }
    const selected = selectEnvironments(flags.env);
    const helm = toolPath(ROOT, 'helm');
    const notRendered: string[] = [];
    const changes = selected.flatMap((env) => {
      const before = treeAtRef(ROOT, base!, env.name);
      const after = treeOf(renderEnvironment(env, COMPONENTS));
      const upstream = upstreamChanges(env.name, before, after, helm);
      notRendered.push(...upstream.notRendered.map((u) => `${env.name}, ${u}`));
      return [...diffTrees(env.name, before, after), ...upstream.changes];
    });
    const names = selected.map((e) => e.name);
    process.stdout.write(flags.markdown ? formatMarkdown(changes, names) : formatText(changes, names));
    for (const u of notRendered) process.stderr.write(`diff: upstream not rendered in ${u}\n`);
    const reason = failureReason(changes, flags['fail-on']);
    if (reason) {
      process.stderr.write(`diff: failing because ${reason} (--fail-on ${flags['fail-on'].join(', ')})\n`);
      return 1;
    }
    return 0;
  },
);
