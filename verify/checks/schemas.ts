import { constraintCrdFor } from '../engines/constraint-crds';

/**
 * Converts Kubernetes OpenAPI v3 documents and CRDs into the per-kind,
 * standalone JSON Schema files kubeconform reads:
 *   <dir>/<group>/<kind>_<version>.json   (core group: "v1/pod_v1.json")
 * matching the location template in KUBECONFORM_SCHEMA_LOCATION.
 *
 * Schemas are strict: objects with declared properties reject unknown keys,
 * as kubeconform's own "-strict" schema sets do, unless Kubernetes marks them
 * x-kubernetes-preserve-unknown-fields.
 */
export type JsonSchema = { [key: string]: unknown };

export interface KindSchema {
  /** API group, "" for the core group. */
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly schema: JsonSchema;
  /** Where it came from, for error messages and conflict checks. */
  readonly source: string;
}

/** kubeconform's -schema-location template for the layout written by schemaFileName. */
export const KUBECONFORM_SCHEMA_LOCATION = '{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json';

/** The path kubeconform asks for: `.Group` is the group, or the version itself for the core group. */
export function schemaFileName(s: Pick<KindSchema, 'group' | 'version' | 'kind'>): string {
  return `${s.group === '' ? s.version : s.group}/${s.kind.toLowerCase()}_${s.version}.json`;
}

const REF_PREFIX = '#/components/schemas/';
const NAMED_CHILDREN = new Set(['properties', 'patternProperties', 'definitions']);

/** OpenAPI v3 node -> JSON Schema (draft-07) node. */
export function convertNode(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNode);
  if (!node || typeof node !== 'object') return node;
  const source = node as JsonSchema;
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(source)) {
    if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) out.$ref = `#/definitions/${value.slice(REF_PREFIX.length)}`;
    else if (key === 'nullable') continue;
    // Under these, keys are names (JSONSchemaProps has properties called `nullable` and `$ref`), not keywords.
    else if (NAMED_CHILDREN.has(key) && value && typeof value === 'object' && !Array.isArray(value)) {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, child]) => [name, convertNode(child)]));
    } else out[key] = convertNode(value);
  }
  if (source.nullable === true && typeof out.type === 'string') out.type = [out.type, 'null'];
  // OpenAPI wraps a $ref in allOf to give it a description; unwrap it so errors name the real field.
  const allOf = out.allOf as JsonSchema[] | undefined;
  if (allOf?.length === 1 && Object.keys(allOf[0]).length === 1 && allOf[0].$ref && !out.$ref) {
    out.$ref = allOf[0].$ref;
    delete out.allOf;
  }
  const preserve = source['x-kubernetes-preserve-unknown-fields'] === true;
  // Only structural object nodes: property lists inside anyOf/oneOf branches are constraints, not shapes.
  if (out.type === 'object' && out.properties && out.additionalProperties === undefined && !preserve) out.additionalProperties = false;
  return out;
}

function refsIn(node: unknown, into: Set<string>): void {
  if (Array.isArray(node)) node.forEach((n) => refsIn(n, into));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith(REF_PREFIX)) into.add(value.slice(REF_PREFIX.length));
      else refsIn(value, into);
    }
  }
}

interface OpenApiDocument {
  readonly components: { readonly schemas: Record<string, JsonSchema> };
}

type Gvk = { group: string; version: string; kind: string };

/** Every kind a Kubernetes OpenAPI v3 document defines, each bundled with the definitions it references. */
export function fromOpenApiDocument(doc: OpenApiDocument, source: string): KindSchema[] {
  const all = doc.components.schemas;
  const result: KindSchema[] = [];
  for (const [name, schema] of Object.entries(all)) {
    const gvks = schema['x-kubernetes-group-version-kind'] as Gvk[] | undefined;
    // Only top-level resources carry a single GVK; DeleteOptions and friends list many.
    if (!gvks || gvks.length !== 1) continue;
    const needed = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const next = queue.pop()!;
      const refs = new Set<string>();
      refsIn(all[next], refs);
      for (const ref of refs) {
        if (!needed.has(ref) && ref !== name) {
          if (!all[ref]) throw new Error(`${source}: ${name} refers to ${ref}, which the document does not define`);
          needed.add(ref);
          queue.push(ref);
        }
      }
    }
    const definitions = Object.fromEntries([...needed].sort().map((ref) => [ref, convertNode(all[ref])]));
    const gvk = gvks[0];
    result.push({
      ...gvk,
      source,
      schema: { $schema: 'http://json-schema.org/draft-07/schema#', ...(convertNode(schema) as JsonSchema), definitions },
    });
  }
  return result;
}

interface Crd {
  readonly kind: string;
  readonly spec: {
    readonly group: string;
    readonly names: { readonly kind: string };
    readonly versions: ReadonlyArray<{ readonly name: string; readonly schema?: { readonly openAPIV3Schema?: JsonSchema } }>;
  };
}

/** One schema per served version of a CRD. */
export function fromCrd(crd: Crd, source: string): KindSchema[] {
  return crd.spec.versions
    .filter((v) => v.schema?.openAPIV3Schema)
    .map((v) => {
      const converted = convertNode(v.schema!.openAPIV3Schema) as JsonSchema;
      const properties = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { type: 'object' },
        ...(converted.properties as JsonSchema),
      };
      return {
        group: crd.spec.group,
        version: v.name,
        kind: crd.spec.names.kind,
        source,
        schema: { $schema: 'http://json-schema.org/draft-07/schema#', ...converted, properties },
      };
    });
}

interface RenderedTemplate {
  readonly spec: {
    readonly crd: { readonly spec: { readonly names: { readonly kind: string }; readonly validation?: { readonly openAPIV3Schema?: JsonSchema } } };
  };
}

/**
 * Constraint kinds have no CRD file: Gatekeeper creates one per template. Build
 * it from the rendered ConstraintTemplate, so each Constraint is checked
 * against its own template's parameters schema.
 */
export function fromConstraintTemplate(template: RenderedTemplate, source: string): KindSchema[] {
  const names = template.spec.crd.spec;
  return fromCrd(constraintCrdFor(names.names.kind, names.validation?.openAPIV3Schema) as unknown as Crd, source);
}

/** Merges schema lists; the same kind from two sources must agree, or the build stops. */
export function mergeSchemas(lists: readonly KindSchema[][]): KindSchema[] {
  const byFile = new Map<string, KindSchema>();
  for (const schema of lists.flat()) {
    const file = schemaFileName(schema);
    const existing = byFile.get(file);
    if (existing && JSON.stringify(existing.schema) !== JSON.stringify(schema.schema)) {
      // The core "Status"-like kinds repeat across documents with identical content; anything else is a conflict.
      throw new Error(`${file}: ${existing.source} and ${schema.source} define it differently`);
    }
    byFile.set(file, existing ?? schema);
  }
  return [...byFile.values()].sort((a, b) => schemaFileName(a).localeCompare(schemaFileName(b)));
}
