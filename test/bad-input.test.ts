import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { readTree, ROOT } from './helpers';

/**
 * Every command given a bad input, as a hostile user would: one line on
 * stderr that says what is wrong and what to do, a non-zero exit, no stack
 * trace, and dist/ byte for byte as before. The table is written to
 * .build/reports/bad-input.md. (Inputs that need a broken copy of the project,
 * such as a read-only dist/ or a duplicated environment name, are in
 * synth.test.ts and environments.test.ts; setup.sh's are in bootstrap.test.ts.)
 */
/** The receiver's token variable, unset for every input but those that give it. */
const TOKEN_VARIABLE = 'ROLLBACK_RECEIVER_TOKEN';
const A_TOKEN = { [TOKEN_VARIABLE]: 'a'.repeat(48) };

const BAD_INPUTS: ReadonlyArray<{
  readonly command: string;
  readonly args: readonly string[];
  readonly says: RegExp;
  readonly env?: Readonly<Record<string, string>>;
}> = [
  { command: 'main.ts', args: ['--env', 'nope'], says: /unknown environment 'nope': use --env with one of/ },
  { command: 'main.ts', args: ['--env', '__proto__'], says: /unknown environment '__proto__'/ },
  { command: 'main.ts', args: ['--env', 'constructor'], says: /unknown environment 'constructor'/ },
  { command: 'main.ts', args: ['--bogus'], says: /unknown argument '--bogus'; usage:/ },
  { command: 'main.ts', args: ['--out', 'package.json'], says: /package\.json is a file, not a folder/ },
  { command: 'verify/scripts/images.ts', args: ['--env', '__proto__'], says: /--env '__proto__' is not one of/ },
  { command: 'verify/scripts/images.ts', args: ['--env', 'dev', '--env', 'prod'], says: /--env given twice/ },
  {
    command: 'verify/scripts/images.ts',
    args: ['--env', 'prod', '--registry', 'https://harbor.example.com'],
    says: /registry must be a registry host\[:port\]\[\/path\] without scheme/,
  },
  { command: 'verify/scripts/images.ts', args: ['--env', 'prod', '--registry', 'harbor.example.com/lab/'], says: /registry must be a registry host/ },
  { command: 'verify/scripts/diff.ts', args: ['--fail-on', 'prd'], says: /--fail-on 'prd' is not one of/ },
  { command: 'verify/scripts/diff.ts', args: ['--fail-on', 'PROD'], says: /--fail-on 'PROD' is not one of/ },
  { command: 'verify/scripts/scan.ts', args: ['--env', 'nope'], says: /--env 'nope' is not one of/ },
  { command: 'verify/scripts/scan.ts', args: ['--bogus'], says: /unknown argument '--bogus'/ },
  { command: 'verify/scripts/validate-schemas.ts', args: ['--env', 'nope'], says: /--env 'nope' is not one of/ },
  { command: 'verify/scripts/validate-schemas.ts', args: ['--bogus'], says: /unknown argument '--bogus'/ },
  { command: 'verify/scripts/hydrate.ts', args: ['--env', 'nope'], says: /--env 'nope' is not one of/ },
  { command: 'verify/scripts/e2e.ts', args: ['--env', 'nope'], says: /--env 'nope' is not one of/ },
  { command: 'verify/scripts/cluster.ts', args: ['bogus'], says: /unknown action 'bogus'; known: up, down, status/ },
  { command: 'verify/scripts/tools.ts', args: ['nope'], says: /unknown tool 'nope'; known:/ },
  { command: 'verify/scripts/bench.ts', args: ['--bogus'], says: /unknown argument '--bogus'/ },
  { command: 'verify/scripts/import-crds.ts', args: ['--bogus'], says: /unknown argument '--bogus'/ },
  { command: 'verify/scripts/import-crds.ts', args: ['--mirror', '/nonexistent-mirror'], says: /mirror folder \/nonexistent-mirror does not exist/ },
  { command: 'ops/scripts/rollback.ts', args: ['--env', 'nope', '--service', 'backend', '--reason', 'x'], says: /--env 'nope' is not one of/ },
  {
    command: 'ops/scripts/rollback.ts',
    args: ['--env', 'dev', '--service', 'backend'],
    says: /--reason is required; usage: npm run rollback -- --env <dev\|dev-no-mesh\|stg\|prod> --service <service> --reason <why> \[--push\]/,
  },
  {
    command: 'ops/scripts/rollback.ts',
    args: ['--env', 'dev', '--service', 'frontend', '--reason', 'x'],
    says: /'frontend' is not migrating in dev \(config\/migration-state.json lists backend\)/,
  },
  { command: 'ops/scripts/rollback-receiver.ts', args: ['--env', 'nope'], says: /--env 'nope' is not one of/ },
  { command: 'ops/scripts/promote.ts', args: ['--from', 'qa', '--to', 'prod'], says: /--from 'qa' is not one of dev, stg, prod/ },
  { command: 'ops/scripts/promote.ts', args: ['--to', 'prod'], says: /--from is required; usage: npm run promote -- --from <[^>]+> --to <[^>]+>$/ },
  {
    command: 'ops/scripts/promote.ts',
    args: ['--from', 'stg', '--to', 'prod'],
    says: /refused: prod already runs stg's release; nothing to promote/,
  },
  { command: 'ops/scripts/rollback-receiver.ts', args: ['--env', 'dev', '--listen', 'localhost'], says: /--listen 'localhost' is not host:port/ },
  { command: 'ops/scripts/rollback-receiver.ts', args: ['--env', 'dev'], says: /no credential: give --token-file .* or \$ROLLBACK_RECEIVER_TOKEN/ },
  {
    command: 'ops/scripts/rollback-receiver.ts',
    args: ['--env', 'dev', '--token-file', '/nonexistent-token'],
    says: /--token-file \/nonexistent-token: no such file/,
  },
  {
    command: 'ops/scripts/rollback-receiver.ts',
    args: ['--env', 'dev'],
    env: { [TOKEN_VARIABLE]: 'changeme' },
    says: /the token has 8 characters; use at least 24/,
  },
  {
    command: 'ops/scripts/rollback-receiver.ts',
    args: ['--env', 'dev', '--listen', '0.0.0.0:9095'],
    env: A_TOKEN,
    says: /--listen 0\.0\.0\.0:9095 answers every network this machine is on; .* add --listen-all/,
  },
  {
    command: 'ops/scripts/rollback-receiver.ts',
    args: ['--env', 'dev', '--tls-cert', 'cert.pem'],
    env: A_TOKEN,
    says: /--tls-cert and --tls-key go together/,
  },
];

