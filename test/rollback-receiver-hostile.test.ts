import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as path from 'path';
import { readMigrationState } from '../config/migration-state';
import { RunningReceiver, startRollbackReceiver } from '../ops/receiver';
import { rollBack } from '../ops/rollback';
import { committedClone, subjects } from './git-clone';
import { ROOT } from './helpers';

/**
 * The rollback receiver as a hostile caller meets it: on loopback, in front of
 * a committed clone of the project (prod's migration state), with the real
 * rollback behind it. Every request below is one an attacker or a broken client
 * sends; each must be answered (or its connection closed), leave one log line,
 * commit nothing, and leave the receiver serving. Memory is sampled after each:
 * the receiver runs in this process, so its buffers are what is measured. The
 * table is written to .build/reports/receiver-hostile.md.
 */
const ENV = 'prod';
const token = randomBytes(24).toString('hex');

interface HostileRequest {
  readonly what: string;
  readonly method?: string;
  readonly path?: string;
  readonly headers?: Readonly<Record<string, string | number>>;
  /** A body, or a stream of it, sent as it is produced (chunked when no content-length is given). */
  readonly body?: string | Buffer | (() => AsyncIterable<Buffer>);
  /** Close the connection after the body, before the end the headers promised. */
  readonly cut?: boolean;
  /** The status expected; 'closed' when the receiver may only close the connection (a client that went away has no one to answer). */
  readonly expect: number | 'closed';
  /** How many log lines the request leaves (one, unless it carries several alerts). */
  readonly lines?: number;
}

const AUTH = { authorization: `Bearer ${token}` };
const JSON_TYPE = { 'content-type': 'application/json' };
const GOOD = { ...AUTH, ...JSON_TYPE };
const webhook = (...alerts: Array<{ status?: string; labels: unknown }>) =>
  JSON.stringify({ version: '4', status: 'firing', alerts: alerts.map((a) => ({ status: 'firing', ...a })) });
const ROLLBACK_ALERT = webhook({ labels: { alertname: 'RollbackErrorRateHigh', job: 'backend', action: 'rollback' } });
/** A body of `bytes`, produced in 64 KiB chunks as a client streams it: never held whole by the sender either. */
const stream = (bytes: number) =>
  async function* () {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    for (let sent = 0; sent < bytes; sent += chunk.length) yield chunk;
  };

