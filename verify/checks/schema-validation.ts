import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { importUrls, readSource } from './crd-import';
import {
  fromConstraintTemplate,
  fromCrd,
  fromOpenApiDocument,
  KindSchema,
  KUBECONFORM_SCHEMA_LOCATION,
  mergeSchemas,
  schemaFileName,
} from './schemas';
import { PLAIN_FILE_PATTERN } from '../../lib/synth';
import { VERSIONS } from '../../config/versions';

/** Kubernetes version the built-in schemas come from (the seed's Kind node). */
export const KUBERNETES_VERSION = VERSIONS.kubernetesNode;

/** The API groups whose built-in kinds this project renders or may render. */
export const KUBERNETES_OPENAPI_DOCUMENTS = [
  'api__v1',
  'apis__admissionregistration.k8s.io__v1',
  'apis__apiextensions.k8s.io__v1',
  'apis__apps__v1',
  'apis__batch__v1',
  'apis__discovery.k8s.io__v1',
  'apis__networking.k8s.io__v1',
  'apis__policy__v1',
  'apis__rbac.authorization.k8s.io__v1',
  'apis__scheduling.k8s.io__v1',
] as const;

export function kubernetesOpenApiUrl(document: string): string {
  return `https://raw.githubusercontent.com/kubernetes/kubernetes/v${KUBERNETES_VERSION}/api/openapi-spec/v3/${document}_openapi.json`;
}

/** Documents neither the mirror nor upstream could give: their kinds are reported as unverified, by name, never skipped in silence. */
const unverified = new Set<string>();
export const unverifiedKubernetesDocuments = (): string[] => [...unverified].sort();

/** The OpenAPI document that describes `apiVersion` (`v1` is the core group). */
export const kubernetesDocumentOf = (apiVersion: string): string =>
  apiVersion.includes('/') ? `apis__${apiVersion.replace('/', '__')}` : `api__${apiVersion}`;

/** A missing schema of a kind whose Kubernetes document could not be read: unverified, not invalid. */
export function isUnverified(problem: SchemaProblem, root: string): boolean {
  if (!/could not find schema/.test(problem.message)) return false;
  const apiVersion = YAML.parse(fs.readFileSync(path.resolve(root, problem.file), 'utf8')).apiVersion;
  return unverified.has(kubernetesDocumentOf(apiVersion));
}

async function readKubernetesDocument(document: string, mirror?: string): Promise<string | undefined> {
  const mirrored = mirror ? path.join(mirror, 'kubernetes', `${document}_openapi.json`) : undefined;
  if (mirrored && fs.existsSync(mirrored)) return fs.readFileSync(mirrored, 'utf8');
  // Not in the mirror (or no mirror): the same document from upstream, when the network allows.
  const url = kubernetesOpenApiUrl(document);
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(15_000) });
    if (response.ok) return await response.text();
  } catch {
    // offline: reported below
  }
  unverified.add(document);
  return undefined;
}
export interface SchemaSources {
  /** Offline mirror with kubernetes/ and the CRD folders (shared/crds); upstream URLs when absent. */
  readonly mirror?: string;
  readonly cdk8sYaml: string;
  /** Rendered ConstraintTemplates, whose Constraint kinds get schemas too. */
  readonly constraintTemplates: readonly unknown[];
}

/** Kubernetes' own kinds, from its OpenAPI v3 documents. */
export async function builtinSchemas(mirror?: string): Promise<KindSchema[][]> {
  const lists: KindSchema[][] = [];
  for (const document of KUBERNETES_OPENAPI_DOCUMENTS) {
    const text = await readKubernetesDocument(document, mirror);
    if (text !== undefined) lists.push(fromOpenApiDocument(JSON.parse(text), `kubernetes ${document}`));
  }
  return lists;
}

/** Built-ins plus the kinds of the given CRDs: how upstream charts' objects are checked, with the CRDs the charts ship. */
export async function schemasWithCrds(crds: readonly unknown[], mirror?: string): Promise<KindSchema[]> {
  return mergeSchemas([...(await builtinSchemas(mirror)), ...crds.map((crd) => fromCrd(crd as never, 'hydrated CRD'))]);
}

/** Every schema: Kubernetes built-ins, the CRDs named in cdk8s.yaml, and the Constraint kinds. */
export async function collectSchemas(sources: SchemaSources): Promise<KindSchema[]> {
  const lists: KindSchema[][] = await builtinSchemas(sources.mirror);
  for (const url of importUrls(sources.cdk8sYaml)) {
    for (const doc of YAML.parseAllDocuments(await readSource(url, sources.mirror)).map((d) => d.toJS())) {
      if (doc?.kind === 'CustomResourceDefinition') lists.push(fromCrd(doc, url));
    }
  }
  for (const template of sources.constraintTemplates) lists.push(fromConstraintTemplate(template as never, 'rendered ConstraintTemplate'));
  return mergeSchemas(lists);
}

export function writeSchemas(schemas: readonly KindSchema[], dir: string): void {
  for (const schema of schemas) {
    const file = path.join(dir, schemaFileName(schema));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(schema.schema));
  }
}

/** Kubernetes manifests below `dir`; plain files (Kind config, values, .env) are excluded by their naming rule. */
export function manifestFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(entry.name) && !PLAIN_FILE_PATTERN.test(entry.name)) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

export interface SchemaProblem {
  readonly file: string;
  readonly object: string;
  readonly field: string;
  readonly message: string;
}

/** Runs kubeconform in strict mode, every object must have a schema; returns one problem per failing field. */
export function runKubeconform(kubeconform: string, schemaDir: string, files: readonly string[]): { problems: SchemaProblem[]; valid: number } {
  const result = spawnSync(
    kubeconform,
    ['-strict', '-summary', '-output', 'json', '-schema-location', path.join(schemaDir, KUBECONFORM_SCHEMA_LOCATION), ...files],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!result.stdout) throw new Error(`kubeconform produced no output: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as {
    resources?: Array<{
      filename: string;
      kind: string;
      name: string;
      status: string;
      msg: string;
      validationErrors?: Array<{ path: string; msg: string }>;
    }>;
    summary: { valid: number; invalid: number; errors: number; skipped: number };
  };
  const problems: SchemaProblem[] = [];
  for (const r of report.resources ?? []) {
    if (r.status === 'statusValid') continue;
    const object = `${r.kind} ${r.name}`;
    // The message lists nested causes as "- at '<path>': <reason>"; the deepest names the field.
    const causes = [...(r.msg ?? '').matchAll(/- at '([^']*)': (.*?)(?=\s+- at '|$)/g)].map((m) => ({ path: m[1], msg: m[2].trim() }));
    const deepest = causes.filter((c) => !/^(allOf|anyOf|oneOf) failed/.test(c.msg));
    const errors = deepest.length > 0 ? deepest : (r.validationErrors ?? []);
    if (errors.length > 0) for (const e of errors) problems.push({ file: r.filename, object, field: e.path || '/', message: e.msg });
    else problems.push({ file: r.filename, object, field: '/', message: r.msg || r.status });
  }
  if (report.summary.skipped > 0) problems.push({ file: '(all)', object: '-', field: '/', message: `${report.summary.skipped} object(s) skipped` });
  return { problems, valid: report.summary.valid };
}

export function formatProblem(p: SchemaProblem, root: string): string {
  return `${path.relative(root, p.file)}: ${p.object}: ${p.field}: ${p.message}`;
}
