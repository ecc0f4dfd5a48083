// Why synth's writer has the pieces it has, each for a user it protects
// (test/synth-processes.test.ts kills synth at every point to prove them):
// - the new tree is built beside dist/ and swapped in by rename, so a failed or
//   interrupted run never leaves a half-written dist/ for Argo CD to sync;
// - the READY marker and recoverStaging finish or undo a swap that a kill cut
//   short, so the next run starts from a whole tree, never from two;
// - unchanged files are hard-linked, so a one-line change rewrites one file and
//   git, editors and the bundle cache see only that one;
// - a file synth did not write inside a folder it owns stops the run, so a hand
//   edit in dist/ is never deleted in silence.
import * as fs from 'fs';
import * as path from 'path';
import { UserError } from '../config/errors';
import { RenderedEnvironment } from './synth';

/** A file synth writes: `<env>/<component>/<kind>-<name>.yaml`, or a plain file of `<env>/bootstrap/`. */
const SYNTH_LAYOUT = /^[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9-]*\/[a-z0-9][a-z0-9.-]*\.(yaml|env)$/;

const STAGING_PREFIX = '.synth-staging-';
/** Written once the new tree is complete: from then on, the swap may be finished by the next run. */
const READY_MARKER = 'READY';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A killed synth whose parent died too lingers as a zombie until init reaps it; it holds no staging open.
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0] !== 'Z';
  } catch {
    return true;
  }
}

/**
 * Finishes or discards the swap of a synth that was killed. A complete new tree
 * whose old tree was already moved aside is put in place (roll forward); any
 * other leftover is deleted (roll back: that run never reported success).
 */
