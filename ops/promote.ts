import { spawnSync } from 'child_process';
import { createTwoFilesPatch } from 'diff';
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../config/errors';
import { Release } from '../config';
import { DEMO_APP_CHART } from '../seed-lab';
import { formatReleases, PinnedReleases, PROMOTION_ORDER, readReleases, RELEASES_FILE } from '../config/releases';

/**
 * Seed 10-2's deployment order as a command: a release moves from one environment to
 * the next (dev, then stg, then prod), as one change of config/releases.json and the
 * target's dist/ folder, which a pull request shows and Argo CD syncs once merged.
 */

export interface PromotionRequest {
  readonly from: string;
  readonly to: string;
}

export interface PromotionDecision {
  readonly releases: PinnedReleases;
  /** What the target runs after the promotion that it did not before: `images.httpbin v1.2.3 -> v1.3.0`. */
  readonly changes: readonly string[];
}

/** Each version that differs between two releases, as `<kind>.<name> <before> -> <after>`. */
export function releaseChanges(before: Release | undefined, after: Release): string[] {
  const out: string[] = [];
  for (const kind of ['images', 'components'] as const) {
    const was: Readonly<Record<string, string>> = { ...before?.[kind] };
    const now: Readonly<Record<string, string>> = { ...after[kind] };
    for (const name of [...new Set([...Object.keys(was), ...Object.keys(now)])].sort())
      if (was[name] !== now[name]) out.push(`${kind}.${name} ${was[name] ?? '(none)'} -> ${now[name] ?? '(none)'}`);
  }
  return out;
}

/** Two releases are the same when no version differs, whatever the order of their keys. */
const sameRelease = (a: Release, b: Release): boolean => releaseChanges(a, b).length === 0;

/**
 * The releases after moving `from`'s release to `to`. Refused: one environment twice, an
 * environment off the seed's path, a move backwards, a skip past an environment that does
 * not run the release yet, and a target that runs it already.
 */
export function decidePromotion(current: PinnedReleases, request: PromotionRequest, head: Release): PromotionDecision {
  const order: readonly string[] = PROMOTION_ORDER;
  const path = order.join(' -> ');
  for (const env of [request.from, request.to])
    if (!order.includes(env))
      throw new UserError(`${env} is not on the promotion path (${path}, seed 10-2); a variant follows the environment it varies`);
  if (request.from === request.to)
    throw new UserError(`--from and --to are both ${request.from}; a promotion moves a release from one environment to a later one`);
  const [from, to] = [order.indexOf(request.from), order.indexOf(request.to)];
  if (from > to)
    throw new UserError(
      `refused: ${request.to} comes before ${request.from} in the seed's order (${path}); promotions only move forward, so to take ${request.to} back, revert the commit that promoted to it`,
    );
  const releaseIn = (env: string): Release | undefined => (env === order[0] ? head : current[env]);
  const release = releaseIn(request.from);
  if (!release) throw new UserError(`${RELEASES_FILE} pins no release for ${request.from}; promote one to it first`);
  for (const between of order.slice(from + 1, to)) {
    const theirs = releaseIn(between);
    if (!theirs || !sameRelease(theirs, release))
      throw new UserError(
        `refused: ${request.to} before ${between} has ${request.from}'s release; promote it to ${between} first (npm run promote -- --from ${request.from} --to ${between})`,
      );
  }
  const target = releaseIn(request.to);
  if (target && sameRelease(target, release))
    throw new UserError(`refused: ${request.to} already runs ${request.from}'s release; nothing to promote`);
  return { releases: { ...current, [request.to]: release }, changes: releaseChanges(target, release) };
}

/**
 * The files a release is read from: the head's pins (image tags, chart versions and git tags) and
 * each environment's pinned release. A promotion copies what git holds, never an edit in progress.
 */
export const RELEASE_SOURCES: readonly string[] = ['config/versions.ts', 'argocd/upstream-components.ts', RELEASES_FILE];

