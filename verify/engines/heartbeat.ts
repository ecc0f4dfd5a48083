/**
 * A line logger that is never quiet for longer than `intervalMs` (30 s): it
 * looks every sixth of that, and once two thirds have passed without a line
 * it says how long it has been quiet and what it last said, so a long wait in
 * a run (Argo CD syncing a wave, a chart rendering) still shows progress. The
 * margin (at most 25 s between lines) absorbs a busy event loop.
 */
export function withHeartbeat(log: (line: string) => void, intervalMs = 30_000): { log: (line: string) => void; stop: () => void } {
  let lastAt = Date.now();
  let lastSaidAt = lastAt;
  let lastLine = 'the start';
  const timer = setInterval(() => {
    if (Date.now() - lastAt < (intervalMs * 2) / 3) return;
    log(`still running: ${Math.round((Date.now() - lastSaidAt) / 1000)} s since ${lastLine}`);
    // A heartbeat counts as a line for the next one, but not as what was last said.
    lastAt = Date.now();
  }, intervalMs / 6);
  timer.unref();
  return {
    log: (line: string) => {
      lastAt = Date.now();
      lastSaidAt = lastAt;
      lastLine = JSON.stringify(line.length > 100 ? `${line.slice(0, 100)}...` : line);
      log(line);
    },
    stop: () => clearInterval(timer),
  };
}