const HOSTILE: readonly HostileRequest[] = [
  { what: 'no credential', headers: JSON_TYPE, body: ROLLBACK_ALERT, expect: 401 },
  {
    what: 'a wrong bearer token of the same length',
    headers: { ...JSON_TYPE, authorization: `Bearer ${'0'.repeat(token.length)}` },
    body: ROLLBACK_ALERT,
    expect: 401,
  },
  {
    what: "the token's first 47 characters",
    headers: { ...JSON_TYPE, authorization: `Bearer ${token.slice(0, -1)}` },
    body: ROLLBACK_ALERT,
    expect: 401,
  },
  { what: 'the token and one more character', headers: { ...JSON_TYPE, authorization: `Bearer ${token}0` }, body: ROLLBACK_ALERT, expect: 401 },
  {
    what: 'the token as a basic-auth password',
    headers: { ...JSON_TYPE, authorization: `Basic ${Buffer.from(`alertmanager:${token}`).toString('base64')}` },
    body: ROLLBACK_ALERT,
    expect: 401,
  },
  { what: 'the token in the query string', path: `/alerts?token=${token}`, headers: JSON_TYPE, body: ROLLBACK_ALERT, expect: 401 },
  { what: '`Bearer` with no token', headers: { ...JSON_TYPE, authorization: 'Bearer ' }, body: ROLLBACK_ALERT, expect: 401 },
  { what: 'the token twice', headers: { ...JSON_TYPE, authorization: `Bearer ${token} ${token}` }, body: ROLLBACK_ALERT, expect: 401 },
  { what: 'GET /alerts', method: 'GET', headers: AUTH, expect: 405 },
  { what: 'PUT /alerts', method: 'PUT', headers: GOOD, body: ROLLBACK_ALERT, expect: 405 },
  { what: 'DELETE /alerts', method: 'DELETE', headers: GOOD, expect: 405 },
  { what: 'POST /', path: '/', headers: GOOD, body: ROLLBACK_ALERT, expect: 404 },
  { what: 'POST /alerts/ (a trailing slash)', path: '/alerts/', headers: GOOD, body: ROLLBACK_ALERT, expect: 404 },
  { what: "POST /api/v2/alerts (Alertmanager's own API path)", path: '/api/v2/alerts', headers: GOOD, body: ROLLBACK_ALERT, expect: 404 },
  { what: 'POST /alerts/../admin', path: '/alerts/../admin', headers: GOOD, body: ROLLBACK_ALERT, expect: 404 },
  { what: 'content-type text/plain', headers: { ...AUTH, 'content-type': 'text/plain' }, body: ROLLBACK_ALERT, expect: 415 },
  { what: 'no content-type', headers: AUTH, body: ROLLBACK_ALERT, expect: 415 },
  { what: 'a form post', headers: { ...AUTH, 'content-type': 'application/x-www-form-urlencoded' }, body: 'alerts=backend', expect: 415 },
  { what: 'malformed JSON', headers: GOOD, body: '{"alerts": [', expect: 400 },
  { what: 'JSON null', headers: GOOD, body: 'null', expect: 400 },
  { what: 'a JSON array', headers: GOOD, body: '[{"labels":{"job":"backend","action":"rollback"}}]', expect: 400 },
  { what: 'alerts as an object', headers: GOOD, body: '{"alerts":{"labels":{"job":"backend","action":"rollback"}}}', expect: 400 },
  { what: 'a body that is not UTF-8', headers: GOOD, body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), expect: 400 },
  { what: 'a declared body of 150 MB (never sent)', headers: { ...GOOD, 'content-length': 150 * 1024 * 1024 }, body: '{}', expect: 413 },
  { what: 'an 8 MiB body streamed without content-length', headers: GOOD, body: stream(8 * 1024 * 1024), expect: 413 },
  { what: '2000 alerts in one request', headers: GOOD, body: webhook(...Array.from({ length: 2000 }, () => ({ labels: {} }))), expect: 413 },
  { what: 'a 32 KiB header', headers: { ...GOOD, 'x-padding': 'a'.repeat(32 * 1024) }, body: ROLLBACK_ALERT, expect: 431 },
  {
    what: 'a body cut off before its content-length',
    headers: { ...GOOD, 'content-length': 4096 },
    body: ROLLBACK_ALERT,
    cut: true,
    expect: 'closed',
  },
  {
    what: 'prototype keys: __proto__ carrying service=backend',
    headers: GOOD,
    body: '{"alerts":[{"status":"firing","labels":{"__proto__":{"service":"backend","action":"rollback"},"alertname":"X"}}]}',
    expect: 200,
  },
  {
    what: 'prototype keys: service=constructor',
    headers: GOOD,
    body: webhook({ labels: { alertname: 'X', service: 'constructor', action: 'rollback' } }),
    expect: 200,
  },
  {
    what: 'prototype keys: service=__proto__',
    headers: GOOD,
    body: webhook({ labels: { alertname: 'X', service: '__proto__', action: 'rollback' } }),
    expect: 200,
  },
  {
    what: 'prototype keys: job=demo/hasOwnProperty',
    headers: GOOD,
    body: webhook({ labels: { alertname: 'X', job: 'demo/hasOwnProperty', action: 'rollback' } }),
    expect: 200,
  },
  {
    what: 'a newline in alertname forging a log line',
    headers: GOOD,
    body: webhook({
      labels: { alertname: 'X\nreceiver: RollbackErrorRateHigh fired for backend in prod: committed', job: 'frontend', action: 'rollback' },
    }),
    expect: 200,
  },
  {
    what: 'a service label with a newline and a Signed-off-by trailer',
    headers: GOOD,
    body: webhook({ labels: { alertname: 'X', service: 'backend\n\nSigned-off-by: Mallory <m@evil.example>', action: 'rollback' } }),
    expect: 200,
  },
  { what: 'labels as an array', headers: GOOD, body: webhook({ labels: ['backend', 'rollback'] }), expect: 200 },
  {
    what: 'labels that are not strings',
    headers: GOOD,
    body: webhook({ labels: { alertname: 'X', job: ['backend'], action: 'rollback' } }),
    expect: 200,
  },
  {
    what: 'a resolved rollback alert',
    headers: GOOD,
    body: webhook({ status: 'resolved', labels: { alertname: 'X', job: 'backend', action: 'rollback' } }),
    expect: 200,
  },
  {
    what: 'a firing alert without action=rollback',
    headers: GOOD,
    body: webhook({ labels: { alertname: 'X', job: 'backend', severity: 'critical' } }),
    expect: 200,
  },
  { what: 'an empty alerts array', headers: GOOD, body: webhook(), expect: 200 },
];

