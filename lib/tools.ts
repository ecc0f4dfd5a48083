import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { linkDir } from '../tools/cache';

/**
 * Path of a pinned external tool's binary: the link in .tools/bin when
 * `npm run tools` (the first step of npm test) has verified it, otherwise
 * built or verified now. Fails with the tools command's own one-line reason.
 */
export function toolPath(root: string, binary: string): string {
  const link = path.join(linkDir(), binary);
  if (fs.existsSync(link)) return link;
  const result = spawnSync(process.execPath, [path.join(root, 'scripts/run-ts.js'), path.join(root, 'scripts/tools.ts'), binary], {
    cwd: root,
    encoding: 'utf8',
  });
  const line = result.stdout?.split('\n').find((l) => l.startsWith(`${binary}=`));
  if (result.status !== 0 || !line) {
    const reason = (result.stderr ?? '').trim().split('\n').filter(Boolean).pop() ?? `exit ${result.status}`;
    throw new Error(reason.replace(/^tools: error: /, ''));
  }
  process.stderr.write(result.stderr);
  return line.slice(binary.length + 1);
}
