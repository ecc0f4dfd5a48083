import * as YAML from 'yaml';
import { Exercise, Step } from './types';

/**
 * The seed's own commands, exercise by exercise, read from its text: every
 * ```bash block between an exercise's heading (`#### 실습 2-1:`, `### 실습 11-1.`,
 * `## 14.`) and the next heading of its rank, split as bash splits them:
 * continued lines joined, comments dropped, heredocs read as the command's
 * stdin, `for i in $(seq 1 N)` loops unrolled, `X=$(...)` captures and
 * pipelines taken apart. `verbatimProblems` holds the catalog to it: each step
 * that is the seed's is one of these commands, word for word, and each of
 * these commands is a step or says why it is not run.
 */

export interface SeedCommand {
  readonly exercise: string;
  /** The words of its first command, as bash splits them (quotes removed, variables left as written). */
  readonly argv: readonly string[];
  /** The commands its output is piped to. */
  readonly pipe: ReadonlyArray<readonly string[]>;
  /** The heredoc it reads, parsed as YAML. */
  readonly stdin?: unknown;
  /** `X=$(...)`: the variable it keeps. */
  readonly captures?: string;
}

/** What bash makes of one line: its words, with `|`, `||`, `&&`, `;` and redirections as words of their own. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  const push = () => {
    if (word !== undefined) words.push(word);
    word = undefined;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'") {
      const end = line.indexOf("'", i + 1);
      word = (word ?? '') + line.slice(i + 1, end < 0 ? undefined : end);
      i = end < 0 ? line.length : end;
    } else if (c === '"') {
      let j = i + 1;
      let text = '';
      for (; j < line.length && line[j] !== '"'; j++) {
        // Inside double quotes a backslash escapes only $ ` " \ (bash's rule); `\n` stays two characters.
        if (line[j] === '\\' && '$`"\\'.includes(line[j + 1] ?? '')) text += line[++j];
        else text += line[j];
      }
      word = (word ?? '') + text;
      i = j;
    } else if (c === '$' && line[i + 1] === '(') {
      let depth = 0;
      let j = i + 1;
      for (; j < line.length; j++) {
        if (line[j] === '(') depth++;
        if (line[j] === ')' && --depth === 0) break;
      }
      word = (word ?? '') + line.slice(i, j + 1);
      i = j;
    } else if (/\s/.test(c)) push();
    else if (c === '|' || c === '&' || c === ';') {
      push();
      const two = line.slice(i, i + 2);
      if (two === '||' || two === '&&') {
        words.push(two);
        i++;
      } else words.push(c);
    } else if (c === '#' && word === undefined) break;
    else word = (word ?? '') + c;
  }
  push();
  return words;
}

const REDIRECT = /^(\d?>|\d?>>|<)(\S*)$|^\d?>&\d$|^<<-?/;

/** A logical line's command: its first command's words, where its output goes, and what it captures. */
function commandOf(words: readonly string[], exercise: string, stdin: unknown): SeedCommand {
  const capture = /^([A-Z_][A-Z0-9_]*)=\$\((.*)\)$/.exec(words.length === 1 ? words[0] : '');
  if (capture) return { ...commandOf(shellWords(capture[2]), exercise, stdin), captures: capture[1] };
  // `a 2>/dev/null || true`: the first of a list is what the reader runs; the rest only forgives its failure.
  const list = words.findIndex((w) => w === '||' || w === '&&' || w === ';');
  const first = list < 0 ? words : words.slice(0, list);
  const stages: string[][] = [[]];
  for (const w of first) {
    if (w === '|') stages.push([]);
    else if (!REDIRECT.test(w)) stages[stages.length - 1].push(w);
  }
  return { exercise, argv: stages[0], pipe: stages.slice(1), ...(stdin !== undefined ? { stdin } : {}) };
}

