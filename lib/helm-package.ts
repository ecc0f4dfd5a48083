import * as YAML from 'yaml';
import { UserError } from '../config/errors';
import { KubeObject } from './synth';
import { GeneratedFile, GeneratedFolder } from './generated-folder';
import { toYaml } from './yaml';

/** A Helm chart generated from what one component renders in several environments (seed section 11). */
export interface HelmPackageProps {
  /** The chart's name, and its folder under `helm/`. */
  readonly name: string;
  readonly description: string;
  readonly version: string;
  readonly appVersion: string;
  /** Where the objects came from, for the generated files' header. */
  readonly source: string;
  /** The environment whose values are `values.yaml`; the others are `values-<env>.yaml` overrides. */
  readonly base: string;
  /** Each environment's objects, as synth renders them into `dist/<env>/<component>/`. */
  readonly renders: ReadonlyArray<{ readonly env: string; readonly objects: readonly KubeObject[] }>;
}

/** A chart synth generates beside `dist/`, from one component of several environments. */
export interface HelmPackageDefinition extends Omit<HelmPackageProps, 'renders' | 'source'> {
  /** Its folder from the project root: the seed's `lab/03-argocd/apps/<name>`. */
  readonly path: string;
  /** The component whose objects the chart templates (`dist/<env>/<component>/`). */
  readonly component: string;
  /** The environments with a values file: the base's `values.yaml`, the others' `values-<env>.yaml`. */
  readonly envs: readonly string[];
}

/** The chart as a folder synth owns: every environment's render of the component, whichever `--env` was asked. */
export function helmPackageFolder(definition: HelmPackageDefinition): GeneratedFolder {
  return {
    path: definition.path,
    files: (context) =>
      helmPackage({
        ...definition,
        renders: definition.envs.map((env) => ({ env, objects: context.objects(env, definition.component) })),
        source: `dist/<env>/${definition.component}/ (${definition.envs.join(', ')})`,
      }),
  };
}

/** A file of the chart: its path inside the chart's folder, and its bytes. */
export type PackageFile = GeneratedFile;

type Path = ReadonlyArray<string | number>;
type Scalar = string | number | boolean | null;
const isMap = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isScalar = (v: unknown): v is Scalar => v === null || ['string', 'number', 'boolean'].includes(typeof v);
const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The values key of a leaf that differs between environments, named as the
 * seed's chart names them: `global.env` for the env label, `backend.replicas`,
 * `backend.image`, `backend.resources.limits.cpu` for the one container.
 */
function valueKey(object: KubeObject, path: Path): string[] {
  const last = path[path.length - 1];
  if (path[path.length - 2] === 'labels' && last === 'env') return ['global', 'env'];
  const containers = ['spec', 'template', 'spec', 'containers'];
  const at = (node: unknown, step: string | number): unknown =>
    Array.isArray(node) ? node[step as number] : isMap(node) ? node[step as string] : undefined;
  const listed = containers.reduce<unknown>(at, object);
  const single = containers.every((p, i) => path[i] === p) && Array.isArray(listed) && listed.length === 1;
  // A list element is named by its `name` (a container, an env var), else by its index.
  const named: string[] = [];
  let node: unknown = object;
  path.forEach((step, i) => {
    const next = at(node, step);
    if (typeof step === 'number') named.push(isMap(next) && typeof next.name === 'string' ? next.name : `_${step}`);
    else if (!(i === 0 && step === 'spec') && !(single && i < containers.length)) named.push(step);
    node = next;
  });
  return [camel(object.metadata.name), ...(single ? named.slice(1) : named)];
}

const reference = (key: readonly string[]) =>
  key.every((k) => IDENTIFIER.test(k)) ? `.Values.${key.join('.')}` : `(index .Values ${key.map((k) => JSON.stringify(k)).join(' ')})`;

function setIn(tree: Record<string, unknown>, key: readonly string[], value: unknown): void {
  let node = tree;
  for (const k of key.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
  node[key[key.length - 1]] = value;
}

/** The leaves of a values tree as `a.b.c` -> value, for the overrides. */
function leaves(tree: unknown, prefix: string[] = []): Map<string, { key: string[]; value: unknown }> {
  const out = new Map<string, { key: string[]; value: unknown }>();
  if (!isMap(tree)) return out.set(prefix.join('\0'), { key: prefix, value: tree });
  for (const [k, v] of Object.entries(tree)) for (const [id, leaf] of leaves(v, [...prefix, k])) out.set(id, leaf);
  return out;
}

/** The seed's file names for kinds whose own name is long (`frontend-sa.yaml`). */
const KIND_FILE_SUFFIX: Readonly<Record<string, string>> = { ServiceAccount: 'sa' };

/** Every string naming a Service of `namespace` (`<service>.<namespace>.svc`) names it in the release's namespace instead. */
function inReleaseNamespace<T>(node: T, namespace: string | undefined): T {
  if (!namespace) return node;
  const pattern = new RegExp(`(\\b[a-z0-9]([-a-z0-9]*[a-z0-9])?)\\.${namespace.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.svc\\b`, 'g');
  const visit = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.replace(pattern, '$1.__HELM_NAMESPACE__.svc')
      : Array.isArray(v)
        ? v.map(visit)
        : isMap(v)
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, visit(x)]))
          : v;
  return visit(node) as T;
}

