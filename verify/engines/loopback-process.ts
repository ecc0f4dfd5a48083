import { ChildProcess, spawn } from 'child_process';
import * as net from 'net';

/**
 * A server the tests start from a pinned binary, on loopback only: it gets a
 * free port, is ready when its readiness path answers 200, and is ended by its
 * own PID (SIGTERM) when the caller stops it or when it fails to come up.
 */

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export interface LoopbackProcess {
  readonly url: string;
  readonly pid: number;
  readonly logs: () => string;
  readonly stop: () => Promise<void>;
}

export interface LoopbackProcessProps {
  /** Names the server in failure messages. */
  readonly name: string;
  readonly binary: string;
  /** The command line, given the port it listens on. */
  readonly args: (port: number) => readonly string[];
  /** Answers 200 once the server is ready, e.g. `/-/ready`. */
  readonly readyPath: string;
  readonly readySeconds: number;
  readonly cwd?: string;
}

const lastLines = (logs: string) => logs.trim().split('\n').slice(-3).join(' | ');

export async function startLoopbackProcess(props: LoopbackProcessProps): Promise<LoopbackProcess> {
  const port = await freePort();
  let logs = '';
  const child: ChildProcess = spawn(props.binary, [...props.args(port)], { cwd: props.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => (logs += d));
  child.stderr!.on('data', (d) => (logs += d));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const deadline = Date.now() + props.readySeconds * 1000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${props.name} exited with ${child.exitCode}: ${lastLines(logs)}`);
    try {
      if ((await fetch(`${url}${props.readyPath}`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${props.name} not ready within ${props.readySeconds} s: ${lastLines(logs)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { url, pid: child.pid!, logs: () => logs, stop };
}
