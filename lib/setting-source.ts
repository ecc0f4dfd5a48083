import * as fs from 'fs';
import * as path from 'path';
import { projectRoot } from './project';

/**
 * Where a setting of an environment is written, for the error that names it: the line of the environment's own
 * file (config/environments/<name>.ts) that sets the setting's key under its parents' keys, else the line of the
 * lab's base (config/environments/lab.ts) that every environment starts from. A value one file takes from
 * another (stg's `replicas: prod.demo.backend.replicas`) shows as that line, so the reader sees where to look next.
 */
export function settingSource(env: string, setting: string, root = projectRoot()): string | undefined {
  const keys = setting.split('.');
  for (const file of [`config/environments/${env}.ts`, 'config/environments/lab.ts']) {
    const full = path.join(root, file);
    if (!fs.existsSync(full)) continue;
    const lines = fs.readFileSync(full, 'utf8').split('\n');
    let at = 0;
    let found = true;
    // Each key at or after its parent's line: `demo: {` ... `backend: { replicas: 4,`.
    for (const key of keys) {
      const pattern = new RegExp(`(^|[\\s{,])${key.replace(/[^\w]/g, '\\$&')}\\s*:`);
      const next = lines.findIndex((line, i) => i >= at && !/^\s*(\/\/|\*|\/\*)/.test(line) && pattern.test(line));
      if (next < 0) {
        found = false;
        break;
      }
      at = next;
    }
    if (found) {
      const line = lines[at].trim();
      return `${file}:${at + 1} (${line.length > 80 ? `${line.slice(0, 77)}...` : line})`;
    }
  }
  return undefined;
}
