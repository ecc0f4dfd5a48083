import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { UPSTREAM_COMPONENTS } from '../../argocd/upstream-components';
import { repoFolder } from '../../lib/sources';
import { chartMirror } from '../engines/mirrors';

/** The CRD kinds we build objects from, by API group. Anything else is dropped. */
export const IMPORTED_KINDS: Readonly<Record<string, readonly string[]>> = {
  'cilium.io': ['CiliumNetworkPolicy'],
  'gateway.networking.k8s.io': ['GatewayClass', 'Gateway', 'HTTPRoute', 'ReferenceGrant'],
  'security.istio.io': ['AuthorizationPolicy', 'PeerAuthentication'],
  'argoproj.io': ['Application', 'AppProject', 'ApplicationSet'],
  'templates.gatekeeper.sh': ['ConstraintTemplate'],
  'configuration.konghq.com': ['KongPlugin'],
};

/** Where each upstream repository's files sit in the mirror (see shared/crds/SOURCES.md). */
const MIRROR_DIRS: Readonly<Record<string, string>> = {
  'cilium/cilium': 'cilium',
  'kubernetes-sigs/gateway-api': 'gateway-api',
  'istio/istio': 'istio',
  'argoproj/argo-cd': 'argo-cd',
  'open-policy-agent/gatekeeper': 'gatekeeper',
};

/**
 * Upstream files that the mirrors hold only inside a chart archive: Kong's CRDs
 * ship in its `kong` chart, which the mirrored `ingress` chart vendors. Helm
 * packages chart files as they are, so the member is the upstream file's bytes.
 */
export const CHART_ARCHIVE_SOURCES: ReadonlyArray<{ readonly url: RegExp; readonly archive: string; readonly member: string }> = [
  {
    url: /^https:\/\/raw\.githubusercontent\.com\/Kong\/charts\/kong-[^/]+\/charts\/kong\/crds\/custom-resource-definitions\.yaml$/,
    archive: chartArchive('kong'),
    member: 'ingress/charts/kong/crds/custom-resource-definitions.yaml',
  },
];

/** `<repository folder>/<chart>-<version>.tgz` of an upstream component's pinned chart, as a chart mirror lays it out. */
export function chartArchive(component: string): string {
  const source = UPSTREAM_COMPONENTS.find((c) => c.name === component)?.source;
  if (source?.kind !== 'helm') throw new Error(`${component} is not an upstream chart`);
  return `${repoFolder(source.repoURL)}/${source.chart}-${source.version}.tgz`;
}

/** One member of a mirrored chart archive (`tar` reads it; Node has no tar reader). */
export function chartArchiveMember(chartMirror: string, archive: string, member: string): string {
  const file = path.join(chartMirror, archive);
  if (!fs.existsSync(file)) throw new Error(`the chart mirror has no ${archive}; pass the chart mirror (../shared/charts) or import online`);
  return execFileSync('tar', ['-xzOf', file, member], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
}

export type Crd = {
  kind: string;
  spec: { group: string; names: { kind: string }; versions: Array<{ name: string; schema?: { openAPIV3Schema?: Schema } }> };
};
export type Schema = { [key: string]: unknown; type?: string; enum?: unknown[]; items?: Schema; properties?: Record<string, Schema> };

export function importUrls(cdk8sYaml: string): string[] {
  const config = YAML.parse(fs.readFileSync(cdk8sYaml, 'utf8')) as { imports?: string[] };
  return (config.imports ?? []).filter((entry) => /^https?:\/\//.test(entry));
}

/** Mirror files for one upstream URL: the file of the same name, or the documents cut out of it. */
export function mirrorFiles(url: string, mirror: string): string[] {
  const match = /^https:\/\/raw\.githubusercontent\.com\/([^/]+\/[^/]+)\//.exec(url);
  const dir = match && MIRROR_DIRS[match[1]];
  if (!dir) throw new Error(`no mirror folder is known for ${url}; add its repository to MIRROR_DIRS`);
  const folder = path.join(mirror, dir);
  const same = path.join(folder, path.basename(url));
  if (fs.existsSync(same)) return [same];
  const cut = fs
    .readdirSync(folder)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  if (cut.length === 0) throw new Error(`mirror folder ${folder} holds nothing for ${url}`);
  return cut.map((f) => path.join(folder, f));
}

/** The mirrored chart archive that holds `url`, if it is one of CHART_ARCHIVE_SOURCES. */
export const archiveSourceOf = (url: string) => CHART_ARCHIVE_SOURCES.find((s) => s.url.test(url));

/** An upstream file's text: from the CRD mirror (or, for CHART_ARCHIVE_SOURCES, the chart mirror) when one is given, else online. */
export async function readSource(url: string, mirror?: string, charts: string | undefined = chartMirror()): Promise<string> {
  const inArchive = archiveSourceOf(url);
  if (mirror && inArchive) {
    if (!charts) throw new Error(`${url} is mirrored inside ${inArchive.archive}; the chart mirror (../shared/charts) is needed too`);
    return chartArchiveMember(charts, inArchive.archive, inArchive.member);
  }
  if (mirror)
    return mirrorFiles(url, mirror)
      .map((f) => fs.readFileSync(f, 'utf8'))
      .join('\n---\n');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url}: HTTP ${response.status}; pass --mirror <dir> to import offline`);
  return response.text();
}

/**
 * json2jsii only reads enums on scalar types. Gatekeeper's v1alpha1 schema puts
 * the operations enum on the array instead of its items; move it where it
 * means the same thing, so the import stays typed instead of falling back to `any`.
 */
export function moveArrayEnumsToItems(schema: Schema): void {
  if (schema.type === 'array' && Array.isArray(schema.enum) && schema.items) {
    schema.items.enum = schema.items.enum ?? schema.enum;
    delete schema.enum;
  }
  for (const value of Object.values(schema)) {
    if (value && typeof value === 'object') moveArrayEnumsToItems(value as Schema);
  }
}

export function selectCrds(documents: unknown[]): Crd[] {
  return documents
    .filter((d): d is Crd => !!d && (d as Crd).kind === 'CustomResourceDefinition')
    .filter((crd) => IMPORTED_KINDS[crd.spec.group]?.includes(crd.spec.names.kind));
}

/** An upstream repository whose CRDs cdk8s.yaml imports, and the version the render pins for it. */
export interface ImportPin {
  readonly repository: string;
  readonly version: string;
}

/**
 * Import URLs whose git ref is not the version the render pins for that
 * repository (or whose repository has no pin): cdk8s.yaml cannot import
 * TypeScript, so a test ties each URL to the one source of its version.
 */
export function importPinProblems(urls: readonly string[], pins: readonly ImportPin[]): string[] {
  return urls.flatMap((url) => {
    const match = /^https:\/\/raw\.githubusercontent\.com\/([^/]+\/[^/]+)\/([^/]+)\//.exec(url);
    const pin = match && pins.find((p) => p.repository === match[1]);
    if (!match || !pin) return [`${url}: no pinned version for its repository; add one to the pins the test reads`];
    return match[2].replace(/^v/, '') === pin.version.replace(/^v/, '') ? [] : [`${url}: imports ${match[2]}, but the render pins ${pin.version}`];
  });
}
