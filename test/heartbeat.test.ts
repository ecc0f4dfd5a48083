import { withHeartbeat } from '../verify/engines/heartbeat';

/** The e2e run's logger (verify/engines/heartbeat.ts): never quiet for longer than its interval. Jest's clock, so no timing luck. */
beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('a quiet logger says how long it has been quiet and what it last said, once per 20 to 25 s; a line resets it', () => {
  const lines: string[] = [];
  const { log, stop } = withHeartbeat((line) => lines.push(line));
  try {
    log('waiting for wave 2');
    jest.advanceTimersByTime(19_000);
    expect(lines).toEqual(['waiting for wave 2']);
    jest.advanceTimersByTime(6_000);
    expect(lines).toEqual(['waiting for wave 2', 'still running: 20 s since "waiting for wave 2"']);
    // Once it has spoken, it waits as long again: a line every 20 to 25 s, never more than 30 s apart.
    jest.advanceTimersByTime(14_000);
    expect(lines.length).toBe(2);
    jest.advanceTimersByTime(1_000);
    expect(lines[2]).toBe('still running: 40 s since "waiting for wave 2"');
    log('wave 2 Healthy');
    jest.advanceTimersByTime(19_000);
    expect(lines.length).toBe(4);
  } finally {
    stop();
  }
});
