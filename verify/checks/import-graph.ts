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
/** Folders render code must never import from: verification code, and the operations that act on a cluster and on git. */
export const FORBIDDEN_TO_RENDER_CODE = [...VERIFICATION_FOLDERS, 'ops'] as const;

const GENERATED = 'imports/';

const isFile = (full: string) => fs.existsSync(full) && fs.statSync(full).isFile();

/**
 * A relative specifier as Node and TypeScript resolve it: `./x` (x.ts), `./x.js` (x.ts, as ESM-style imports
 * write it), `./folder` (its index.ts), and a data file (`./releases.json`), which is a leaf. Packages are not ours.
 */
function resolveSpecifier(root: string, from: string, specifier: string): string | undefined | 'unresolved' {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.normalize(path.join(path.dirname(from), specifier));
  const withoutJs = base.replace(/\.js$/, '');
  const candidates = [`${base}.ts`, `${withoutJs}.ts`, path.join(base, 'index.ts'), path.join(base, 'index.js'), base];
  for (const candidate of candidates) if (/\.(ts|json|js)$/.test(candidate) && isFile(path.join(root, candidate))) return candidate;
  return 'unresolved';
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
    const imported = file.endsWith('.ts')
      ? ts
          .preProcessFile(read(file), true, true)
          .importedFiles.map((ref) => resolveSpecifier(root, file, ref.fileName))
          .filter((f): f is string => f !== undefined && f !== 'unresolved' && !f.startsWith(GENERATED))
      : [];
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
  const edges = folderEdges(graph, folderOf);
  const pairs: string[] = [];
  for (const [a, targets] of edges)
    for (const [b, example] of targets) {
      const back = edges.get(b)?.get(a);
      if (back && a < b) pairs.push(`${a} <-> ${b} (${example}; ${back})`);
    }
  return pairs.sort();
}

/** Folder -> the folders its files import, each with the first import that makes the arrow. */
function folderEdges(graph: ImportGraph, folder: (file: string) => string): Map<string, Map<string, string>> {
  const edges = new Map<string, Map<string, string>>();
  for (const [file, imported] of graph)
    for (const target of imported) {
      const [a, b] = [folder(file), folder(target)];
      if (a === b) continue;
      if (!edges.has(a)) edges.set(a, new Map());
      if (!edges.get(a)!.has(b)) edges.get(a)!.set(b, `${file} imports ${target}`);
    }
  return edges;
}

/** Imports from render code (the files `graph` reaches from main.ts) into verification code or operations. */
export function verificationImports(graph: ImportGraph): string[] {
  const isForbidden = (file: string) => FORBIDDEN_TO_RENDER_CODE.some((folder) => file.startsWith(`${folder}/`));
  return [...graph]
    .filter(([file]) => !isForbidden(file))
    .flatMap(([file, imported]) => imported.filter(isForbidden).map((target) => `${file} imports ${target}`));
}

/**
 * Imports the graph cannot follow, so that no check has a blind spot: a relative specifier that resolves to no
 * file, and a `require()` or `import()` whose specifier is not a string literal (a variable could be anything).
 */
export function unfollowedImports(files: readonly string[], read: SourceReader, root: string): string[] {
  const out: string[] = [];
  for (const file of files.filter((f) => f.endsWith('.ts'))) {
    const text = read(file);
    for (const ref of ts.preProcessFile(text, true, true).importedFiles)
      if (resolveSpecifier(root, file, ref.fileName) === 'unresolved') out.push(`${file}: '${ref.fileName}' resolves to no file`);
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, false);
    const visit = (node: ts.Node): void => {
      if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const loads = (ts.isIdentifier(callee) && callee.text === 'require') || callee.kind === ts.SyntaxKind.ImportKeyword;
        const [first] = node.arguments;
        if (loads && first && !ts.isStringLiteralLike(first)) {
          const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
          out.push(`${file}:${line + 1}: ${node.getText(source).slice(0, 60)} loads a module the import graph cannot name`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return out;
}

/**
 * Cycles among folders, of any length: each strongly connected set of folders (by `folderOf`: a file's folder, or
 * its top-level folder) with more than one member, as `a -> b -> c -> a` through imports that close it.
 */
export function folderCycles(graph: ImportGraph, level: 'folder' | 'top-level'): string[] {
  const edges = folderEdges(graph, level === 'folder' ? folderOf : (file) => (file.includes('/') ? file.split('/')[0] : '.'));
  // Tarjan's strongly connected components.
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)?.keys() ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1) components.push(component.sort());
  };
  for (const v of [...edges.keys()].sort()) if (!index.has(v)) connect(v);
  // Each as one cycle through its members, with the import that makes each step.
  return components.map((members) => {
    const inside = new Set(members);
    const cycle = [members[0]];
    const seen = new Set(cycle);
    for (;;) {
      const from = cycle[cycle.length - 1];
      const next = [...(edges.get(from)?.keys() ?? [])].filter((t) => inside.has(t)).sort((x, y) => Number(seen.has(x)) - Number(seen.has(y)))[0];
      cycle.push(next);
      if (seen.has(next)) break;
      seen.add(next);
    }
    const steps = cycle.slice(1).map((to, i) => edges.get(cycle[i])!.get(to)!);
    return `${cycle.join(' -> ')} (${steps.join('; ')})`;
  });
}
