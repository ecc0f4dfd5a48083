import * as fs from 'fs';
import * as path from 'path';

let cached: string | undefined;

/** The project root (the folder with package.json), whether running from sources or from the .build bundle. */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = parent;
  }
  cached = dir;
  return dir;
}

/** Reads a project file as text, e.g. `policies/k8sdenyprivileged.rego`. */
export function readProjectFile(relative: string): string {
  return fs.readFileSync(path.join(projectRoot(), relative), 'utf8');
}
