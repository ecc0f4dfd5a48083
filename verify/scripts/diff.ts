/**
 * npm run diff -- [--base <git-ref>] [--env <env>] [--markdown] [--max-length <chars>] [--fail-on <env|any|removals>]
 * Renders the current tree and compares it with dist/ at the base ref
 * (default: the merge base with the pull request's base branch, origin/HEAD
 * or main, whichever is found first), our objects and, where an upstream
 * Application changed, the objects its chart renders; then who can talk to
 * whom, where a change touches it (verify/checks/connectivity-diff.ts). Exits 1 when a
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
import { stepProgress } from '../../lib/progress';
import { diffTrees, failureReason, treeAtRef, treeOf, upstreamChanges, withoutNoise } from '../checks/rendered-diff';
import { fitMarkdown, formatMarkdown, formatText, notRenderedNotes } from '../checks/diff-format';
import { renderEnvironment } from '../../lib/synth';
import { ConnectivityDiff, formatConnectivityMarkdown, formatConnectivityText, treeConnectivity } from '../checks/connectivity-diff';
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
      'max-length': {
        kind: 'string',
        value: 'chars',
        help: 'with --markdown: at most this many characters (a pull-request comment holds 65536); what is cut is named',
      },
      'fail-on': { kind: 'strings', help: 'exit 1 when this changes', oneOf: () => [...ENVIRONMENT_NAMES, 'any', 'removals'] },
    },
  },
  ({ flags }) => {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
    if (!fs.existsSync(path.join(ROOT, '.git')))
      throw new UserError(`${ROOT} is not a git repository; diff compares with dist/ in git history, so run it in a clone`);
    const maxLength = flags['max-length'] === undefined ? undefined : Number(flags['max-length']);
    if (maxLength !== undefined && !(Number.isInteger(maxLength) && maxLength >= 1000))
      throw new UserError(`--max-length '${flags['max-length']}' is not a whole number of at least 1000 characters`);
    const base = flags.base ?? defaultBase(git);
    try {
      git('rev-parse', '--verify', `${base}^{commit}`);
    } catch {
      throw new UserError(`'${base}' is not a commit in this repository; pass --base <git-ref>`);
    }
    const selected = selectEnvironments(flags.env);
    const helm = toolPath(ROOT, 'helm');
    const notRendered: string[] = [];
    let ignored = 0;
    const connectivity: Array<{ env: string; diff: ConnectivityDiff }> = [];
    let harness: string | undefined;
    const tools = { helm, harness: () => (harness ??= toolPath(ROOT, 'cilium-policy')) };
    const step = stepProgress('diff');
    const changes = selected.flatMap((env) => {
      const before = treeAtRef(ROOT, base!, env.name);
      const after = treeOf(renderEnvironment(env, COMPONENTS));
      step(`${env.name}: rendered and read the base`);
      const upstream = upstreamChanges(env.name, before, after, helm, step);
      notRendered.push(...upstream.notRendered.map((u) => `${env.name}, ${u}`));
      ignored += upstream.ignored;
      connectivity.push({ env: env.name, diff: treeConnectivity(env, before, after, tools) });
      step(`${env.name}: compared, connectivity judged`);
      return [...diffTrees(env.name, before, after), ...upstream.changes];
    });
    const names = selected.map((e) => e.name);
    const { changes: shown, quiet } = withoutNoise(changes);
    const notes = [
      ...(quiet > 0
        ? [
            `${quiet} object(s) changed only in noise fields (chart and version labels, checksum annotations: NOISE_FIELDS in verify/checks/rendered-diff.ts)`,
          ]
        : []),
      ...(ignored > 0 ? [`${ignored} object(s) changed only in fields their Application's ignoreDifferences names`] : []),
      ...notRenderedNotes(notRendered),
    ];
    if (flags.markdown) {
      const section = formatConnectivityMarkdown(connectivity);
      process.stdout.write(
        (maxLength
          ? fitMarkdown(shown, names, maxLength - section.length, notes)
          : formatMarkdown(shown, names) + notes.map((n) => `\n_${n}_\n`).join('')) + section,
      );
    } else process.stdout.write(formatText(shown, names) + notes.map((n) => `diff: ${n}\n`).join('') + formatConnectivityText(connectivity));
    const reason = failureReason(changes, flags['fail-on']);
    if (reason) {
      process.stderr.write(`diff: failing because ${reason} (--fail-on ${flags['fail-on'].join(', ')})\n`);
      return 1;
    }
    return 0;
  },
);

/**
 * The base of a pull request without a local main branch, as CI checkouts have it: the merge base
 * with the CI host's base branch (GITHUB_BASE_REF, GitLab's CI_MERGE_REQUEST_TARGET_BRANCH_NAME),
 * else with origin/HEAD, else with main.
 */
function defaultBase(git: (...args: string[]) => string): string {
  const hostBase = process.env.GITHUB_BASE_REF || process.env.CI_MERGE_REQUEST_TARGET_BRANCH_NAME;
  const candidates = [...(hostBase ? [`origin/${hostBase}`, hostBase] : []), 'origin/HEAD', 'main'];
  for (const ref of candidates) {
    try {
      return git('merge-base', 'HEAD', ref);
    } catch {
      // Not in this checkout; try the next.
    }
  }
  throw new UserError(
    `no merge base with ${candidates.join(', ')} (a shallow or unrelated checkout); fetch the base branch or pass --base <git-ref>`,
  );
}