const treeHash = () =>
  createHash('sha256')
    .update(JSON.stringify(readTree(path.join(ROOT, 'dist'))))
    .digest('hex');

describe('bad input: one line, a non-zero exit, dist/ untouched', () => {
  const rows: string[] = [];
  afterAll(() => {
    fs.mkdirSync(path.join(ROOT, '.build', 'reports'), { recursive: true });
    fs.writeFileSync(
      path.join(ROOT, '.build', 'reports', 'bad-input.md'),
      ['| input | exit | lines | dist/ untouched | says |', '|---|---|---|---|---|', ...rows, ''].join('\n'),
    );
  });

  test.each(BAD_INPUTS.map((b) => [`${b.command} ${b.args.join(' ')}`, b] as const))('%s', (_, input) => {
    const before = treeHash();
    const env = Object.fromEntries(Object.entries({ ...process.env, ...input.env }).filter(([k]) => k !== TOKEN_VARIABLE || input.env?.[k]));
    const result = spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), input.command, ...input.args], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
    });
    const lines = result.stderr.trim().split('\n');
    const untouched = treeHash() === before;
    rows.push(
      `| \`${input.command} ${input.args.join(' ')}\` | ${result.status} | ${lines.length} | ${untouched ? 'yes' : 'NO'} | ${lines[0].replace(/\|/g, '\\|')} |`,
    );
    expect({ exit: result.status, lines: lines.length, stack: /\n\s+at /.test(result.stderr), untouched, stdout: result.stdout }).toEqual({
      exit: 2,
      lines: 1,
      stack: false,
      untouched: true,
      stdout: '',
    });
    expect(lines[0]).toMatch(input.says);
  });
});

describe('--help: every command prints its usage and exits 0', () => {
  const commands = [...new Set(BAD_INPUTS.map((b) => b.command)), 'verify/scripts/exercise.ts'];
  test.each(commands)('%s --help', (command) => {
    const result = spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), command, '--help'], { cwd: ROOT, encoding: 'utf8' });
    expect({ exit: result.status, stderr: result.stderr }).toEqual({ exit: 0, stderr: '' });
    expect(result.stdout).toMatch(/^usage: npm run \S+/);
  });
});

describe('npm test takes no arguments', () => {
  const run = (...args: string[]) => spawnSync('bash', ['verify/scripts/test.sh', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 10_000 });

  test('--help prints what it runs and how to run some suites, and starts nothing', () => {
    const result = run('--help');
    expect([result.status, result.stdout.trim().split('\n').length]).toEqual([0, 1]);
    expect(result.stdout).toMatch(/^usage: npm test \(no arguments\):.*npx jest <pattern>/);
  });

  test('any other argument is one line and exit 2, not a full run', () => {
    const result = run('network-policies');
    expect([result.status, result.stdout, result.stderr.trim().split('\n').length]).toEqual([2, '', 1]);
    expect(result.stderr).toMatch(/^test: error: npm test takes no arguments \(got 'network-policies'\); usage:/);
  });
});
