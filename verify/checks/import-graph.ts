import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

/**
 * The project's own import graph, read with TypeScript's pre-processor (the
 * import, export-from and require specifiers), for the architecture test: what
 * render code reaches, how tall its tower is, and which folders import each other.
 * Generated code (`imports/`) and packages are leaves and are left out.
 */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** Reads a project file; the test passes its own to seed a break without touching the tree. */
export type SourceReader = (relative: string) => string;

/** Folders of verification code: render code must never import from them. */
export const VERIFICATION_FOLDERS = ['verify', 'test'] as const;

const GENERATED = 'imports/';

function resolveSpecifier(root: string, from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.normalize(path.join(path.dirname(from), specifier));
  for (const candidate of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    const full = path.join(root, candidate);
    if (candidate.endsWith('.ts') && fs.existsSync(full) && fs.statSync(full).isFile()) return candidate;
  }
  return undefined;
}

/** Every project file reachable from `entries` (paths relative to `root`), with the project files each imports. */
export function importGraph(
  root: string,
  entries: readonly string[],
  read: SourceReader = (f) => fs.readFileSync(path.join(root, f), 'utf8'),
): ImportGraph {
  const graph = new Map<string, string[]>();
  const pending = [...entries];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file) || file.startsWith(GENERATED)) continue;
    const imported = ts
      .preProcessFile(read(file), true, true)
      .importedFiles.map((ref) => resolveSpecifier(root, file, ref.fileName))
      .filter((f): f is string => f !== undefined && !f.startsWith(GENERATED));
    graph.set(file, [...new Set(imported)].sort());
    pending.push(...imported);
  }
  return graph;
}

/** The longest import chain from `entry`: the floors of the tower, top first. */
export function tower(graph: ImportGraph, entry: string): string[] {
  const longest = new Map<string, string[]>();
  const visit = (file: string, onPath: Set<string>): string[] => {
    const known = longest.get(file);
    if (known) return known;
    if (onPath.has(file)) throw new Error(`import cycle through ${file}`);
    onPath.add(file);
    let below: string[] = [];
    for (const next of graph.get(file) ?? []) {
      const chain = visit(next, onPath);
      if (chain.length > below.length) below = chain;
    }
    onPath.delete(file);
    const chain = [file, ...below];
    longest.set(file, chain);
    return chain;
  };
  return visit(entry, new Set());
}

const folderOf = (file: string): string => path.dirname(file);

/**
 * Pairs of folders that import each other (`a <-> b`), each with one import of
 * each direction: a back-arrow, which makes the two one unit that cannot be read apart.
 */
export function backArrows(graph: ImportGraph): string[] {
  const edges = new Map<string, string>();
  for (const [file, imported] of graph)
    for (const target of imported) {
      const key = `${folderOf(file)} -> ${folderOf(target)}`;
      if (folderOf(file) !== folderOf(target) && !edges.has(key)) edges.set(key, `${file} imports ${target}`);
    }
  const pairs: string[] = [];
  for (const [key, example] of edges) {
    const [a, b] = key.split(' -> ');
    const back = edges.get(`${b} -> ${a}`);
    if (back && a < b) pairs.push(`${a} <-> ${b} (${example}; ${back})`);
  }
  return pairs.sort();
}

/** Imports from render code (the files `graph` reaches from main.ts) into verification code. */
export function verificationImports(graph: ImportGraph): string[] {
  const isVerification = (file: string) => VERIFICATION_FOLDERS.some((folder) => file.startsWith(`${folder}/`));
  return [...graph]
    .filter(([file]) => !isVerification(file))
    .flatMap(([file, imported]) => imported.filter(isVerification).map((target) => `${file} imports ${target}`));
}
