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
}

export type Flags = Readonly<Record<string, FlagDef>>;

export type ParsedFlags<F extends Flags> = {
  readonly [K in keyof F]: F[K]['kind'] extends 'boolean' ? boolean : F[K]['kind'] extends 'string' ? string | undefined : readonly string[];
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
    return def.kind === 'strings' ? `[${body} ...]` : `[${body}]`;
  });
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

export function parseCommandLine<F extends Flags>(spec: CommandSpec<F>, argv: readonly string[]): Parsed<F> | 'help' {
  const usage = usageLine(spec);
  const values: Record<string, boolean | string | string[] | undefined> = {};
  for (const [name, def] of Object.entries(spec.flags)) values[name] = def.kind === 'boolean' ? false : def.kind === 'strings' ? [] : undefined;
  const positional: string[] = [];
  const check = (name: string, def: FlagDef, value: string) => {
    const allowed = def.oneOf?.();
    if (allowed && !allowed.includes(value)) throw new UserError(`--${name} '${value}' is not one of ${allowed.join(', ')}; ${usage}`);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) {
      if (!spec.positional) throw new UserError(`unexpected argument '${arg}'; ${usage}`);
      const allowed = spec.positional.oneOf?.();
      if (allowed && !allowed.includes(arg)) throw new UserError(`unknown ${spec.positional.name} '${arg}'; known: ${allowed.join(', ')}`);
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const def = Object.prototype.hasOwnProperty.call(spec.flags, name) ? spec.flags[name] : undefined;
    if (!def) throw new UserError(`unknown argument '${arg}'; ${usage}`);
    if (def.kind === 'boolean') {
      if (eq >= 0) throw new UserError(`--${name} takes no value; ${usage}`);
      values[name] = true;
      continue;
    }
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[++i];
      if (value === undefined || value.startsWith('--')) throw new UserError(`--${name} needs a value; ${usage}`);
    }
    if (value === '') throw new UserError(`--${name} needs a non-empty value; ${usage}`);
    check(name, def, value);
    if (def.kind === 'string') {
      if (values[name] !== undefined) throw new UserError(`--${name} given twice ('${values[name]}' and '${value}'); give it once`);
      values[name] = value;
    } else (values[name] as string[]).push(value);
  }
  return { flags: values as ParsedFlags<F>, positional };
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
