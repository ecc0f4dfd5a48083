#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild bundles our sources (dependencies
// stay external) into .build/, then Node runs it in this process. Type checks
// belong to `npm test` (tsc --noEmit), not to every synth.
//
// The bundle is reused while every source it was built from has the size and
// modification time recorded at build time (esbuild's own list of inputs), so an
// unchanged tree skips esbuild entirely. The source map is a separate file: Node
// only reads it with --enable-source-maps, and an inline map doubles what it parses.
'use strict';
const fs = require('fs');
const path = require('path');

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node lib/run-ts.js <entry.ts> [args...]');
  process.exit(2);
}
const root = path.resolve(__dirname, '..');
const outfile = path.join(root, '.build', path.basename(entry).replace(/\.ts$/, '.js'));
const stampFile = `${outfile}.inputs.json`;

const stamp = (file) => {
  try {
    const s = fs.statSync(path.join(root, file));
    return `${s.size}:${s.mtimeMs}`;
  } catch {
    return 'missing';
  }
};

function upToDate() {
  let recorded;
  try {
    recorded = JSON.parse(fs.readFileSync(stampFile, 'utf8'));
  } catch {
    return false;
  }
  if (recorded.entry !== path.resolve(entry) || recorded.esbuild !== require('esbuild/package.json').version || !fs.existsSync(outfile)) return false;
  return Object.entries(recorded.inputs).every(([file, s]) => stamp(file) === s);
}

/**
 * esbuild's answer to a source that does not compile, as the one line every command prints:
 * the command's name (synth for main.ts), the first error with its place, and what to do.
 */
function compileError(error) {
  const first = error.errors && error.errors[0];
  if (!first) return undefined;
  const where = first.location ? `${first.location.file}:${first.location.line}:${first.location.column}: ` : '';
  const name = path.basename(entry) === 'main.ts' ? 'synth' : path.basename(entry, '.ts');
  const more = error.errors.length > 1 ? ` (and ${error.errors.length - 1} more)` : '';
  // A data file (config/releases.json, config/migration-state.json) is JSON, not TypeScript: say which to fix.
  if (first.location && first.location.file.endsWith('.json'))
    return `${name}: error: ${where}${first.text}${more}; fix the JSON in ${first.location.file} and run again`;
  return `${name}: error: ${where}${first.text}${more}; fix the TypeScript and run again (npm run typecheck lists every error)`;
}

if (!upToDate()) {
  let result;
  try {
    result = require('esbuild').buildSync({
      entryPoints: [path.resolve(entry)],
      outfile,
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      packages: 'external',
      sourcemap: 'linked',
      metafile: true,
      write: false,
      logLevel: 'silent',
      absWorkingDir: root,
    });
  } catch (error) {
    const line = compileError(error);
    if (!line) throw error;
    // Nothing was written: the bundle and its stamp are replaced only after a successful build.
    console.error(line);
    process.exit(2);
  }
  for (const warning of result.warnings) console.error(`esbuild: warning: ${warning.text}`);
  // Each output is renamed into place, so a concurrent run never loads a half-written bundle.
  fs.mkdirSync(path.dirname(outfile), { recursive: true });
  for (const file of result.outputFiles) {
    fs.writeFileSync(`${file.path}.${process.pid}`, file.contents);
    fs.renameSync(`${file.path}.${process.pid}`, file.path);
  }
  const inputs = Object.fromEntries(Object.keys(result.metafile.inputs).map((file) => [file, stamp(file)]));
  // Written after the bundle, under a temporary name, so a stamp never vouches for a half-written bundle.
  fs.writeFileSync(
    `${stampFile}.${process.pid}`,
    JSON.stringify({ entry: path.resolve(entry), esbuild: require('esbuild/package.json').version, inputs }),
  );
  fs.renameSync(`${stampFile}.${process.pid}`, stampFile);
}
process.argv = [process.argv[0], outfile, ...args];
try {
  require(outfile);
} catch (error) {
  // A committed data file that the config reads while it loads (config/releases.json,
  // config/migration-state.json) fails before any command's own handler runs: the same one line.
  if (!error || error.name !== 'UserError') throw error;
  const name = path.basename(entry) === 'main.ts' ? 'synth' : path.basename(entry, '.ts');
  console.error(`${name}: error: ${String(error.message).replace(/\s*\n\s*/g, ' ')}`);
  process.exit(2);
}
