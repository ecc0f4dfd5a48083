import { createHash, timingSafeEqual } from 'crypto';
import * as http from 'http';
import * as https from 'https';
import { AddressInfo, isIPv4, Socket } from 'net';
import { NAMESPACES } from '../lib/namespaces';
import { singleLine } from './git';

/**
 * The Alertmanager webhook that makes seed 10-3's rollback criteria automatic
 * triggers. Alertmanager routes alerts labelled `action="rollback"` here; for
 * each firing alert that names a service being migrated in this receiver's
 * environment, it asks `rollBack` for the one change a person would commit.
 * Everything else (resolved alerts, services not migrating) is answered and
 * logged, never acted on.
 *
 * It writes to the git that production runs, so it trusts nothing it is sent:
 * the caller shows the bearer token Alertmanager's `http_config` sends
 * (compared in constant time), only `POST /alerts` with a JSON body of bounded
 * size is read, labels are taken as single-line strings of their own keys, and
 * the answer waits for the rollback: 200 once it is committed (and pushed), 5xx
 * when it is not, so Alertmanager sends it again. One rollback runs at a time,
 * off the listener's thread, with a bounded queue behind it.
 */

/** The parts of Alertmanager's webhook payload (version 4) the receiver reads. */
export interface AlertmanagerWebhook {
  readonly version: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: ReadonlyArray<{ readonly status: 'firing' | 'resolved'; readonly labels: Readonly<Record<string, string>> }>;
}

export interface ReceiverProps {
  /** The environment whose Alertmanager calls this receiver. */
  readonly env: string;
  /** The services migrating in that environment, by Service name. */
  readonly migrating: () => readonly string[];
  /** Commits (and pushes) the rollback of one service; resolves with what it did, rejects when the rollback did not land. */
  readonly rollBack: (service: string, reason: string) => Promise<string>;
  readonly log: (line: string) => void;
  /** The bearer token Alertmanager sends (`http_config.authorization`); never from git. */
  readonly token: string;
  /** Serve HTTPS with this certificate and key (PEM), as prod's Alertmanager config expects. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Loopback by default; the lab binds the address Alertmanager reaches. */
  readonly host?: string;
  readonly port?: number;
  /** The largest body read, in bytes (Alertmanager's payloads are a few KiB). */
  readonly maxBodyBytes?: number;
  /** Rollbacks waiting behind the running one, at most; beyond, 503 and Alertmanager tries again. */
  readonly maxQueue?: number;
}

/** The only path the receiver answers. */
export const RECEIVER_PATH = '/alerts';
/** Shorter tokens are refused at start: a guessable token protects nothing. */
export const MIN_TOKEN_LENGTH = 24;

/**
 * The service an alert is about: the `service` label when a rule sets one, else the job (OTLP's
 * `service.namespace/service.name`, so the last part), else the Deployment behind a pod of the demo
 * namespace (kube-state-metrics' CrashLoopBackOff series name the pod, not its Deployment).
 */
export function serviceOfAlert(labels: Readonly<Record<string, string>>): string | undefined {
  const label = (key: string) => (Object.hasOwn(labels, key) && typeof labels[key] === 'string' ? labels[key] : undefined);
  if (label('service')) return label('service');
  if (label('job')) return label('job')!.split('/').pop();
  if (label('pod') && label('namespace') === NAMESPACES.demo) return /^(.+)-[a-z0-9]{5,10}-[a-z0-9]{5}$/.exec(label('pod')!)?.[1];
  return undefined;
}

/** Loopback: only this machine reaches it. */
const isLoopback = (host: string) => host === 'localhost' || (isIPv4(host) && host.startsWith('127.')) || host === '::1';

/** What to say at start when the token would cross a network in clear: plain HTTP on an address other machines reach. */
export function plainHttpWarning(host: string, tls: boolean): string | undefined {
  if (tls || isLoopback(host)) return undefined;
  return `plain HTTP on ${host}, which other machines (or containers) reach: the token crosses that network in clear; give --tls-cert and --tls-key, or put the receiver behind the mesh's mTLS`;
}

