import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { userCacheDir } from '../tools/cache';

/**
 * Every values key we set must exist in the chart: in its values.yaml (or a
 * subchart's, under the subchart's alias) or in its values.schema.json. Keys
 * below maps the chart documents as free-form are listed, each with its
 * reason, in VALUES_KEY_EXCEPTIONS; an exception that no longer matches fails too.
 */

type Json = unknown;
interface JsonSchema {
  readonly properties?: Record<string, JsonSchema>;
  readonly $ref?: string;
  readonly allOf?: JsonSchema[];
  readonly anyOf?: JsonSchema[];
  readonly oneOf?: JsonSchema[];
}

export interface ChartDocs {
  readonly name: string;
  readonly values: Json;
  readonly schema?: JsonSchema;
  /** Subcharts by the key the parent's values use for them (alias, else name). */
  readonly subcharts: ReadonlyMap<string, ChartDocs>;
}

export interface ValuesKeyException {
  /** The chart's name (`argo-cd`, `loki`, ...). */
  readonly chart: string;
  /** Dotted path of the map (empty for the top level); keys below it are accepted. */
  readonly under: string;
  /** Only these keys of the map; every key when absent. */
  readonly keys?: readonly string[];
  readonly reason: string;
}

export interface ValuesKeyReport {
  /** Dotted paths of keys found in the chart. */
  readonly checked: readonly string[];
  readonly unknown: readonly string[];
  readonly excepted: ReadonlyArray<{ readonly key: string; readonly exception: ValuesKeyException }>;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function readChartDir(dir: string): ChartDocs {
  const chart = YAML.parse(fs.readFileSync(path.join(dir, 'Chart.yaml'), 'utf8')) as {
    name: string;
    dependencies?: Array<{ name: string; alias?: string }>;
  };
  const valuesFile = path.join(dir, 'values.yaml');
  const schemaFile = path.join(dir, 'values.schema.json');
  const subcharts = new Map<string, ChartDocs>();
  for (const dep of chart.dependencies ?? []) {
    const sub = path.join(dir, 'charts', dep.name);
    if (fs.existsSync(path.join(sub, 'Chart.yaml'))) subcharts.set(dep.alias ?? dep.name, readChartDir(sub));
  }
  return {
    name: chart.name,
    values: fs.existsSync(valuesFile) ? YAML.parse(fs.readFileSync(valuesFile, 'utf8')) : {},
    ...(fs.existsSync(schemaFile) ? { schema: JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as JsonSchema } : {}),
    subcharts,
  };
}

/** The chart's values documentation, from its archive (unpacked once into the per-user cache). */
export function loadChartDocs(archive: string): ChartDocs {
  const key = createHash('sha256').update(fs.readFileSync(archive)).digest('hex').slice(0, 24);
  const dir = path.join(userCacheDir('renders'), `chart-${key}`);
  if (!fs.existsSync(path.join(dir, '.complete'))) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const result = spawnSync('tar', ['-xzf', archive, '-C', dir], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`cannot unpack ${archive}: ${result.stderr.trim()}`);
    fs.writeFileSync(path.join(dir, '.complete'), '');
  }
  const top = fs.readdirSync(dir).find((f) => fs.existsSync(path.join(dir, f, 'Chart.yaml')));
  if (!top) throw new Error(`${archive} holds no Chart.yaml`);
  return readChartDir(path.join(dir, top));
}

/** A place in the chart's documentation: a values.yaml node and/or a schema node. */
interface DocNode {
  readonly yaml?: Json;
  readonly schema?: JsonSchema;
  /** Set at a chart's root, where subchart aliases are keys too. */
  readonly chart?: ChartDocs;
}

function resolveRef(schema: JsonSchema, root: JsonSchema): JsonSchema {
  if (!schema.$ref?.startsWith('#/')) return schema;
  let node: unknown = root;
  for (const part of schema.$ref.slice(2).split('/')) node = (node as Record<string, unknown>)?.[part];
  return (node as JsonSchema) ?? schema;
}

function schemaChild(schema: JsonSchema, key: string, root: JsonSchema): JsonSchema | undefined {
  const s = resolveRef(schema, root);
  const direct = s.properties?.[key];
  if (direct) return resolveRef(direct, root);
  for (const branch of [...(s.allOf ?? []), ...(s.anyOf ?? []), ...(s.oneOf ?? [])]) {
    const found = schemaChild(branch, key, root);
    if (found) return found;
  }
  return undefined;
}

/** Istio's charts keep every default under `_internal_defaults_do_not_set`; users set the same keys at the top level. */
const ISTIO_DEFAULTS = '_internal_defaults_do_not_set';

function chartRoot(docs: ChartDocs): DocNode[] {
  const nodes: DocNode[] = [{ yaml: docs.values, schema: docs.schema, chart: docs }];
  if (isObject(docs.values) && isObject(docs.values[ISTIO_DEFAULTS])) nodes.push({ yaml: docs.values[ISTIO_DEFAULTS] });
  return nodes;
}

function children(nodes: readonly DocNode[], key: string, rootSchemas: Map<DocNode, JsonSchema>): DocNode[] {
  const out: DocNode[] = [];
  for (const node of nodes) {
    const yaml = isObject(node.yaml) && key in node.yaml ? node.yaml[key] : undefined;
    const root = rootSchemas.get(node);
    const schema = node.schema && root ? schemaChild(node.schema, key, root) : undefined;
    if (yaml !== undefined || (isObject(node.yaml) && key in node.yaml) || schema) {
      const child: DocNode = { ...(yaml !== undefined ? { yaml } : {}), ...(schema ? { schema } : {}) };
      if (root) rootSchemas.set(child, root);
      out.push(child);
    }
    const sub = node.chart?.subcharts.get(key);
    if (sub) {
      for (const r of chartRoot(sub)) {
        if (r.schema) rootSchemas.set(r, r.schema);
        out.push(r);
      }
    }
  }
  return out;
}

const formatPath = (parts: readonly string[]) => parts.map((p) => (p.includes('.') ? `"${p}"` : p)).join('.');

/** Checks every key of `values` against the chart; stops descending at lists, leaves and excepted maps. */
export function checkValuesKeys(values: Json, docs: ChartDocs, exceptions: readonly ValuesKeyException[]): ValuesKeyReport {
  const checked: string[] = [];
  const unknown: string[] = [];
  const excepted: Array<{ key: string; exception: ValuesKeyException }> = [];
  const rootSchemas = new Map<DocNode, JsonSchema>();
  const roots = chartRoot(docs);
  for (const r of roots) if (r.schema) rootSchemas.set(r, r.schema);
  const walk = (value: Json, nodes: readonly DocNode[], at: readonly string[]) => {
    if (!isObject(value)) return;
    for (const [key, child] of Object.entries(value)) {
      const parts = [...at, key];
      const dotted = formatPath(parts);
      const exception = exceptions.find((e) => e.chart === docs.name && formatPath(at) === e.under && (!e.keys || e.keys.includes(key)));
      if (exception) {
        excepted.push({ key: dotted, exception });
        continue;
      }
      const found = children(nodes, key, rootSchemas);
      if (found.length === 0) {
        unknown.push(dotted);
        continue;
      }
      checked.push(dotted);
      walk(child, found, parts);
    }
  };
  walk(values, roots, []);
  return { checked, unknown, excepted };
}
