import { parseArgs } from 'util';
import { CheckFailure, UserError } from '../config/errors';

/**
 * The one entry helper every command shares: a typed argument parser with
 * `--help`, and one line on stderr for any error, never a stack trace.
 * Exit codes: 0 success, 1 the check or the work failed, 2 bad input.
 */

export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

export interface FlagDef {
  /** `boolean`: present or not; `string`: one value, at most once; `strings`: repeatable. */
  readonly kind: 'boolean' | 'string' | 'strings';
  readonly help: string;
  /** Metavariable shown in the usage line. */
  readonly value?: string;
  /** Allowed values; anything else is bad input (so a typo never passes silently). */
  readonly oneOf?: () => readonly string[];
  /** The command cannot run without it: the usage line shows it without brackets, and leaving it out is bad input. */
  readonly required?: boolean;
}

export type Flags = Readonly<Record<string, FlagDef>>;

export type ParsedFlags<F extends Flags> = {
  readonly [K in keyof F]: F[K]['kind'] extends 'boolean'
    ? boolean
    : F[K]['kind'] extends 'string'
      ? F[K] extends { readonly required: true }
        ? string
        : string | undefined
      : readonly string[];
};

export interface CommandSpec<F extends Flags> {
  /** `synth`, `diff`, ...: the prefix of every message. */
  readonly name: string;
  /** How it is run, e.g. `npm run diff --`. */
  readonly invocation: string;
  readonly summary: string;
  readonly flags: F;
  /** Positional arguments, when the command takes any. */
  readonly positional?: { readonly name: string; readonly help: string; readonly oneOf?: () => readonly string[] };
}

export interface Parsed<F extends Flags> {
  readonly flags: ParsedFlags<F>;
  readonly positional: readonly string[];
}

export function usageLine<F extends Flags>(spec: CommandSpec<F>): string {
  const flags = Object.entries(spec.flags).map(([name, def]) => {
    const choices = def.oneOf ? def.oneOf().join('|') : (def.value ?? 'value');
    const body = def.kind === 'boolean' ? `--${name}` : `--${name} <${choices}>`;
    if (def.required) return def.kind === 'strings' ? `${body} ...` : body;
    return def.kind === 'strings' ? `[${body} ...]` : `[${body}]`;
  });
  // Required flags first: what a user must type, then what they may.
  flags.sort((a, b) => Number(a.startsWith('[')) - Number(b.startsWith('[')));
  const positional = spec.positional ? [`[${spec.positional.name}...]`] : [];
  return `usage: ${spec.invocation} ${[...flags, ...positional].join(' ')}`.trim();
}

