import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { copyWorkingTree } from '../verify/engines/working-tree';
import { ROOT, tempDir } from './helpers';

/**
 * A clone of the working tree, committed on `main`, where the project's
 * commands run as in a user's clone (synth with the clone's own code; the
 * dependencies linked, as `npm ci` would have installed them).
 */
export function committedClone(prefix: string): string {
  const clone = path.join(tempDir(prefix), 'repo');
  copyWorkingTree(ROOT, clone);
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));
  const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  // The identity the rollback commits as, as its clone would have it configured.
  git('config', 'user.name', 'rollback-receiver');
  git('config', 'user.email', 'rollback-receiver@lab.local');
  git('add', '-A');
  git('commit', '-q', '-m', 'the working tree');
  return clone;
}

/** `git -C dir ...`, its stdout trimmed. */
export const gitIn = (dir: string, ...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();

/** The subjects of a branch's commits, newest first. */
export const subjects = (dir: string, ref = 'HEAD'): string[] => gitIn(dir, 'log', '--format=%s', ref).split('\n');

/** The files one commit changed. */
export const filesOf = (dir: string, ref = 'HEAD'): string[] => gitIn(dir, 'show', '--name-only', '--format=', ref).split('\n').filter(Boolean);

/** A bare remote holding the clone's main, set as its origin. */
export function bareRemoteOf(clone: string): string {
  const remote = path.join(tempDir('rollback-remote-'), 'remote.git');
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', remote]);
  gitIn(clone, 'remote', 'add', 'origin', remote);
  gitIn(clone, 'push', '-q', '-u', 'origin', 'main');
  return remote;
}
