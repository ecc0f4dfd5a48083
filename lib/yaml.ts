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

/** One YAML document, keys ordered, no line folding (folded lines make noisy diffs). */
export function toYaml(value: unknown): string {
  return YAML.stringify(orderKeys(value), { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}
