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

/**
 * One YAML document, keys ordered, no line folding (folded lines make noisy
 * diffs), and the same meaning to YAML 1.1 and 1.2 readers: a string that
 * either would read as another type is double-quoted.
 */
export function toYaml(value: unknown): string {
  const doc = new YAML.Document(orderKeys(value), { aliasDuplicateObjects: false });
  YAML.visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === 'string' && isAmbiguousInYaml11(node.value)) node.type = 'QUOTE_DOUBLE';
    },
  });
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}
