/**
 * Wall time of a full synth (all environments), as the user runs it, against
 * cdk8s's default app command `npx ts-node main.ts`, measured in the same run.
 * Timings on shared machines are noisy: read the ratio, not the absolute numbers.
 *
 *   npm run bench [-- --runs 5]
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { performance } from 'perf_hooks';

const ROOT = path.resolve(__dirname, '..');
const runsArg = process.argv.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(process.argv[runsArg + 1]) : 5;

interface Candidate {
  readonly label: string;
  readonly command: string;
  readonly args: (out: string) => string[];
}

const CANDIDATES: Candidate[] = [
  { label: 'npm run synth', command: 'npm', args: (out) => ['run', '--silent', 'synth', '--', '--out', out] },
  { label: 'node scripts/run-ts.js main.ts', command: process.execPath, args: (out) => ['scripts/run-ts.js', 'main.ts', '--out', out] },
  { label: 'npx ts-node main.ts (cdk8s default)', command: 'npx', args: (out) => ['ts-node', 'main.ts', '--out', out] },
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function time(candidate: Candidate): number[] {
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-'));
    const start = performance.now();
    const result = spawnSync(candidate.command, candidate.args(out), { cwd: ROOT, encoding: 'utf8' });
    samples.push(performance.now() - start);
    fs.rmSync(out, { recursive: true, force: true });
    if (result.status !== 0) throw new Error(`${candidate.label} failed: ${result.stderr}`);
  }
  return samples;
}

const results = CANDIDATES.map((c) => ({ label: c.label, samples: time(c) }));
const baseline = median(results[results.length - 1].samples);
console.log(`bench: ${RUNS} runs each, all environments, ${os.cpus().length} CPUs`);
for (const { label, samples } of results) {
  const m = median(samples);
  console.log(`  ${label.padEnd(38)} median ${m.toFixed(0).padStart(6)} ms  min ${Math.min(...samples).toFixed(0).padStart(6)} ms  ratio ${(m / baseline).toFixed(3)}`);
}
