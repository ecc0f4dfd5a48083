/**
 * Progress for work that blocks the event loop (a render, Helm, git), where a
 * timer cannot speak: the work calls `step` as it goes, and a line is printed
 * once `quietMs` have passed since the last, so a run of a second prints
 * nothing and a long one a line at least as often as its steps end.
 */
export function stepProgress(
  prefix: string,
  quietMs = 2000,
  write = (line: string) => void process.stderr.write(line),
  clock = Date.now,
): (what: string) => void {
  const started = clock();
  let last = started;
  return (what: string) => {
    const now = clock();
    if (now - last < quietMs) return;
    last = now;
    write(`${prefix}: ${what} (at ${((now - started) / 1000).toFixed(1)} s)\n`);
  };
}

/**
 * Step progress for a command a person runs at a terminal (promote, rollback): the synth inside
 * takes a few seconds each time. Where stderr is not a terminal (a script, a hook, CI), the
 * command keeps its contract of one result line, or one error line, and nothing else.
 */
export const interactiveProgress = (prefix: string): ((what: string) => void) | undefined =>
  process.stderr.isTTY ? stepProgress(prefix) : undefined;