interface GenericTemplate {
  readonly object: KubeObject;
  /** The template's value tokens as Helm expressions. */
  readonly expand: (text: string) => string;
}

/** A site of a named template: where in each object it stands, and what varies per use. */
interface HelperSite {
  readonly define: string;
  readonly what: string;
  readonly paths: (o: KubeObject) => Path[];
  /** The keys whose value is the `.app` parameter (every other key is the same in every use). */
  readonly appKeys?: readonly string[];
}

const podTemplatePath = ['spec', 'template'];
const at = (node: unknown, path: Path): unknown =>
  path.reduce<unknown>((n, step) => (Array.isArray(n) ? n[step as number] : isMap(n) ? n[step as string] : undefined), node);

/**
 * The chart's `_helpers.tpl` (seed 11-1: "the labels Gatekeeper requires live in a helper"): the labels every
 * object carries (app, env and team, which K8sRequireLabels demands, and the platform's), and the pod and
 * container securityContexts every workload shares. A helper is used only where every use would render the
 * same text, so the chart still renders exactly dist/; sites that differ keep their own text.
 */
function chartHelpers(chart: string, generics: readonly GenericTemplate[]) {
  const sites: HelperSite[] = [
    {
      define: `${chart}.labels`,
      what: "The labels every object carries: app, env and team, which Gatekeeper's K8sRequireLabels requires in demo (seed 6-1), and the platform's.",
      paths: (o) => [
        ['metadata', 'labels'],
        ...(isMap(at(o, [...podTemplatePath, 'metadata', 'labels'])) ? [[...podTemplatePath, 'metadata', 'labels']] : []),
      ],
      appKeys: ['app', 'app.kubernetes.io/name'],
    },
    {
      define: `${chart}.podSecurityContext`,
      what: 'The pod securityContext of every workload: non-root, its own UID and group, RuntimeDefault seccomp (Pod Security restricted).',
      paths: (o) => (isMap(at(o, [...podTemplatePath, 'spec', 'securityContext'])) ? [[...podTemplatePath, 'spec', 'securityContext']] : []),
    },
    {
      define: `${chart}.containerSecurityContext`,
      what: 'The securityContext of every container: no privilege, no escalation, every capability dropped, a read-only root.',
      paths: (o) =>
        ((at(o, [...podTemplatePath, 'spec', 'containers']) as unknown[] | undefined) ?? [])
          .map((_, i): Path => [...podTemplatePath, 'spec', 'containers', i, 'securityContext'])
          .filter((p) => isMap(at(o, p))),
    },
  ];
  const APP = '__HELM_HELPER_APP__';
  type Use = { site: HelperSite; template: number; path: Path; app?: string };
  const uses: Use[] = [];
  const bodies = new Map<HelperSite, string>();
  for (const site of sites) {
    const mine: Use[] = [];
    const texts = new Set<string>();
    generics.forEach((g, template) => {
      for (const path of site.paths(g.object)) {
        const subtree = at(g.object, path) as Record<string, unknown>;
        const app = site.appKeys ? subtree[site.appKeys[0]] : undefined;
        if (site.appKeys && (typeof app !== 'string' || !site.appKeys.every((k) => subtree[k] === app))) {
          texts.add(`${template}:${path.join('.')}`);
          continue;
        }
        const generic = site.appKeys ? { ...subtree, ...Object.fromEntries(site.appKeys.map((k) => [k, APP])) } : subtree;
        texts.add(g.expand(toYaml(generic)));
        mine.push({ site, template, path, ...(typeof app === 'string' ? { app } : {}) });
      }
    });
    // One text for every use, and more than one use: else the literal text is clearer than a helper.
    if (texts.size === 1 && mine.length > 1) {
      bodies.set(site, [...texts][0].replaceAll(APP, '{{ .app }}').trimEnd());
      uses.push(...mine);
    }
  }
  const tokens = new Map<string, Use>();
  return {
    /** The object with each helped subtree replaced by a token. */
    replace(object: KubeObject): KubeObject {
      const template = generics.findIndex((g) => g.object === object);
      let out: unknown = object;
      for (const use of uses.filter((u) => u.template === template)) {
        const token = `__HELM_HELPER_${tokens.size}__`;
        tokens.set(token, use);
        const set = (node: unknown, path: Path): unknown => {
          if (path.length === 0) return token;
          const [step, ...rest] = path;
          return Array.isArray(node)
            ? node.map((x, i) => (i === step ? set(x, rest) : x))
            : { ...(node as Record<string, unknown>), [step]: set((node as Record<string, unknown>)[step as string], rest) };
        };
        out = set(out, use.path);
      }
      return out as KubeObject;
    },
    /** The template text with each token as the include that renders the same lines. */
    include: (text: string) =>
      text.replace(
        /^( *)(- )?([A-Za-z]+): ["']?(__HELM_HELPER_\d+__)["']?$/gm,
        (_, indent: string, dash: string | undefined, key: string, token: string) => {
          const use = tokens.get(token)!;
          const column = indent.length + (dash ? 2 : 0) + 2;
          const argument = use.app !== undefined ? `(dict "app" ${JSON.stringify(use.app)} "Values" .Values)` : '.';
          return `${indent}${dash ?? ''}${key}:\n${' '.repeat(column)}{{- include ${JSON.stringify(use.site.define)} ${argument} | nindent ${column} }}`;
        },
      ),
    file:
      bodies.size === 0
        ? undefined
        : {
            path: 'templates/_helpers.tpl',
            content: [...bodies]
              .map(([site, body]) => `{{/* ${site.what} */}}\n{{- define ${JSON.stringify(site.define)} -}}\n${body}\n{{- end }}\n`)
              .join('\n'),
          },
  };
}

/**
 * Generates the chart: every object of the base environment becomes a
 * template, every leaf that differs between environments becomes a value, and
 * an object that only some environments render is behind `<name>.enabled`. So
 * `helm template -f values-<env>.yaml` renders exactly `dist/<env>/<component>/`,
 * which the Helm test proves, and the chart cannot drift from the platform.
 */
export function helmPackage(props: HelmPackageProps): PackageFile[] {
  const envs = props.renders.map((r) => r.env);
  if (!envs.includes(props.base)) throw new Error(`helm/${props.name}: the base environment ${props.base} is not among ${envs.join(', ')}`);
  const id = (o: KubeObject) => `${o.kind}/${o.metadata.name}`;
  const order: KubeObject[] = [];
  for (const r of props.renders) for (const o of r.objects) if (!order.some((x) => id(x) === id(o))) order.push(o);

  const values = new Map(envs.map((e) => [e, {} as Record<string, unknown>]));
  const recorded = new Map<string, Map<string, unknown>>();
  const record = (env: string, key: string[], value: unknown, where: string) => {
    const seen = (recorded.get(env) ?? recorded.set(env, new Map()).get(env))!;
    const k = key.join('.');
    if (seen.has(k) && JSON.stringify(seen.get(k)) !== JSON.stringify(value))
      throw new UserError(
        `helm/${props.name}: ${k} is ${JSON.stringify(seen.get(k))} and ${JSON.stringify(value)} in ${env} (${where}); give one of them its own value`,
      );
    seen.set(k, value);
    setIn(values.get(env)!, key, value);
  };

  const generics: Array<{ template: KubeObject; present: number; object: KubeObject; expand: (text: string) => string }> = [];
  for (const template of order) {
    const present = props.renders.filter((r) => r.objects.some((o) => id(o) === id(template)));
    const copies = present.map((r) => ({ env: r.env, object: r.objects.find((o) => id(o) === id(template))! }));
    const placeholders: Array<{ token: string; key: string[]; scalar: Scalar }> = [];
    const walk = (nodes: unknown[], path: Path): unknown => {
      const first = nodes[0];
      if (nodes.every((n) => JSON.stringify(n) === JSON.stringify(first))) return first;
      if (nodes.every(isMap) && nodes.every((n) => JSON.stringify(Object.keys(n)) === JSON.stringify(Object.keys(first as object)))) {
        return Object.fromEntries(
          Object.keys(first as object).map((k) => [
            k,
            walk(
              nodes.map((n) => (n as Record<string, unknown>)[k]),
              [...path, k],
            ),
          ]),
        );
      }
      if (nodes.every(Array.isArray) && nodes.every((n) => (n as unknown[]).length === (first as unknown[]).length)) {
        return (first as unknown[]).map((_, i) =>
          walk(
            nodes.map((n) => (n as unknown[])[i]),
            [...path, i],
          ),
        );
      }
      const where = `${id(template)} ${path.join('.')}`;
      if (!nodes.every(isScalar))
        throw new UserError(`helm/${props.name}: ${where} differs in shape between environments; only single values can become chart values`);
      const key = valueKey(template, path);
      copies.forEach((c, i) => record(c.env, key, nodes[i], where));
      const token = `__HELM_VALUE_${placeholders.length}__`;
      placeholders.push({ token, key, scalar: first as Scalar });
      return token;
    };
    const generic = walk(
      copies.map((c) => c.object),
      [],
    ) as KubeObject;
    const namespace = generic.metadata.namespace;
    // The release's namespace, as `helm install -n` and Argo CD's destination set it: its own objects, and the
    // Services of its own namespace that its workloads call (`backend.<namespace>.svc`), so a release in another
    // namespace calls its own backend (seed 11-4 in demo-helm), not the platform's.
    const object = inReleaseNamespace(
      { ...generic, metadata: { ...generic.metadata, ...(namespace ? { namespace: '__HELM_NAMESPACE__' } : {}) } },
      namespace,
    );
    const expand = (text: string) =>
      text
        .replace(/["']?__HELM_NAMESPACE__["']?(?![.\w])/g, '{{ .Release.Namespace }}')
        .replace(/__HELM_NAMESPACE__/g, '{{ .Release.Namespace }}')
        .replace(/["']?(__HELM_VALUE_\d+__)["']?/g, (_, token: string) => {
          const p = placeholders.find((x) => x.token === token)!;
          return typeof p.scalar === 'string' ? `{{ ${reference(p.key)} | quote }}` : `{{ ${reference(p.key)} }}`;
        });
    generics.push({ template, present: present.length, object, expand });
  }

  const helpers = chartHelpers(props.name, generics);
  const templates: PackageFile[] = [];
  for (const { template, present, object, expand } of generics) {
    let text = helpers.include(expand(toYaml(helpers.replace(object))));
    const gate = camel(template.metadata.name);
    if (present < envs.length) {
      for (const env of envs)
        setIn(
          values.get(env)!,
          [gate, 'enabled'],
          props.renders.some((r) => r.env === env && r.objects.some((o) => id(o) === id(template))),
        );
      // Values of an object an environment leaves out still come from the base, so `--set <name>.enabled=true` renders it.
      text = `{{- if ${reference([gate, 'enabled'])} }}\n${text}{{- end }}\n`;
    }
    templates.push({
      path: `templates/${template.metadata.name}-${KIND_FILE_SUFFIX[template.kind] ?? template.kind.toLowerCase()}.yaml`,
      content: text,
    });
  }
  if (helpers.file) templates.push(helpers.file);

  const header = (what: string) => `# ${what} Generated by npm run synth from ${props.source}; edit that, not this file.\n`;
  const base = values.get(props.base)!;
  const files: PackageFile[] = [
    {
      path: 'Chart.yaml',
      content: toYaml({
        apiVersion: 'v2',
        name: props.name,
        description: props.description,
        type: 'application',
        version: props.version,
        appVersion: props.appVersion,
      }),
    },
    { path: 'values.yaml', content: header(`${props.base}'s values.`) + toYaml(base) },
  ];
  const baseLeaves = leaves(base);
  for (const env of envs.filter((e) => e !== props.base)) {
    // Only what differs from values.yaml, as `helm template -f values-<env>.yaml` layers it.
    const overrides: Record<string, unknown> = {};
    for (const [leafId, leaf] of leaves(values.get(env)!))
      if (JSON.stringify(baseLeaves.get(leafId)?.value) !== JSON.stringify(leaf.value)) setIn(overrides, leaf.key, leaf.value);
    files.push({ path: `values-${env}.yaml`, content: header(`${env}'s overrides of values.yaml.`) + toYaml(overrides) });
  }
  files.push(
    ...templates.map((t) => ({
      path: t.path,
      content: (t.path.endsWith('.tpl') ? `{{/* ${header('Named templates.').slice(2).trim()} */}}\n` : header('Template.')) + t.content,
    })),
  );
  // The generated text must still be YAML once the template expressions are quoted away.
  for (const f of files.filter((x) => x.path.startsWith('templates/') && x.path.endsWith('.yaml')))
    YAML.parseAllDocuments(f.content.replace(/^\{\{-[^}]*\}\}$/gm, '').replace(/\{\{[^}]*\}\}/g, 'x')).forEach((d) => {
      if (d.errors.length > 0) throw new Error(`helm/${props.name}/${f.path}: generated text is not YAML: ${d.errors[0].message}`);
    });
  return files.sort((a, b) => (a.path < b.path ? -1 : 1));
}
