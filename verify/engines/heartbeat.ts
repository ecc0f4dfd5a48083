/**
 * A line logger that is never quiet for longer than `intervalMs` (30 s): it
 * looks every sixth of that, and once five sixths have passed without a line
 * it says how long it has been quiet and what it last said, so a long wait in
 * a run (Argo CD syncing a wave, a chart rendering) still shows progress.
 */
export function withHeartbeat(log: (line: string) => void, intervalMs = 30_000): { log: (line: string) => void; stop: () => void } {
  let lastAt = Date.now();
  let lastLine = 'the start';
  const timer = setInterval(() => {
    if (Date.now() - lastAt < (intervalMs * 5) / 6) return;
    log(`still running: ${Math.round((Date.now() - lastAt) / 1000)} s since ${lastLine}`);
  }, intervalMs / 6);
  timer.unref();
  return {
    log: (line: string) => {
      lastAt = Date.now();
      lastLine = JSON.stringify(line.length > 100 ? `${line.slice(0, 100)}...` : line);
      log(line);
    },
    stop: () => clearInterval(timer),
  };
}
