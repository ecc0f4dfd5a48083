import { execFileSync } from 'child_process';
import * as path from 'path';

/** Path of a pinned external tool, built by scripts/tools.sh on first use. */
export function toolPath(root: string, name: string): string {
  const out = execFileSync('bash', [path.join(root, 'scripts/tools.sh'), name], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const line = out.split('\n').find((l) => l.startsWith(`${name}=`));
  if (!line) throw new Error(`scripts/tools.sh did not provide ${name}`);
  return line.slice(name.length + 1);
}
