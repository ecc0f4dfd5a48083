import { withHeartbeat } from '../verify/engines/heartbeat';

/** The e2e run's logger (verify/engines/heartbeat.ts): never quiet for longer than its interval. */
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a quiet logger says how long it has been quiet, and what it last said; a line resets it', async () => {
  const lines: string[] = [];
  const { log, stop } = withHeartbeat((line) => lines.push(line), 300);
  try {
    log('waiting for wave 2');
    await sleep(200);
    expect(lines).toEqual(['waiting for wave 2']);
    await sleep(250);
    expect(lines[1]).toMatch(/^still running: \d+ s since "waiting for wave 2"$/);
    log('wave 2 Healthy');
    const count = lines.length;
    await sleep(200);
    expect(lines.length).toBe(count);
  } finally {
    stop();
  }
});