export function helpText<F extends Flags>(spec: CommandSpec<F>): string {
  const width = Math.max(...Object.keys(spec.flags).map((n) => n.length + 2), spec.positional?.name.length ?? 0);
  const lines = [usageLine(spec), '', spec.summary, ''];
  for (const [name, def] of Object.entries(spec.flags)) lines.push(`  ${`--${name}`.padEnd(width)}  ${def.help}`);
  if (spec.positional) lines.push(`  ${spec.positional.name.padEnd(width)}  ${spec.positional.help}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Node's own parser (`util.parseArgs`, strict) reads the command line; what it refuses is turned
 * into our one line with the usage, and what it allows but we do not (a value outside `oneOf`, an
 * empty value, a single-valued flag given twice) is refused here.
 */
export function parseCommandLine<F extends Flags>(spec: CommandSpec<F>, argv: readonly string[]): Parsed<F> | 'help' {
  const usage = usageLine(spec);
  if (argv.some((a) => a === '--help' || a === '-h')) return 'help';
  const options = Object.fromEntries(
    Object.entries(spec.flags).map(([name, def]) => [
      name,
      { type: def.kind === 'boolean' ? ('boolean' as const) : ('string' as const), multiple: def.kind !== 'boolean' },
    ]),
  );
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: !!spec.positional, strict: true });
  } catch (error) {
    throw new UserError(`${parseError(error as NodeJS.ErrnoException & { message: string }, argv)}; ${usage}`);
  }
  const values: Record<string, boolean | string | string[] | undefined> = {};
  for (const [name, def] of Object.entries(spec.flags)) {
    const given = parsed.values[name] as boolean | string[] | undefined;
    if (def.kind === 'boolean') {
      values[name] = given === true;
      continue;
    }
    const list = (given as string[] | undefined) ?? [];
    for (const value of list) {
      if (value === '') throw new UserError(`--${name} needs a non-empty value; ${usage}`);
      const allowed = def.oneOf?.();
      if (allowed && !allowed.includes(value)) throw new UserError(`--${name} '${value}' is not one of ${allowed.join(', ')}; ${usage}`);
    }
    if (def.kind === 'string' && list.length > 1) throw new UserError(`--${name} given twice ('${list[0]}' and '${list[1]}'); give it once`);
    if (def.required && list.length === 0) throw new UserError(`--${name} is required; ${usage}`);
    values[name] = def.kind === 'string' ? list[0] : list;
  }
  for (const arg of parsed.positionals) {
    const allowed = spec.positional?.oneOf?.();
    if (allowed && !allowed.includes(arg)) throw new UserError(`unknown ${spec.positional!.name} '${arg}'; known: ${allowed.join(', ')}`);
  }
  return { flags: values as ParsedFlags<F>, positional: parsed.positionals };
}

/** util.parseArgs's refusal, in the words our commands use. */
function parseError(error: NodeJS.ErrnoException & { message: string }, argv: readonly string[]): string {
  const named = /'(-{1,2}[^' ]+)/.exec(error.message)?.[1];
  switch (error.code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown argument '${argv.find((a) => named && (a === named || a.startsWith(`${named}=`))) ?? named}'`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /does not take an argument/.test(error.message) ? `${named} takes no value` : `${named} needs a value`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument '${/'([^']+)'/.exec(error.message)?.[1] ?? ''}'`;
    default:
      return error.message;
  }
}

/** Turns any error into the one line a user can act on. */
export function describeError(error: unknown): string {
  if (error instanceof UserError || error instanceof CheckFailure) return error.message;
  const e = error as NodeJS.ErrnoException;
  const where = e.path ? ` (${e.path})` : '';
  switch (e.code) {
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `cannot write${where}: ${e.code === 'EROFS' ? 'read-only file system' : 'permission denied'}; make it writable or pass --out <dir>`;
    case 'ENOSPC':
    case 'EDQUOT':
      return `no space left on the device${where}; free some space and run the same command again (nothing was changed)`;
    case 'ENOTDIR':
      return `a path component is a file, not a folder${where}; remove it or pass another --out`;
    case 'EXDEV':
      return `cannot move across file systems${where}; keep the output folder on one file system`;
    case 'EMFILE':
    case 'ENFILE':
      return `too many open files${where}; raise ulimit -n and run the same command again`;
    default:
      return `${e.message ?? String(error)}; this is a bug, please report it with the command you ran`;
  }
}

/**
 * Runs a command's main function and sets the exit code. Bad input exits 2,
 * anything else that fails exits 1; both print exactly one line.
 */
export function runCommand<F extends Flags>(
  spec: CommandSpec<F>,
  main: (parsed: Parsed<F>) => number | Promise<number>,
  argv = process.argv.slice(2),
): void {
  const fail = (error: unknown) => {
    process.stderr.write(`${spec.name}: error: ${describeError(error).replace(/\s*\n\s*/g, ' ')}\n`);
    process.exitCode = error instanceof UserError ? EXIT_BAD_INPUT : EXIT_FAILED;
  };
  try {
    const parsed = parseCommandLine(spec, argv);
    if (parsed === 'help') {
      process.stdout.write(helpText(spec));
      return;
    }
    Promise.resolve(main(parsed)).then((code) => {
      if (process.exitCode === undefined || process.exitCode === 0) process.exitCode = code;
    }, fail);
  } catch (error) {
    fail(error);
  }
}
