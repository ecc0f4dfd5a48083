import { changeCounts, FieldChange, ObjectChange } from './rendered-diff';

/**
 * The rendered diff as a reviewer reads it: per environment a summary line
 * first (added, removed, changed, by kind), then the changes many objects
 * share as one row each (one label added to every object is one row, with
 * the objects folded under it), then per component what is left.
 */

/** A field change that at least this many objects of one environment share is shown once, with the objects listed under it. */
export const SHARED_CHANGE_MIN_OBJECTS = 3;

/** One field change that several objects of an environment make alike. */
export interface SharedChange {
  /** The field as the objects' metadata holds it (`metadata.labels.team`), or the whole path for other fields. */
  readonly path: string;
  /** Where else the same change sits in some of them (`spec.template.metadata.labels.team`). */
  readonly alsoAt: readonly string[];
  readonly before?: unknown;
  readonly after?: unknown;
  readonly objects: readonly string[];
}

/**
 * A label or annotation reads the same on an object and on its pod template
 * (`spec.template.metadata.labels.x`): both count as one change, keyed by
 * the part from the last `metadata.` on.
 */
const sharedPathOf = (path: string): string => {
  const at = path.lastIndexOf('metadata.');
  return at > 0 && path[at - 1] === '.' ? path.slice(at) : path;
};
const sharedKey = (f: FieldChange) => JSON.stringify([sharedPathOf(f.path), f.before, f.after]);

/** The field changes that many changed objects share, and the changes without them (an object left with none is dropped). */
export function groupSharedChanges(inEnv: readonly ObjectChange[]): { readonly shared: SharedChange[]; readonly rest: ObjectChange[] } {
  const holders = new Map<string, Set<string>>();
  for (const c of inEnv.filter((x) => x.change === 'changed'))
    for (const f of c.fields.filter((x) => !x.lines)) holders.set(sharedKey(f), (holders.get(sharedKey(f)) ?? new Set()).add(c.file));
  const isShared = (f: FieldChange) => !f.lines && (holders.get(sharedKey(f))?.size ?? 0) >= SHARED_CHANGE_MIN_OBJECTS;
  const shared = new Map<string, { path: string; alsoAt: Set<string>; before?: unknown; after?: unknown; objects: string[]; files: Set<string> }>();
  const rest: ObjectChange[] = [];
  for (const c of inEnv) {
    const mine = c.change === 'changed' ? c.fields.filter(isShared) : [];
    for (const f of mine) {
      const key = sharedKey(f);
      const entry = shared.get(key) ?? {
        path: sharedPathOf(f.path),
        alsoAt: new Set<string>(),
        before: f.before,
        after: f.after,
        objects: [],
        files: new Set<string>(),
      };
      if (f.path !== entry.path) entry.alsoAt.add(f.path);
      // An object counts once, though the change sits at two places in it (its labels and its pod template's).
      if (!entry.files.has(c.file)) entry.objects.push(c.object);
      entry.files.add(c.file);
      shared.set(key, entry);
    }
    const left = c.fields.filter((f) => !mine.includes(f));
    if (c.change !== 'changed' || left.length > 0) rest.push({ ...c, fields: left });
  }
  return {
    shared: [...shared.values()]
      .map((s) => ({ path: s.path, alsoAt: [...s.alsoAt].sort(), before: s.before, after: s.after, objects: s.objects }))
      .sort((a, b) => b.objects.length - a.objects.length || a.path.localeCompare(b.path)),
    rest,
  };
}

const kindOf = (object: string) => (object.startsWith('file ') ? 'file' : object.split(' ')[0]);

/** How many kinds a summary names per count, most frequent first; the rest are counted. */
const SUMMARY_KINDS = 5;

/** `0 added, 0 removed, 135 changed (Application 28, ConfigMap 20, ...)`: each count with its kinds, most first. */
export function summary(changes: readonly ObjectChange[]): string {
  return (['added', 'removed', 'changed'] as const)
    .map((change) => {
      const counts = new Map<string, number>();
      for (const c of changes.filter((x) => x.change === change)) counts.set(kindOf(c.object), (counts.get(kindOf(c.object)) ?? 0) + 1);
      const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      const kinds = [
        ...sorted.slice(0, SUMMARY_KINDS).map(([k, n]) => `${k} ${n}`),
        ...(sorted.length > SUMMARY_KINDS ? [`${sorted.length - SUMMARY_KINDS} more kinds`] : []),
      ].join(', ');
      const total = [...counts.values()].reduce((a, b) => a + b, 0);
      return `${total} ${change}${kinds ? ` (${kinds})` : ''}`;
    })
    .join(', ');
}

