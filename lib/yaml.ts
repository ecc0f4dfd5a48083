import * as YAML from 'yaml';

/** kubectl's familiar order at the top; everything else sorts, so output never depends on code order. */
const TOP_LEVEL_ORDER = ['apiVersion', 'kind', 'metadata', 'spec', 'data', 'stringData', 'type'];
const METADATA_ORDER = ['name', 'namespace', 'labels', 'annotations'];

function rank(order: readonly string[], key: string): number {
  const i = order.indexOf(key);
  return i === -1 ? order.length : i;
}

function compareKeys(order: readonly string[]) {
  return (a: string, b: string) => rank(order, a) - rank(order, b) || (a < b ? -1 : a > b ? 1 : 0);
}

/** A copy of `value` whose object keys come in a stable order; `name` leads inside list items. */
export function orderKeys(value: unknown, order: readonly string[] = TOP_LEVEL_ORDER): unknown {
  if (Array.isArray(value)) return value.map((item) => orderKeys(item, ['name']));
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(source).sort(compareKeys(order))) {
    const child = source[key];
    if (child === undefined) continue;
    result[key] = orderKeys(child, key === 'metadata' && order === TOP_LEVEL_ORDER ? METADATA_ORDER : ['name']);
  }
  return result;
}

/**
 * Plain scalars that YAML 1.1 reads as something other than a string: `off`
 * and `yes` (booleans), `2024-04-01` (a timestamp), `0777` (octal), `1:20`
 * (sexagesimal). Go's readers (Argo CD, Helm, kubectl) follow YAML 1.1; the
 * writer's own 1.2 schema already quotes what 1.2 would misread.
 */
const YAML_11_NON_STRINGS: readonly RegExp[] = new YAML.Document(null, { version: '1.1' }).schema.tags
  .filter((tag) => tag.tag !== 'tag:yaml.org,2002:str' && tag.test instanceof RegExp)
  .map((tag) => tag.test as RegExp);

export const isAmbiguousInYaml11 = (text: string): boolean => YAML_11_NON_STRINGS.some((test) => test.test(text));

/** What YAML 1.2's core schema (the writer's own) reads as something other than a string. */
const YAML_12_NON_STRINGS: readonly RegExp[] = new YAML.Document(null).schema.tags
  .filter((tag) => tag.tag !== 'tag:yaml.org,2002:str' && tag.test instanceof RegExp)
  .map((tag) => tag.test as RegExp);

/**
 * One YAML document, keys ordered, no line folding (folded lines make noisy
 * diffs), and the same meaning to YAML 1.1 and 1.2 readers: a string that
 * either would read as another type is double-quoted.
 */
export function toYaml(value: unknown): string {
  const ordered = orderKeys(value);
  return emitSimple(ordered) ?? libraryYaml(ordered);
}

/** The reference writer: the yaml library, with the YAML 1.1 quoting rule applied. */
export function libraryYaml(ordered: unknown): string {
  const doc = new YAML.Document(ordered, { aliasDuplicateObjects: false });
  YAML.visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && isAmbiguousInYaml11(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

/** Thrown inside the fast writer when a value is outside what it writes exactly like the library. */
const NOT_SIMPLE = Symbol('not simple');

/**
 * How the library writes a one-line printable-ASCII string: plain unless an
 * indicator, a `: ` or ` #` or another type under YAML 1.2 forbids it, then double-quoted; YAML 1.1 look-alikes are double-quoted too.
 * Anything else (escapes, other quote styles, line breaks, document markers)
 * is left to the library.
 */
const NOT_PLAIN = /^[\t ,[\]{}#&*!|>'"%@`]|^[?-]$|^[?-][ \t]|:[ \t]|[ \t]#|[\t :]$/;
function scalar(text: string): string {
  if (!/^[\x20-\x7e]*$/.test(text) || /^(---|\.\.\.)/.test(text)) throw NOT_SIMPLE;
  if (text !== '' && !NOT_PLAIN.test(text) && !YAML_12_NON_STRINGS.some((t) => t.test(text)) && !isAmbiguousInYaml11(text)) return text;
  if (/["\\]/.test(text)) throw NOT_SIMPLE;
  return `"${text}"`;
}

function leaf(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || Object.is(value, -0)) throw NOT_SIMPLE;
    return String(value);
  }
  if (typeof value === 'string') return scalar(value);
  if (Array.isArray(value)) return value.length === 0 ? '[]' : undefined;
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
    return Object.keys(value as object).length === 0 ? '{}' : undefined;
  throw NOT_SIMPLE;
}

function emitMap(map: Record<string, unknown>, indent: string, out: string[], firstPrefix?: string): void {
  let first = true;
  for (const [key, child] of Object.entries(map)) {
    const prefix = first && firstPrefix !== undefined ? firstPrefix : indent;
    first = false;
    const k = scalar(key);
    const inline = leaf(child);
    if (inline !== undefined) out.push(`${prefix}${k}: ${inline}`);
    else {
      out.push(`${prefix}${k}:`);
      emitNode(child, `${indent}  `, out);
    }
  }
}

function emitSeq(items: unknown[], indent: string, out: string[], firstPrefix?: string): void {
  items.forEach((item, i) => {
    const dash = `${i === 0 && firstPrefix !== undefined ? firstPrefix : indent}- `;
    const inline = leaf(item);
    if (inline !== undefined) out.push(`${dash}${inline}`);
    else if (Array.isArray(item)) throw NOT_SIMPLE;
    else emitMap(item as Record<string, unknown>, `${indent}  `, out, dash);
  });
}

function emitNode(value: unknown, indent: string, out: string[]): void {
  if (Array.isArray(value)) emitSeq(value, indent, out);
  else emitMap(value as Record<string, unknown>, indent, out);
}

/**
 * The same bytes as the library for the documents we render (block maps and
 * sequences, plain and YAML 1.1-quoted strings, integers, booleans, null), at
 * a fraction of the cost; undefined for anything else (multi-line or quoted
 * strings, floats, nested sequences), which the library writes.
 */
export function emitSimple(ordered: unknown): string | undefined {
  try {
    const inline = leaf(ordered);
    if (inline !== undefined) return `${inline}\n`;
    const out: string[] = [];
    emitNode(ordered, '', out);
    return `${out.join('\n')}\n`;
  } catch (error) {
    if (error === NOT_SIMPLE) return undefined;
    throw error;
  }
}