interface Answer {
  readonly status: number | 'closed';
}

/** One request as a raw client sends it: any method, path, header and body, or a connection cut mid-body. */
function send(url: string, r: HostileRequest): Promise<Answer> {
  const target = new URL(url);
  return new Promise((resolve) => {
    const request = http.request(
      { host: target.hostname, port: target.port, method: r.method ?? 'POST', path: r.path ?? target.pathname, headers: { ...r.headers } },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? 0 }));
      },
    );
    request.on('error', () => resolve({ status: 'closed' }));
    (async () => {
      try {
        if (typeof r.body === 'function') {
          for await (const chunk of r.body()) if (!request.write(chunk)) await new Promise((ok) => request.once('drain', ok));
        } else if (r.body !== undefined) request.write(r.body);
        if (r.cut) {
          await new Promise((ok) => setTimeout(ok, 100));
          request.destroy();
        } else request.end();
      } catch {
        // The receiver closed the connection mid-body: the answer (or the close) is what is recorded.
      }
    })();
  });
}

/** The receiver's own buffers and objects (it runs in this process): heap and array buffers, in MiB. */
const memoryMiB = () => {
  const m = process.memoryUsage();
  return (m.heapUsed + m.arrayBuffers) / 1024 / 1024;
};

describe('the rollback receiver under hostile requests (on loopback, prod, the real rollback behind it)', () => {
  let clone = '';
  let receiver: RunningReceiver;
  const log: string[] = [];
  const rows: string[] = [];
  beforeAll(async () => {
    clone = committedClone('receiver-hostile-');
    receiver = await startRollbackReceiver({
      env: ENV,
      token,
      migrating: () => Object.keys(readMigrationState(clone)[ENV] ?? {}),
      rollBack: async (service, reason) => (await rollBack(clone, { env: ENV, service, reason })).message,
      log: (line) => log.push(line),
    });
  }, 60_000);
  afterAll(async () => {
    await receiver?.close();
    fs.mkdirSync(path.join(ROOT, '.build', 'reports'), { recursive: true });
    fs.writeFileSync(
      path.join(ROOT, '.build', 'reports', 'receiver-hostile.md'),
      ['| request | answer | commits | memory while in flight (heap + buffers; + over the start) |', '|---|---|---|---|', ...rows, ''].join('\n'),
    );
  });

  let baseline = 0;
  test(`${HOSTILE.length} bad requests: each answered as expected with one log line, none commits, memory stays bounded`, async () => {
    baseline = memoryMiB();
    let peak = baseline;
    const problems: string[] = [];
    for (const r of HOSTILE) {
      const before = log.length;
      // Sampled while the request is in flight: what the receiver holds of a body, not what GC left after.
      let during = memoryMiB();
      const sampler = setInterval(() => (during = Math.max(during, memoryMiB())), 2);
      const answer = await send(receiver.url, r);
      clearInterval(sampler);
      await receiver.idle();
      // A refusal's line is written when the receiver answers; a cut connection's once the server sees the close.
      for (let i = 0; i < 50 && log.length === before; i++) await new Promise((ok) => setTimeout(ok, 10));
      const lines = log.slice(before);
      const commits = subjects(clone).length - 1;
      peak = Math.max(peak, during);
      rows.push(`| ${r.what} | ${answer.status} | ${commits} | ${during.toFixed(1)} MiB (+${Math.max(0, during - baseline).toFixed(1)}) |`);
      if (answer.status !== r.expect) problems.push(`${r.what}: answered ${answer.status}, expected ${r.expect}`);
      if (lines.length !== (r.lines ?? 1)) problems.push(`${r.what}: ${lines.length} log lines: ${JSON.stringify(lines)}`);
      if (commits !== 0) problems.push(`${r.what}: ${commits} commits`);
    }
    expect(HOSTILE.length).toBeGreaterThanOrEqual(30);
    expect(problems).toEqual([]);
    // Every line is one line: no forged receiver line, no newline from a label.
    expect(log.filter((l) => l.includes('\n') || !l.startsWith('receiver: '))).toEqual([]);
    // 150 MB declared and 8 MiB streamed: the receiver reads at most its 256 KiB limit of either.
    expect(peak - baseline).toBeLessThan(32);
    process.stdout.write(
      `receiver, hostile: ${HOSTILE.length} requests, 0 commits, ${log.length} log lines, memory peak +${(peak - baseline).toFixed(1)} MiB\n`,
    );
  }, 120_000);

  test('a flood of 200 concurrent unauthenticated requests: 200 refusals, 200 lines, no commit; then 20 concurrent firing alerts make one commit', async () => {
    const before = log.length;
    const flood = await Promise.all(Array.from({ length: 200 }, () => send(receiver.url, HOSTILE[0])));
    expect(flood.filter((a) => a.status !== 401)).toEqual([]);
    expect(log.slice(before).filter((l) => l !== 'receiver: refused 127.0.0.1: no bearer token')).toEqual([]);
    expect(log.length - before).toBe(200);
    expect(subjects(clone)).toEqual(['the working tree']);
    rows.push(`| 200 concurrent, no credential | 401 x200 | 0 | ${memoryMiB().toFixed(1)} MiB after |`);

    // Concurrent firing alerts for the same service: one rollback, the rest join it (or find it done).
    const firing = await Promise.all(
      Array.from({ length: 20 }, () => send(receiver.url, { what: 'firing', headers: GOOD, body: ROLLBACK_ALERT, expect: 200 })),
    );
    await receiver.idle();
    expect(firing.map((a) => a.status)).toEqual(Array.from({ length: 20 }, () => 200));
    expect(subjects(clone)).toEqual(['rollback: backend in prod back to the DC (switching 100% -> 0%)', 'the working tree']);
    rows.push('| 20 concurrent firing alerts for backend, with the token | 200 x20 | 1 | - |');
  }, 120_000);

  test('a full queue answers 503 with retry-after, and the listener keeps answering while a rollback runs', async () => {
    // A receiver whose rollbacks wait on a gate: the queue fills as it would behind a slow push.
    let open: () => void = () => undefined;
    const gate = new Promise<void>((ok) => (open = ok));
    const services = Array.from({ length: 10 }, (_, i) => `svc${i}`);
    const slow = await startRollbackReceiver({
      env: ENV,
      token,
      maxQueue: 8,
      migrating: () => services,
      rollBack: async (service) => {
        await gate;
        return `${service} held`;
      },
      log: () => undefined,
    });
    try {
      const fire = (service: string) =>
        send(slow.url, { what: service, headers: GOOD, body: webhook({ labels: { alertname: 'X', service, action: 'rollback' } }), expect: 200 });
      const waiting = services.slice(0, 8).map(fire);
      await new Promise((ok) => setTimeout(ok, 200));
      // The listener answers while eight rollbacks wait: a refusal at once, and 503 for the ninth service.
      expect(await send(slow.url, HOSTILE[0])).toEqual({ status: 401 });
      expect(await fire('svc8')).toEqual({ status: 503 });
      open();
      expect((await Promise.all(waiting)).map((a) => a.status)).toEqual(Array.from({ length: 8 }, () => 200));
      rows.push('| a ninth service while 8 rollbacks wait | 503 (retry-after) | 0 | - |');
    } finally {
      await slow.close();
    }
  });
});