/** Every exercise's commands, in the order the seed gives them. */
export function seedCommands(seed: string): Map<string, SeedCommand[]> {
  const out = new Map<string, SeedCommand[]>();
  let exercise: string | undefined;
  let inBash = false;
  let block: string[] = [];
  const lines = seed.split('\n');
  for (const line of lines) {
    const heading = /^(#{2,4}) (.*)$/.exec(line);
    if (heading && !inBash) {
      const [, hashes, title] = heading;
      const id = /^실습 (\d+-\d+)[:.]/.exec(title)?.[1] ?? (hashes === '##' && /^14\./.test(title) ? '14' : undefined);
      if (id) exercise = id;
      else if (hashes === '##' || (hashes === '###' && exercise !== '14')) exercise = undefined;
      continue;
    }
    if (/^```bash\s*$/.test(line)) {
      inBash = true;
      block = [];
      continue;
    }
    if (inBash && /^```\s*$/.test(line)) {
      inBash = false;
      if (exercise) out.set(exercise, [...(out.get(exercise) ?? []), ...blockCommands(block, exercise)]);
      continue;
    }
    if (inBash) block.push(line);
  }
  return out;
}

/** One bash block's commands: heredocs attached, continuation lines joined, loops unrolled. */
function blockCommands(block: readonly string[], exercise: string): SeedCommand[] {
  type Logical = { words: string[]; stdin?: string };
  const logical: Logical[] = [];
  let pending = '';
  for (let i = 0; i < block.length; i++) {
    const raw = block[i];
    if (!pending && /^\s*#/.test(raw)) continue;
    if (/\\\s*$/.test(raw)) {
      pending += raw.replace(/\\\s*$/, ' ');
      continue;
    }
    const text = pending + raw;
    pending = '';
    if (!text.trim()) continue;
    const here = /<<-?\s*'?(\w+)'?/.exec(text);
    let stdin: string | undefined;
    if (here) {
      const body: string[] = [];
      for (i++; i < block.length && block[i].trim() !== here[1]; i++) body.push(block[i]);
      stdin = body.join('\n');
    }
    logical.push({ words: shellWords(text), ...(stdin !== undefined ? { stdin } : {}) });
  }
  const commands: SeedCommand[] = [];
  for (let i = 0; i < logical.length; i++) {
    const loop = /^\$\(seq (\d+) (\d+)\)$/.exec(logical[i].words[3] ?? '');
    if (logical[i].words[0] === 'for' && loop) {
      const variable = logical[i].words[1];
      const body: Logical[] = [];
      for (i++; i < logical.length && logical[i].words[0] !== 'done'; i++) body.push(logical[i]);
      for (let n = Number(loop[1]); n <= Number(loop[2]); n++) {
        const put = (s: string) => s.replaceAll(`\${${variable}}`, String(n)).replaceAll(`$${variable}`, String(n));
        for (const b of body) commands.push(commandOf(b.words.map(put), exercise, b.stdin !== undefined ? YAML.parse(put(b.stdin)) : undefined));
      }
      continue;
    }
    commands.push(commandOf(logical[i].words, exercise, logical[i].stdin !== undefined ? YAML.parse(logical[i].stdin!) : undefined));
  }
  return commands;
}

/** What a shell filter reads of a command's output, which a step's output check reads instead. */
const FILTERS = new Set(['grep', 'head', 'tail', 'python3', 'base64', 'wc', 'sort', 'uniq', 'awk']);

const same = (a: unknown, b: unknown): boolean => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
const canonical = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(canonical)
    : v && typeof v === 'object'
      ? Object.fromEntries(
          Object.entries(v)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, x]) => [k, canonical(x)]),
        )
      : v;

/** Fills a step's parameters (`${NAME}`) as the seed's own lab has them. */
function filled(value: unknown, params: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') return value.replace(/\$\{([A-Z_]+)\}/g, (all, name: string) => params[name] ?? all);
  if (Array.isArray(value)) return value.map((v) => filled(v, params));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, filled(v, params)]));
  return value;
}

/** Whether a step runs this seed command: the same words, the same heredoc, and the same non-filter pipe. */
function runs(step: Step, command: SeedCommand, params: Readonly<Record<string, string>>): boolean {
  if (!same(filled(step.run, params), command.argv)) return false;
  if (step.stdin !== undefined || command.stdin !== undefined) {
    if (!same(filled(step.stdin, params), command.stdin)) return false;
  }
  const piped = command.pipe.filter((stage) => !FILTERS.has(stage[0]));
  return same(step.pipe ? [step.pipe] : [], piped);
}

/**
 * Where the catalog is not the seed: a step that claims to be the seed's command but is not one of the
 * exercise's, a seed command no step runs and no `notRun` entry names, or a deviation whose `instead.of`
 * names no command of the seed. `params` are the seed's own lab's (dev): its literal values.
 */
export function verbatimProblems(catalog: readonly Exercise[], seed: Map<string, SeedCommand[]>, params: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  for (const exercise of catalog) {
    const left = [...(seed.get(exercise.id) ?? [])];
    if (left.length === 0) problems.push(`${exercise.id}: the seed has no commands for it`);
    const take = (match: (c: SeedCommand) => boolean, what: string) => {
      const i = left.findIndex(match);
      if (i < 0) problems.push(`${exercise.id}: ${what} is not a command of the seed's exercise (or more times than the seed has it)`);
      else left.splice(i, 1);
    };
    for (const step of exercise.steps) {
      if (step.added) continue;
      if (step.instead) {
        const words = shellWords(step.instead.of);
        take((c) => same(commandOf(words, exercise.id, undefined).argv, c.argv), `'${step.instead.of}' (${step.says})`);
        continue;
      }
      for (let n = 1; n <= (step.repeat ?? 1); n++)
        take(
          (c) => runs(step, c, { ...params, N: String(n) }),
          `'${(filled(step.run, { ...params, N: String(n) }) as string[]).join(' ')}' (${step.says})`,
        );
    }
    for (const skipped of exercise.notRun ?? []) {
      const c = commandOf(shellWords(skipped.command), exercise.id, undefined);
      take((x) => same(x.argv, c.argv) && same(x.pipe, c.pipe), `not-run '${skipped.command}'`);
    }
    problems.push(
      ...left.map(
        (c) => `${exercise.id}: the seed's '${[c.argv, ...c.pipe].map((s) => s.join(' ')).join(' | ')}' is neither a step nor listed as not run`,
      ),
    );
  }
  return problems;
}

/** Whether an exercise runs as its reader types it: no step instead of the seed's, no deviation. */
export const verbatim = (exercise: Exercise): boolean => exercise.deviations.length === 0 && !exercise.steps.some((s) => s.instead);
