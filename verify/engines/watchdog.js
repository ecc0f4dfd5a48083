#!/usr/bin/env node
// Runs one command for the control-plane harness and ends it, by its own PID,
// when the harness goes away: our stdin is a pipe from the harness, so it
// closes even when the harness is killed with SIGKILL or crashes in a test.
//   node verify/engines/watchdog.js <pid file> <command> [args...]
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');

const [pidFile, command, ...args] = process.argv.slice(2);
const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
fs.writeFileSync(pidFile, String(child.pid));
const stop = () => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  setTimeout(() => child.exitCode === null && child.signalCode === null && child.kill('SIGKILL'), 5000).unref();
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