export function recoverStaging(root: string): string[] {
  const parent = path.dirname(root);
  const mine = `${STAGING_PREFIX}${path.basename(root)}-`;
  const recovered: string[] = [];
  if (!fs.existsSync(parent)) return recovered;
  for (const entry of fs.readdirSync(parent)) {
    if (!entry.startsWith(mine)) continue;
    const pid = Number(entry.slice(mine.length));
    if (Number.isInteger(pid) && pid !== process.pid && isAlive(pid)) continue;
    const staging = path.join(parent, entry);
    if (!fs.existsSync(root) && fs.existsSync(path.join(staging, READY_MARKER)) && fs.existsSync(path.join(staging, 'new'))) {
      fs.renameSync(path.join(staging, 'new'), root);
      recovered.push(`finished the swap of an interrupted synth (${entry})`);
    }
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return recovered;
}

function filesUnder(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesUnder(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Hard-links a file or a whole folder into the new tree: unchanged bytes are never rewritten. */
function linkTree(from: string, to: string): void {
  if (fs.statSync(from).isDirectory()) {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from)) linkTree(path.join(from, entry), path.join(to, entry));
  } else {
    fs.linkSync(from, to);
  }
}

/**
 * Builds a new tree for `root` with `fill` beside it (staging on the same
 * filesystem, so rename() is atomic), then swaps it in by two renames. Once
 * the new tree is complete a READY marker lets the next run finish a swap that
 * was killed (recoverStaging); a failure between the renames puts the old tree back.
 */
function swapIn(root: string, fill: (next: string) => void): void {
  const staging = path.join(path.dirname(root), `${STAGING_PREFIX}${path.basename(root)}-${process.pid}`);
  const next = path.join(staging, 'new');
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    fs.mkdirSync(next, { recursive: true });
    fill(next);
    fs.writeFileSync(path.join(staging, READY_MARKER), '');
    if (fs.existsSync(root)) fs.renameSync(root, path.join(staging, 'old'));
    fs.renameSync(next, root);
  } catch (error) {
    if (!fs.existsSync(root) && fs.existsSync(path.join(staging, 'old'))) fs.renameSync(path.join(staging, 'old'), root);
    throw error;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

export interface WriteResult {
  /** Files in the rendered environments (written or linked unchanged). */
  readonly files: number;
  /** Folders of environments that are no longer registered, removed from the tree. */
  readonly removedStrays: readonly string[];
}

/**
 * Replaces the rendered environments of the tree at `distDir` all at once.
 * The new tree is built beside it (unchanged files hard-linked from the current
 * tree, other registered environments and foreign top-level files linked as
 * they are), then swapped in by two renames, finished by the next run if it is
 * killed between them. Folders of unregistered environments are dropped, and
 * files synth did not write inside a folder it replaces stop the run.
 */
export function writeAtomically(
  rendered: readonly RenderedEnvironment[],
  distDir: string,
  registered: readonly string[] = rendered.map((r) => r.env.name),
): WriteResult {
  const root = path.resolve(distDir);
  if (fs.existsSync(root) && !fs.statSync(root).isDirectory()) throw new UserError(`${distDir} is a file, not a folder; give --out a folder`);
  recoverStaging(root);
  const renderedNames = new Set(rendered.map((r) => r.env.name));
  const removedStrays: string[] = [];
  const current = fs.existsSync(root) ? fs.readdirSync(root, { withFileTypes: true }) : [];
  for (const entry of current) {
    const replaced = entry.isDirectory() && (renderedNames.has(entry.name) || !registered.includes(entry.name));
    if (!replaced) continue;
    const foreign = filesUnder(path.join(root, entry.name), entry.name).filter((f) => !SYNTH_LAYOUT.test(f));
    if (foreign.length > 0)
      throw new UserError(
        `${path.join(distDir, foreign[0])} was not written by synth (${foreign.length} such file(s)); move them out of ${distDir}/${entry.name} or choose another --out`,
      );
    if (!renderedNames.has(entry.name)) removedStrays.push(entry.name);
  }

  let files = 0;
  swapIn(root, (next) => {
    for (const entry of current) {
      const kept = !entry.isDirectory() || (!renderedNames.has(entry.name) && registered.includes(entry.name));
      if (kept) linkTree(path.join(root, entry.name), path.join(next, entry.name));
    }
    for (const { env, files: objects, plainFiles } of rendered) {
      fs.mkdirSync(path.join(next, env.name), { recursive: true });
      for (const file of [...objects, ...plainFiles.map((p) => ({ path: p.name, content: p.content }))]) {
        const target = path.join(next, env.name, file.path);
        const live = path.join(root, env.name, file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        if (fs.existsSync(live) && fs.readFileSync(live, 'utf8') === file.content) fs.linkSync(live, target);
        else fs.writeFileSync(target, file.content);
        files++;
      }
    }
  });
  return { files, removedStrays };
}

export interface TreeDifference {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...listFiles(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out.sort();
}

/**
 * Compares what synth would write with what is committed, file by file. With
 * `registered`, a folder of an environment that is not registered counts as removed.
 */
export function compareWithDisk(rendered: readonly RenderedEnvironment[], distDir: string, registered?: readonly string[]): TreeDifference {
  const diff: TreeDifference = { added: [], removed: [], changed: [] };
  if (registered && fs.existsSync(distDir)) {
    for (const entry of fs.readdirSync(distDir, { withFileTypes: true })) {
      if (entry.isDirectory() && !registered.includes(entry.name)) diff.removed.push(...listFiles(path.join(distDir, entry.name), entry.name));
    }
  }
  for (const { env, files, plainFiles } of rendered) {
    const envDir = path.join(distDir, env.name);
    const onDisk = new Set(listFiles(envDir));
    for (const file of [...files, ...plainFiles.map((p) => ({ path: p.name, content: p.content }))]) {
      const rel = `${env.name}/${file.path}`;
      if (!onDisk.has(file.path)) diff.added.push(rel);
      else if (fs.readFileSync(path.join(envDir, file.path), 'utf8') !== file.content) diff.changed.push(rel);
      onDisk.delete(file.path);
    }
    diff.removed.push(...[...onDisk].map((p) => `${env.name}/${p}`));
  }
  return diff;
}

/** Files of a folder synth owns whole (a generated Helm chart), path inside it -> content. */
export interface OwnedFolder {
  readonly dir: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly content: string }>;
}

/** Replaces a folder synth owns whole: the new one is built beside it, then swapped in by two renames. */
export function writeFolderAtomically(folder: OwnedFolder): void {
  const root = path.resolve(folder.dir);
  // What a killed run left is finished or discarded first, as for the output tree.
  recoverStaging(root);
  swapIn(root, (next) => {
    for (const file of folder.files) {
      const target = path.join(next, file.path);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, file.content);
    }
  });
}

/** What differs between a folder synth owns and what it would write there, as `+`, `-` and `~` paths. */
export function compareFolder(folder: OwnedFolder): string[] {
  const onDisk = new Set(listFiles(folder.dir));
  const out: string[] = [];
  for (const file of folder.files) {
    const full = path.join(folder.dir, file.path);
    const rel = path.relative(process.cwd(), full);
    if (!onDisk.has(file.path)) out.push(`+${rel}`);
    else if (fs.readFileSync(full, 'utf8') !== file.content) out.push(`~${rel}`);
    onDisk.delete(file.path);
  }
  return [...out, ...[...onDisk].map((p) => `-${path.relative(process.cwd(), path.join(folder.dir, p))}`)];
}
