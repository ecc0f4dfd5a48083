#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild bundles our sources (dependencies
// stay external) into .build/, then Node runs it in this process. Type checks
// belong to `npm test` (tsc --noEmit), not to every synth.
'use strict';
const path = require('path');
const esbuild = require('esbuild');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.js <entry.ts> [args...]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', path.basename(entry).replace(/\.ts$/, '.js'));
esbuild.buildSync({
  entryPoints: [path.resolve(entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
});
process.argv = [process.argv[0], outfile, ...args];
require(outfile);
