import * as fs from 'fs';
import * as path from 'path';
import { RenderedEnvironment } from './synth';

/** Writes the rendered environments under a staging folder, then swaps each `dist/<env>` in. */
export function writeAtomically(rendered: readonly RenderedEnvironment[], distDir: string): number {
  const root = path.resolve(distDir);
  // Staging sits beside dist/ on the same filesystem, so rename() is atomic.
  const staging = path.join(path.dirname(root), `.synth-staging-${process.pid}`);
  fs.rmSync(staging, { recursive: true, force: true });
  let written = 0;
  try {
    for (const { env, files, plainFiles } of rendered) {
      for (const file of [...files, ...plainFiles.map((p) => ({ path: p.name, content: p.content }))]) {
        const target = path.join(staging, env.name, file.path);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, file.content);
        written++;
      }
      if (files.length === 0) fs.mkdirSync(path.join(staging, env.name), { recursive: true });
    }
    fs.mkdirSync(root, { recursive: true });
    for (const { env } of rendered) {
      const live = path.join(root, env.name);
      const old = path.join(staging, `${env.name}.old`);
      if (fs.existsSync(live)) fs.renameSync(live, old);
      fs.renameSync(path.join(staging, env.name), live);
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  return written;
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

/** Compares what synth would write with what is committed, file by file. */
export function compareWithDisk(rendered: readonly RenderedEnvironment[], distDir: string): TreeDifference {
  const diff: TreeDifference = { added: [], removed: [], changed: [] };
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