/** The release sources with a change git has not committed (staged or not), as paths. */
function uncommittedReleaseSources(root: string): string[] {
  const status = spawnSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ...RELEASE_SOURCES], { cwd: root, encoding: 'utf8' });
  if (status.status !== 0)
    throw new UserError(
      `${root} is not a git clone (${(status.stderr || 'git failed').trim().split('\n').pop()}); promote runs in the clone pull requests come from`,
    );
  return status.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.slice(3));
}

export interface PromotionResult {
  readonly changes: readonly string[];
  /** Files the promotion changed, relative to the project root. */
  readonly files: readonly string[];
  /** The rendered diff, as a unified diff of every changed file. */
  readonly diff: string;
}

/** Every file under the given folders and files of `root`, path -> content. */
function snapshot(root: string, entries: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  const visit = (rel: string) => {
    const full = path.join(root, rel);
    if (!fs.existsSync(full)) return;
    if (fs.statSync(full).isDirectory()) for (const entry of fs.readdirSync(full).sort()) visit(path.join(rel, entry));
    else out.set(rel, fs.readFileSync(full, 'utf8'));
  };
  entries.forEach(visit);
  return out;
}

/** Runs synth of one environment in the clone at `root`, with the clone's own code; its one error line, or undefined. */
function synthOf(root: string, env: string, ...args: string[]): { readonly status: number; readonly error?: string } {
  const run = spawnSync(process.execPath, [path.join(root, 'lib', 'run-ts.js'), 'main.ts', '--env', env, ...args], { cwd: root, encoding: 'utf8' });
  const error = run.status === 0 ? undefined : (run.stderr.trim().split('\n').pop() ?? `exit ${run.status}`).replace(/^synth: error: /, '');
  return { status: run.status ?? 1, error };
}

/**
 * In the clone at `root`: check that the release sources are committed and dist/<to> is a fresh synth (so the diff holds the promotion
 * alone), rewrite config/releases.json, and synthesize the target. A release the target's own
 * rules refuse (a floating tag in prod) fails synth, and the file is put back as it was.
 */
export function promoteInClone(
  root: string,
  request: PromotionRequest,
  head: Release,
  /** Told before and after each synth (a few seconds each): lib/progress.ts prints it. */
  step: (what: string) => void = () => undefined,
): PromotionResult {
  const uncommitted = uncommittedReleaseSources(root);
  if (uncommitted.length > 0)
    throw new UserError(
      `refused: ${uncommitted.join(', ')} ${uncommitted.length === 1 ? 'has' : 'have'} uncommitted changes, and a release is read from them; commit them (dev runs the head once merged) or stash them, then promote`,
    );
  const decision = decidePromotion(readReleases(root), request, head);
  step(`checking that dist/${request.to} is a fresh synth`);
  const stale = synthOf(root, request.to, '--check');
  if (stale.error)
    throw new UserError(
      `dist/${request.to} is not what this tree renders (${stale.error}); run npm run synth first, so the promotion's diff holds the promotion alone`,
    );
  // The demo chart's values-<env>.yaml follow each environment's release (seed 11-1's chart, rendered from dist/<env>/demo).
  const watched = [RELEASES_FILE, path.join('dist', request.to), DEMO_APP_CHART.path];
  const before = snapshot(root, watched);
  const file = path.join(root, RELEASES_FILE);
  const original = fs.readFileSync(file, 'utf8');
  fs.writeFileSync(file, formatReleases(decision.releases));
  step(`rendering ${request.to} with ${request.from}'s release`);
  const synth = synthOf(root, request.to);
  step(`rendered ${request.to}`);
  if (synth.error) {
    fs.writeFileSync(file, original);
    const refused = `refused: ${request.to} does not render with ${request.from}'s release (${synth.error}); ${RELEASES_FILE} is as it was`;
    throw synth.status === 2 ? new UserError(refused) : new Error(refused);
  }
  const after = snapshot(root, watched);
  const files = [...new Set([...before.keys(), ...after.keys()])].filter((f) => before.get(f) !== after.get(f)).sort();
  const diff = files
    .map((f) => createTwoFilesPatch(`a/${f}`, `b/${f}`, before.get(f) ?? '', after.get(f) ?? '', undefined, undefined, { context: 2 }))
    .join('');
  return { changes: decision.changes, files, diff };
}
