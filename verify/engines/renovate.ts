import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { toolPath } from '../tools/tool-path';

/**
 * The pinned Renovate, offline: its extraction (`--platform=local
 * --dry-run=extract`, which looks nothing up) finds the dependencies of a
 * repository, and its package rules (renovate-rules.mjs) say which group
 * each one's update would land in.
 */
export interface ExtractedDependency {
  readonly manager: string;
  readonly packageFile: string;
  readonly depName?: string;
  readonly packageName?: string;
  readonly currentValue?: string;
  readonly currentDigest?: string;
  readonly datasource?: string;
  readonly depType?: string;
  readonly registryUrls?: readonly string[];
}

interface LogRecord {
  readonly packageFiles?: Record<string, Array<{ packageFile: string; deps?: ExtractedDependency[] }>>;
  readonly level?: number;
  readonly msg?: string;
}

/** Every dependency Renovate extracts from `repo` (a git work tree), with its manager and file. */
export function extractDependencies(root: string, repo: string, baseDir: string): ExtractedDependency[] {
  const run = spawnSync(toolPath(root, 'renovate'), ['--platform=local', '--dry-run=extract', '--onboarding=false', '--require-config=optional'], {
    cwd: repo,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', RENOVATE_BASE_DIR: baseDir },
  });
  const records = run.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogRecord);
  const found = records.find((r) => r.packageFiles);
  if (run.status !== 0 || !found)
    throw new Error(
      `renovate extracted nothing (exit ${run.status}): ${
        records
          .filter((r) => (r.level ?? 0) >= 50)
          .map((r) => r.msg)
          .join('; ') || run.stderr.slice(-500)
      }`,
    );
  return Object.entries(found.packageFiles!).flatMap(([manager, files]) =>
    files.flatMap((f) => (f.deps ?? []).map((d) => ({ ...d, manager, packageFile: f.packageFile }))),
  );
}

/** The group each dependency's update lands in under `repo`'s renovate.json (undefined: a pull request of its own). */
export function renovateGroups(root: string, repo: string, deps: readonly ExtractedDependency[]): Array<string | undefined> {
  // The renovate tool is a launcher next to its own Node (Renovate needs Node 24) and its node_modules.
  const home = path.dirname(path.dirname(fs.realpathSync(toolPath(root, 'renovate'))));
  const node = path.join(home, 'node', 'bin', 'node');
  const dist = path.join(home, 'app', 'node_modules', 'renovate', 'dist');
  const config = JSON.parse(fs.readFileSync(path.join(repo, 'renovate.json'), 'utf8')) as Record<string, unknown>;
  const run = spawnSync(node, [path.join(__dirname, 'renovate-rules.mjs'), dist], {
    input: JSON.stringify({ config, deps }),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`Renovate's package rules did not run (exit ${run.status}): ${run.stderr.slice(-500)}`);
  return (JSON.parse(run.stdout) as Array<{ groupName: string | null }>).map((g) => g.groupName ?? undefined);
}
