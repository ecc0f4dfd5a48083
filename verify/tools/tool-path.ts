import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ToolError, linkDir } from './cache';

/**
 * Path of a pinned external tool's binary: the link in .tools/bin when
 * `npm run tools` (the first step of npm test) has verified it, otherwise
 * built or verified now. A tool that cannot be had (no Go, a failed build)
 * fails with the tools command's own one line, as a ToolError: a known
 * condition, never reported as a bug.
 */
export function toolPath(root: string, binary: string): string {
  const link = path.join(linkDir(), binary);
  if (fs.existsSync(link)) return link;
  const result = spawnSync(process.execPath, [path.join(root, 'lib/run-ts.js'), path.join(root, 'verify/scripts/tools.ts'), binary], {
    cwd: root,
    encoding: 'utf8',
  });
  return pathFromToolsOutput(binary, result);
}

/**
 * What `npm run tools -- <binary>` said, read: its failure is a known condition
 * (a ToolError with its own one line); its success must carry `<binary>=<path>`,
 * since it prints one for every name it links (verify/tools/catalog.ts providedNames),
 * so a success without it is our bug.
 */
export function pathFromToolsOutput(binary: string, result: { status: number | null; stdout: string; stderr: string }): string {
  if (result.status !== 0) {
    const reason = (result.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit ${result.status}`;
    throw new ToolError(reason.replace(/^tools: error: /, ''));
  }
  // Progress and the summary line go to stderr, where the user sees them.
  process.stderr.write(result.stderr);
  const line = result.stdout.split('\n').find((l) => l.startsWith(`${binary}=`));
  if (!line) throw new Error(`npm run tools -- ${binary} succeeded but printed no ${binary}= line`);
  return line.slice(binary.length + 1);
}
