import { execFile } from 'child_process';

/**
 * Git and the project's own commands for the operations code, asynchronous: the
 * rollback receiver keeps answering while a rollback runs. A failure carries
 * the command's last line of stderr, which the caller turns into one line.
 */

export class CommandFailed extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command} failed: ${stderr.trim().split('\n').filter(Boolean).pop() ?? 'no message'}`);
  }
}

/** Runs a program in `cwd`; resolves with its stdout, trimmed. */
export function run(program: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new CommandFailed(`${program === 'git' ? 'git' : program} ${args[0] ?? ''}`.trim(), `${stderr}` || error.message));
      else resolve(stdout.trim());
    });
  });
}

export const git = (cwd: string, ...args: string[]): Promise<string> => run('git', args, cwd);

/** C0 and C1 control characters and the Unicode line and paragraph separators. */
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/**
 * One line that a commit message, a log line or a state file may hold: control characters and line
 * breaks become spaces, runs of spaces one, and it is cut to `max` characters. Alert labels and
 * `--reason` come from outside; a newline there would forge log lines or commit trailers.
 */
export function singleLine(text: string, max = 200): string {
  const flat = text.replace(CONTROL_CHARACTERS, ' ').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