const show = (v: unknown) => (v === undefined ? '(none)' : typeof v === 'string' ? v : JSON.stringify(v));
const cell = (v: unknown) => (v === undefined ? '' : `\`${show(v).replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 120)}\``);
const alsoText = (s: SharedChange) => (s.alsoAt.length > 0 ? ` (also ${s.alsoAt.join(', ')})` : '');

export function formatText(changes: readonly ObjectChange[], envs: readonly string[]): string {
  if (changes.length === 0) return `diff: no changes in ${envs.join(', ')}\n`;
  const lines: string[] = [];
  for (const env of envs) {
    const inEnv = changes.filter((c) => c.env === env);
    if (inEnv.length === 0) continue;
    lines.push(`${env}: ${summary(inEnv)}`);
    const { shared, rest } = groupSharedChanges(inEnv);
    for (const s of shared)
      lines.push(`  = ${s.objects.length} objects: ${s.path}${alsoText(s)}: ${show(s.before)} -> ${show(s.after)}`, `      ${s.objects.join(', ')}`);
    for (const component of componentsOf(rest)) {
      lines.push(`  ${component}/`);
      for (const c of rest.filter((x) => x.component === component)) {
        lines.push(`    ${{ added: '+', removed: '-', changed: '~' }[c.change]} ${c.object}`);
        for (const f of c.fields) {
          if (f.lines) lines.push(`        ${f.path}:`, ...f.lines.map((l) => `          ${l}`));
          else lines.push(`        ${f.path}: ${show(f.before)} -> ${show(f.after)}`);
        }
      }
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The changes many objects share: one row each, the objects folded in the row. */
function sharedMarkdown(shared: readonly SharedChange[]): string[] {
  if (shared.length === 0) return [];
  return [
    '**The same change in many objects**',
    '',
    '| | objects | field | before | after |',
    '|---|---|---|---|---|',
    ...shared.map(
      (s) =>
        `| ✏️ changed | <details><summary>${s.objects.length} objects</summary>${s.objects.map((o) => `\`${o}\``).join(', ')}</details> | \`${s.path}\`${alsoText(s)} | ${cell(s.before)} | ${cell(s.after)} |`,
    ),
    '',
  ];
}

export function formatMarkdown(changes: readonly ObjectChange[], envs: readonly string[]): string {
  if (changes.length === 0) return `### Rendered diff\n\nNo changes in ${envs.join(', ')}.\n`;
  const out = ['### Rendered diff', ''];
  for (const env of envs) {
    const inEnv = changes.filter((c) => c.env === env);
    if (inEnv.length === 0) continue;
    const { shared, rest } = groupSharedChanges(inEnv);
    out.push(envOpening(env, summary(inEnv)), '', ...sharedMarkdown(shared));
    for (const component of componentsOf(rest)) out.push(...componentMarkdown(rest, component));
    out.push('</details>', '');
  }
  return `${out.join('\n')}\n`;
}

const componentsOf = (changes: readonly ObjectChange[]) => [...new Set(changes.map((c) => c.component))];
const envOpening = (env: string, text: string) => `<details${env === 'prod' ? ' open' : ''}><summary><b>${env}</b>: ${text}</summary>`;

/** One component's table of changed objects and fields, then its text diffs. */
function componentMarkdown(inEnv: readonly ObjectChange[], component: string): string[] {
  const out = [`**${component}/**`, '', '| | object | field | before | after |', '|---|---|---|---|---|'];
  const mine = inEnv.filter((x) => x.component === component);
  for (const c of mine) {
    const mark = { added: '➕ added', removed: '➖ removed', changed: '✏️ changed' }[c.change];
    if (c.fields.length === 0) out.push(`| ${mark} | \`${c.object}\` | | | |`);
    c.fields.forEach((f, i) =>
      out.push(
        `| ${i === 0 ? mark : ''} | ${i === 0 ? `\`${c.object}\`` : ''} | \`${f.path}\` | ${f.lines ? '(text, below)' : cell(f.before)} | ${f.lines ? '' : cell(f.after)} |`,
      ),
    );
  }
  out.push('');
  for (const c of mine)
    for (const f of c.fields.filter((x) => x.lines))
      out.push(
        `\`${c.object}\` \`${f.path}\`:`,
        '',
        '```diff',
        ...f.lines!.map((l) => (l.startsWith('  ') ? ` ${l.slice(2)}` : `${l[0]}${l.slice(2)}`)),
        '```',
        '',
      );
  return out;
}

/**
 * The markdown diff in at most `maxLength` characters (a pull-request comment holds 65,536): the
 * shared changes of every environment, the components of prod in full while they fit, then those
 * of the other environments, the rest as per-component counts, and a closing line that names every
 * environment and component whose details were cut and how to see them.
 */