export interface RunningReceiver {
  readonly url: string;
  /** Resolves when every rollback started so far has ended. */
  readonly idle: () => Promise<void>;
  readonly close: () => Promise<void>;
}

/** Why a request is refused: its HTTP status, and the one line the log gets. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** The body, read as a stream and refused past `max` bytes without holding more than that. */
function readBody(request: http.IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers['content-length'] ?? NaN);
    if (declared > max) return reject(new Refusal(413, `a body of ${declared} bytes (at most ${max})`));
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        request.removeAllListeners('data');
        request.resume();
        reject(new Refusal(413, `a body over ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    // A client that goes away mid-body: nothing was asked for, so nothing is done (a settled promise ignores the rest).
    const cut = () => reject(new Refusal(400, `a body cut off after ${size} bytes (the client went away)`));
    request.on('error', cut);
    request.on('close', () => {
      if (!request.complete) cut();
    });
  });
}

/** The payload as Alertmanager's webhook sends it, or a refusal naming what is wrong; labels keep their own string keys only. */
function parseWebhook(body: Buffer): AlertmanagerWebhook {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refusal(400, 'a body that is not JSON');
  }
  const alerts = (raw as { alerts?: unknown })?.alerts;
  if (!Array.isArray(alerts)) throw new Refusal(400, 'JSON without an alerts array (not an Alertmanager webhook)');
  if (alerts.length > 1000) throw new Refusal(413, `${alerts.length} alerts in one request`);
  return {
    version: String((raw as { version?: unknown }).version ?? ''),
    status: (raw as { status?: unknown }).status === 'resolved' ? 'resolved' : 'firing',
    alerts: alerts.map((a) => {
      const labels = Object.create(null) as Record<string, string>;
      const given = (a as { labels?: unknown })?.labels;
      if (given && typeof given === 'object' && !Array.isArray(given))
        for (const [key, value] of Object.entries(given)) if (typeof value === 'string') labels[key] = singleLine(value, 120);
      return { status: (a as { status?: unknown })?.status === 'resolved' ? 'resolved' : 'firing', labels };
    }),
  };
}

export async function startRollbackReceiver(props: ReceiverProps): Promise<RunningReceiver> {
  if (props.token.length < MIN_TOKEN_LENGTH)
    throw new Error(`the receiver's token has ${props.token.length} characters; it needs at least ${MIN_TOKEN_LENGTH}`);
  const expected = digest(props.token);
  const maxBody = props.maxBodyBytes ?? 256 * 1024;
  const maxQueue = props.maxQueue ?? 8;
  // One rollback at a time: each is a commit on the same branch. A service already queued joins that rollback.
  let chain: Promise<unknown> = Promise.resolve();
  const queued = new Map<string, Promise<string>>();
  const rollBackOnce = (service: string, reason: string): Promise<string> => {
    const waiting = queued.get(service);
    if (waiting) return waiting;
    if (queued.size >= maxQueue) return Promise.reject(new Refusal(503, `${queued.size} rollbacks already wait; try again`, { 'retry-after': '30' }));
    const done = chain.then(() => props.rollBack(service, reason)).finally(() => queued.delete(service));
    queued.set(service, done);
    chain = done.catch(() => undefined);
    return done;
  };

  /** What one webhook asks for, acted on: resolves once every rollback it names has landed. */
  const act = async (body: AlertmanagerWebhook): Promise<string[]> => {
    const work: Array<Promise<string>> = [];
    const said: string[] = [];
    for (const alert of body.alerts) {
      const name = alert.labels.alertname ?? '(no alertname)';
      const service = serviceOfAlert(alert.labels);
      if (alert.status !== 'firing') {
        said.push(`${name} for ${service ?? '?'} resolved; a rollback stays until a reviewed commit moves the service forward again`);
        continue;
      }
      if (alert.labels.action !== 'rollback') {
        said.push(`${name} is not a rollback alert (action="${alert.labels.action ?? ''}"); ignored`);
        continue;
      }
      if (!service || !props.migrating().includes(service)) {
        said.push(`${name} for ${service ?? 'no service'} in ${props.env}: not a migrating service; ignored`);
        continue;
      }
      work.push(rollBackOnce(service, `${name} fired (Alertmanager)`).then((what) => `${name} fired for ${service} in ${props.env}: ${what}`));
    }
    if (body.alerts.length === 0) said.push('a webhook with no alerts; nothing to do');
    return [...said, ...(await Promise.all(work))];
  };

  const handle = async (request: http.IncomingMessage): Promise<{ status: number; lines: string[] }> => {
    const url = new URL(request.url ?? '/', 'http://receiver');
    if (url.pathname !== RECEIVER_PATH) throw new Refusal(404, `a request for ${singleLine(url.pathname, 80)} (only ${RECEIVER_PATH} is served)`);
    if (request.method !== 'POST') throw new Refusal(405, `a ${singleLine(request.method ?? '?', 10)} request (only POST)`, { allow: 'POST' });
    const auth = request.headers.authorization ?? '';
    // The scheme is case-insensitive (RFC 9110); the token is not.
    const given = /^Bearer +(\S+)$/i.exec(auth)?.[1];
    // Equal-length digests, compared in constant time: the comparison tells nothing of the token.
    if (!given || !timingSafeEqual(digest(given), expected))
      throw new Refusal(401, given ? 'a wrong bearer token' : 'no bearer token', { 'www-authenticate': 'Bearer realm="rollback-receiver"' });
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') throw new Refusal(415, `content type '${singleLine(type, 40)}' (only application/json)`);
    const body = parseWebhook(await readBody(request, maxBody));
    return { status: 200, lines: await act(body) };
  };

  // Sockets with a request in the listener's hands: when such a client goes away, the request's own line says so.
  const inRequest = new WeakSet<Socket>();
  const listener = (request: http.IncomingMessage, response: http.ServerResponse) => {
    const from = `${request.socket.remoteAddress ?? '?'}`;
    inRequest.add(request.socket);
    response.on('close', () => inRequest.delete(request.socket));
    handle(request).then(
      ({ status, lines }) => {
        for (const line of lines) props.log(`receiver: ${line}`);
        response.writeHead(status).end();
      },
      (error: Error) => {
        const refusal = error instanceof Refusal ? error : undefined;
        // A rollback that did not land: 500, and Alertmanager sends the alert again.
        const status = refusal?.status ?? 500;
        props.log(
          refusal && status < 500
            ? `receiver: refused ${from}: ${refusal.message}`
            : `receiver: rollback in ${props.env} did not land, answered ${status} so Alertmanager retries: ${singleLine(error.message, 400)}`,
        );
        // A refused body is not read further: the connection closes.
        response.writeHead(status, { ...refusal?.headers, connection: 'close' }).end();
        if (status === 413) request.socket.end();
      },
    );
  };
  const server = props.tls ? https.createServer({ cert: props.tls.cert, key: props.tls.key }, listener) : http.createServer(listener);
  // What Node's parser refuses before a request exists (headers over 16 KiB, a malformed request line): one line and an answer, like any refusal.
  server.on('clientError', (error: NodeJS.ErrnoException, duplex) => {
    const socket = duplex as Socket;
    const code = error.code ?? 'a malformed request';
    if (inRequest.has(socket)) {
      socket.destroy();
      return;
    }
    if (code === 'ECONNRESET' || !socket.writable) {
      props.log(`receiver: refused ${socket.remoteAddress ?? '?'}: the connection closed mid-request (${code})`);
      socket.destroy();
      return;
    }
    const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
    props.log(`receiver: refused ${socket.remoteAddress ?? '?'}: ${code === 'HPE_HEADER_OVERFLOW' ? 'headers over the 16 KiB Node reads' : code}`);
    socket.end(`HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`);
  });
  // Slow or idle clients cannot hold the listener.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  server.maxHeadersCount = 50;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(props.port ?? 0, props.host ?? '127.0.0.1', resolve);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `${props.tls ? 'https' : 'http'}://${host}:${address.port}${RECEIVER_PATH}`,
    idle: async () => {
      for (let seen: Promise<unknown> | undefined; seen !== chain;) await (seen = chain);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
