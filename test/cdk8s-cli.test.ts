import { spawnSync, SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { CDK8S_CLI_OUTDIR } from '../lib/cli';
import { chartMirror, crdMirror } from '../verify/engines/mirrors';
import { readTree, ROOT, tempDir } from './helpers';

/**
 * The real cdk8s CLI (`npx cdk8s synth`), the first command a cdk8s user
 * types, in a temp copy: it empties its output folder before it runs the app,
 * so that folder (cdk8s.yaml `output:`) is a scratch folder and dist/ is
 * written by the app as `npm run synth` writes it.
 */
const SKIPPED = new Set(['node_modules', '.build', '.git', '.hydrated', '.tools', '.cluster']);

describe('npx cdk8s synth', () => {
  const copy = path.join(tempDir('cdk8s-cli-'), 'project');
  // The copy sits outside the checkout, so the validation plugin finds the mirrors through CRD_MIRROR and CHART_MIRROR
  // (Kong's CRDs are mirrored inside a chart archive).
  // stdout goes to a file, as a terminal would take it: the CLI exits with 2 before a pipe has drained its report
  // (measured: 19 to 35 KB of a 35 KB report arrived through a pipe), a file gets all of it.
  const cdk8s = (...args: string[]): SpawnSyncReturns<string> => {
    const out = path.join(tempDir('cdk8s-stdout-'), 'stdout');
    const fd = fs.openSync(out, 'w');
    try {
      const run = spawnSync(path.join(ROOT, 'node_modules', '.bin', 'cdk8s'), ['synth', ...args], {
        cwd: copy,
        encoding: 'utf8',
        stdio: ['ignore', fd, 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, CRD_MIRROR: crdMirror() ?? '', CHART_MIRROR: chartMirror() ?? '' },
      });
      return { ...run, stdout: fs.readFileSync(out, 'utf8') };
    } finally {
      fs.closeSync(fd);
    }
  };
  const dist = () => readTree(path.join(copy, 'dist'));

  beforeAll(() => {
    fs.mkdirSync(copy);
    for (const entry of fs.readdirSync(ROOT)) if (!SKIPPED.has(entry)) fs.cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(copy, 'node_modules'));
  });

  test('cdk8s.yaml sends the CLI to the scratch folder the app knows, never to dist/', () => {
    expect(YAML.parse(fs.readFileSync(path.join(ROOT, 'cdk8s.yaml'), 'utf8')).output).toBe(CDK8S_CLI_OUTDIR);
  });

  test('renders dist/ as npm run synth does, and every object for the CLI', () => {
    const before = dist();
    const r = cdk8s();
    expect({ status: r.status, line: r.stderr.match(/^synth: .*$/m)?.[0] }).toEqual({
      status: 0,
      line: expect.stringMatching(/^synth: 4 environments .* files written to dist\/, and to \.build\/cdk8s\/ for the cdk8s CLI/),
    });
    expect(dist()).toEqual(before);
    expect(fs.readFileSync(path.join(copy, CDK8S_CLI_OUTDIR, 'dev', 'demo', 'deployment-backend.yaml'), 'utf8')).toBe(
      `---\n${before['dev/demo/deployment-backend.yaml']}`,
    );
  });

  test("cdk8s.yaml's validation plugin runs the schema check on what synth wrote, and reports success", () => {
    const r = cdk8s();
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Status\s*│ success/);
    expect(r.stdout).toMatch(/kubeconform \(strict\)/);
    expect(r.stdout).toMatch(/Validations ended succesfully/);
  });

  test('seeded break: a value of the wrong type (replicas as a string) fails the validation plugin, and the CLI exits non-zero', () => {
    const chart = path.join(copy, 'charts/config-file-service.ts');
    const source = fs.readFileSync(chart, 'utf8');
    fs.writeFileSync(chart, source.replace('        replicas: props.replicas,', '        replicas: String(props.replicas) as unknown as number,'));
    try {
      const r = cdk8s();
      // One object, so that a failure shows how the CLI ended (exit code, signal, its last words) and not one field alone.
      expect({ status: r.status, signal: r.signal, report: r.stdout.match(/Status\s*│ \w+/)?.[0], stderr: r.stderr.slice(-1500) }).toEqual({
        status: 2,
        signal: null,
        report: expect.stringMatching(/Status\s*│ failure/),
        stderr: expect.stringContaining('Validation failed'),
      });
      expect(r.stdout).toMatch(/Deployment alertmanager: \/spec\/replicas: got string, want integer/);
    } finally {
      fs.writeFileSync(chart, source);
    }
  });

  test('--stdout --no-validate prints every object as valid YAML and leaves dist/ alone', () => {
    const before = dist();
    // The CLI prints its validation report to stdout as well, even with --stdout: piping needs --no-validate.
    const r = cdk8s('--stdout', '--no-validate');
    expect(r.status).toBe(0);
    const docs = YAML.parseAllDocuments(r.stdout);
    expect(docs.filter((d) => d.errors.length > 0)).toEqual([]);
    const objects = Object.keys(before).filter((f) => !/(\.values\.yaml|\.config\.yaml|\.env)$/.test(f)).length;
    expect(docs.length).toBe(objects);
    expect(dist()).toEqual(before);
  });

  test('-o writes there and leaves dist/ alone', () => {
    const before = dist();
    const out = path.join(tempDir('cdk8s-out-'), 'out');
    const r = cdk8s('-o', out);
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'prod', 'demo', 'deployment-backend.yaml'))).toBe(true);
    expect(dist()).toEqual(before);
  });

  test('npx cdk8s import works offline from a mirrored CRD file and writes what imports/ holds, but rewrites cdk8s.yaml (so the README sends users to npm run import -- --mirror)', () => {
    const mirror = crdMirror();
    expect(mirror).toBeDefined();
    const before = fs.readFileSync(path.join(copy, 'cdk8s.yaml'), 'utf8');
    const out = path.join(tempDir('cdk8s-import-'), 'imports');
    try {
      const r = spawnSync(
        path.join(ROOT, 'node_modules', '.bin', 'cdk8s'),
        ['import', path.join(mirror!, 'cilium', 'ciliumnetworkpolicies.yaml'), '-o', out, '-l', 'typescript'],
        { cwd: copy, encoding: 'utf8' },
      );
      expect(r.status).toBe(0);
      expect(fs.readFileSync(path.join(out, 'cilium.io.ts'), 'utf8')).toBe(fs.readFileSync(path.join(ROOT, 'imports', 'cilium.io.ts'), 'utf8'));
      // The CLI appends the file to imports: and drops every comment of cdk8s.yaml.
      const after = fs.readFileSync(path.join(copy, 'cdk8s.yaml'), 'utf8');
      expect(after).not.toBe(before);
      expect(after).not.toMatch(/^#/m);
    } finally {
      fs.writeFileSync(path.join(copy, 'cdk8s.yaml'), before);
    }
  });

  test('a bad value: our one line, a non-zero exit, and dist/ byte-identical', () => {
    const before = dist();
    const prod = path.join(copy, 'config/environments/prod.ts');
    const source = fs.readFileSync(prod, 'utf8');
    fs.writeFileSync(prod, source.replace(/backend: \{ replicas: 4,/, 'backend: { replicas: -1,'));
    try {
      const r = cdk8s();
      expect(r.status).not.toBe(0);
      // Both environments that carry it, each with the line that sets it: stg takes prod's value.
      expect(`${r.stdout}${r.stderr}`).toMatch(
        /^synth: error: invalid environment 'stg': demo\.backend\.replicas must be an integer >= 0 \(got -1\), set at config\/environments\/stg\.ts:\d+ \(backend: \{ replicas: prod\.demo\.backend\.replicas,.*; invalid environment 'prod': demo\.backend\.replicas must be an integer >= 0 \(got -1\), set at config\/environments\/prod\.ts:\d+ \(backend: \{ replicas: -1,.*\)$/m,
      );
      expect(dist()).toEqual(before);
    } finally {
      fs.writeFileSync(prod, source);
    }
  });
});