export function fitMarkdown(changes: readonly ObjectChange[], envs: readonly string[], maxLength: number, notes: readonly string[] = []): string {
  const tail = notes.length > 0 ? `${notes.map((n) => `_${n}_`).join('\n\n')}\n` : '';
  const full = `${formatMarkdown(changes, envs)}${tail ? `\n${tail}` : ''}`;
  if (full.length <= maxLength) return full;
  const withChanges = envs.filter((env) => changes.some((c) => c.env === env));
  const inEnvOf = (env: string) => changes.filter((c) => c.env === env);
  const grouped = new Map(withChanges.map((env) => [env, groupSharedChanges(inEnvOf(env))]));
  const restOf = (env: string) => grouped.get(env)!.rest;
  const countRow = (inEnv: readonly ObjectChange[], component: string) =>
    `| ${component}/ | ${changeCounts(inEnv.filter((c) => c.component === component))} |`;
  const countsTable = (inEnv: readonly ObjectChange[], components: readonly string[]) =>
    components.length === 0 ? [] : ['| component (details cut) | changes |', '|---|---|', ...components.map((c) => countRow(inEnv, c)), ''];
  // The least an environment can take: its opening, its shared changes, every component as a count, its closing.
  const leastOf = (env: string) =>
    [
      envOpening(env, summary(inEnvOf(env))),
      '',
      ...sharedMarkdown(grouped.get(env)!.shared),
      ...countsTable(restOf(env), componentsOf(restOf(env))),
      '</details>',
      '',
    ].join('\n').length + 80;
  // The budget for details: what is left once every environment is in as counts, with the closing line at its longest.
  const closing = 200 + [...new Set(changes.map((c) => `${c.env} ${c.component}`))].reduce((n, c) => n + c.length + 2, 0) + tail.length;
  let budget = maxLength - closing - withChanges.reduce((n, e) => n + leastOf(e), 0) - 100;
  // prod first: what a reviewer must read; then the others in order.
  const kept = new Set<string>();
  for (const env of [...withChanges.filter((e) => e === 'prod'), ...withChanges.filter((e) => e !== 'prod')]) {
    for (const component of componentsOf(restOf(env))) {
      const cost = componentMarkdown(restOf(env), component).join('\n').length + 1;
      if (cost <= budget) {
        kept.add(`${env} ${component}`);
        budget -= cost;
      }
    }
  }
  const cut: string[] = [];
  const lines: string[] = ['### Rendered diff', ''];
  for (const env of withChanges) {
    const rest = restOf(env);
    const components = componentsOf(rest);
    const cutHere = components.filter((c) => !kept.has(`${env} ${c}`));
    lines.push(
      envOpening(
        env,
        `${summary(inEnvOf(env))}${cutHere.length > 0 ? ` (details of ${cutHere.length} of ${components.length} components cut)` : ''}`,
      ),
      '',
      ...sharedMarkdown(grouped.get(env)!.shared),
    );
    for (const component of components.filter((c) => kept.has(`${env} ${c}`))) lines.push(...componentMarkdown(rest, component));
    lines.push(...countsTable(rest, cutHere), '</details>', '');
    if (cutHere.length > 0) cut.push(`${env} (${cutHere.join(', ')})`);
  }
  const cutLine =
    cut.length === 0
      ? ''
      : `\n_Cut to fit ${maxLength} characters: the object details of ${cut.join('; ')}. Run \`npm run diff -- ${cut.map((c) => `--env ${c.split(' ')[0]}`).join(' ')}\` to read them._\n`;
  const out = `${lines.join('\n')}\n${cutLine}${tail ? `\n${tail}` : ''}`;
  if (out.length <= maxLength) return out;
  // Even the counts do not fit: one line per environment.
  const brief = withChanges.map((env) => `- **${env}**: ${summary(inEnvOf(env))}`);
  return `### Rendered diff\n\n${brief.join('\n')}\n\n_Cut to fit ${maxLength} characters: every detail. Run \`npm run diff\` to read them._\n`.slice(
    0,
    maxLength,
  );
}

/**
 * Upstream charts that could not be rendered, so their objects are not compared: one note per chart and
 * reason, naming the environments and sides (`dev, base`) it failed in. They go into the comment, not only to stderr.
 */
export function notRenderedNotes(notRendered: readonly string[]): string[] {
  const where = new Map<string, string[]>();
  for (const line of notRendered) {
    // `<env>, <side>: <app> <status>: <reason>`
    const [, env, side, what] = /^([^,]+), (base|this change): (.*)$/s.exec(line) ?? [undefined, '?', '?', line];
    where.set(what, [...(where.get(what) ?? []), `${env} (${side})`]);
  }
  return [...where].map(([what, at]) => `not rendered, so not compared: ${what.replace(/\s+/g, ' ').slice(0, 300)}; in ${at.join(', ')}`);
}
