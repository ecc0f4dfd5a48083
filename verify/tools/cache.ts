import { spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckFailure } from '../../config/errors';
import { PROJECT_NAME } from '../../config/project';
import { forEachAtMost } from './concurrency';
import { CollectorRecipe, DebianRecipe, GoInstallRecipe, GoModuleRecipe, NpmRecipe, PipRecipe, providedNames, Tool } from './catalog';
import { projectRoot } from '../../lib/project';

/**
 * The per-user tool cache: `<cache>/<tool>-<version>/bin/<binary>` plus a
 * manifest with the checksum of every binary, recorded when it was built.
 * `.tools/bin/<binary>` in a clone is a link into it, so a new clone on a
 * machine that built the tools before finds them in seconds.
 */

/** A tool that cannot be built or trusted: one line for the CLI to show. */
export class ToolError extends CheckFailure {}

/** The oldest Go the pinned builds accept (kwok's go.mod says `go 1.26.0`). */
export const MIN_GO = '1.26';

export const ROOT = projectRoot();
/** The committed build inputs (Go modules, Python locks), beside this file in the clone; not __dirname, which is .build/ once bundled. */
const TOOL_SOURCES = path.join(ROOT, 'verify', 'tools');
/** Where a clone links the cached binaries (`KPP_TOOLS_LINK_DIR` moves it, for tests). */
export const linkDir = (): string => process.env.KPP_TOOLS_LINK_DIR || path.join(ROOT, '.tools', 'bin');

/** `${XDG_CACHE_HOME:-~/.cache}/kind-parity-platform/<kind>`: tools, pulled charts, Helm renders. */
export function userCacheDir(kind: 'tools' | 'charts' | 'renders'): string {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, PROJECT_NAME, kind);
}

export function cacheRoot(): string {
  return process.env.KPP_TOOLS_CACHE ? path.resolve(process.env.KPP_TOOLS_CACHE) : userCacheDir('tools');
}

interface BinaryRecord {
  readonly sha256: string;
  readonly size: number;
}

export interface Manifest {
  readonly tool: string;
  readonly stamp: string;
  readonly buildSeconds: number;
  readonly builtWith: string;
  readonly binaries: Readonly<Record<string, BinaryRecord>>;
  /** Link name -> target binary, for multi-call tools. */
  readonly links: Readonly<Record<string, string>>;
  /** Data files under share/, for tools that ship configuration with the binary. */
  readonly data?: Readonly<Record<string, BinaryRecord>>;
}

export interface Ensured {
  readonly tool: Tool;
  readonly dir: string;
  /** Seconds spent building, 0 when the cache had it. */
  readonly built: number;
}

export interface Hooks {
  /** The collector manifest is derived from our config; the caller provides it, so this module stays free of render code. */
  readonly collectorManifest?: (sourcesDir: string) => string;
  readonly log?: (line: string) => void;
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

/**
 * The Go sources we wrote ourselves in a committed module (a harness around an
 * upstream library), with the go.mod and go.sum that pin them: hashed into the
 * stamp, so a change to our code rebuilds the tool. Modules that only pin an
 * upstream main package have none, and keep a version-only stamp.
 */
function ownSourcesHash(dir: string): string | undefined {
  const moduleDir = path.join(TOOL_SOURCES, 'go', dir);
  const sources = fs
    .readdirSync(moduleDir)
    .filter((f) => f.endsWith('.go'))
    .sort();
  if (sources.length === 0) return undefined;
  const hash = createHash('sha256');
  for (const file of [...sources, 'go.mod', 'go.sum']) hash.update(`${file}\0`).update(fs.readFileSync(path.join(moduleDir, file)));
  return hash.digest('hex').slice(0, 12);
}

/**
 * How long the newest recorded build of a tool took (any version, from the manifests in the cache):
 * the estimate the progress lines give. None on a machine that never built it.
 */
export function recordedBuildSeconds(name: string): number | undefined {
  if (!fs.existsSync(cacheRoot())) return undefined;
  const builds = fs
    .readdirSync(cacheRoot())
    .filter((d) => d.startsWith(`${name}-`) && fs.existsSync(path.join(cacheRoot(), d, 'manifest.json')))
    .map((d) => path.join(cacheRoot(), d, 'manifest.json'))
    .map((file) => ({ at: fs.statSync(file).mtimeMs, manifest: JSON.parse(fs.readFileSync(file, 'utf8')) as Manifest }))
    .filter((b) => b.manifest.tool === name && b.manifest.buildSeconds > 0)
    .sort((a, b) => b.at - a.at);
  return builds[0]?.manifest.buildSeconds;
}

/** The version plus, for tools built from our own sources or config, a hash of that input. */
export function stampOf(tool: Tool, hooks: Hooks): string {
  if (tool.recipe.kind === 'go-module') {
    const own = ownSourcesHash(tool.recipe.dir);
    return own ? `${tool.version}+${own}` : tool.version;
  }
  if (tool.recipe.kind === 'npm')
    return `${tool.version}+${createHash('sha256')
      .update(fs.readFileSync(path.join(TOOL_SOURCES, 'npm', tool.recipe.dir, 'package-lock.json')))
      .digest('hex')
      .slice(0, 12)}`;
  if (tool.recipe.kind !== 'collector') return tool.version;
  const manifest = requireHook(hooks.collectorManifest, tool)('/sources');
  return `${tool.version}+${createHash('sha256').update(manifest).digest('hex').slice(0, 12)}`;
}

const requireHook = <T>(hook: T | undefined, tool: Tool): T => {
  if (!hook) throw new ToolError(`${tool.name} needs the collector manifest of our config; run it through verify/scripts/tools.ts`);
  return hook;
};

export const toolDir = (tool: Tool, stamp: string) => path.join(cacheRoot(), `${tool.name}-${stamp}`);

/** Why a cached build cannot be trusted, or undefined when every binary is the one recorded and answers with the pinned version. */
export function verify(tool: Tool, dir: string, stamp: string): string | undefined {
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return 'not built yet';
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8')) as Manifest;
  } catch {
    return 'its manifest is unreadable';
  }
  if (manifest.stamp !== stamp) return `built for ${manifest.stamp}, not ${stamp}`;
  for (const [name, record] of Object.entries(manifest.binaries)) {
    const file = path.join(dir, 'bin', name);
    if (!fs.existsSync(file)) return `${name} is missing`;
    if (fs.statSync(file).size !== record.size || sha256(file) !== record.sha256) return `${name} does not match the checksum recorded at build time`;
  }
  for (const [name, record] of Object.entries(manifest.data ?? {})) {
    const file = path.join(dir, 'share', name);
    if (!fs.existsSync(file) || sha256(file) !== record.sha256) return `data file ${name} does not match the checksum recorded at build time`;
  }
  for (const [link, target] of Object.entries(manifest.links)) {
    if (!fs.existsSync(path.join(dir, 'bin', link)) || fs.readlinkSync(path.join(dir, 'bin', link)) !== target) return `link ${link} is missing`;
  }
  for (const binary of tool.binaries) {
    const result = spawnSync(path.join(dir, 'bin', binary.name), [...binary.check.args], { encoding: 'utf8', timeout: 30_000 });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (!output.includes(binary.check.expect)) return `${binary.name} ${binary.check.args.join(' ')} does not say '${binary.check.expect}'`;
  }
  return undefined;
}

/** A tool's data files (`share/` beside its `bin/`), found through its link in .tools/bin. */
export function toolDataDir(binaryLink: string): string {
  return path.join(path.dirname(path.dirname(fs.realpathSync(binaryLink))), 'share');
}

/** Links `.tools/bin/<name>` to the cached binary, replacing a stale link atomically. */
export function linkInto(dir: string, tool: Tool, into = linkDir()): void {
  fs.mkdirSync(into, { recursive: true });
  for (const name of providedNames(tool)) {
    const link = path.join(into, name);
    const temp = `${link}.${process.pid}.tmp`;
    fs.rmSync(temp, { force: true });
    fs.symlinkSync(path.join(dir, 'bin', name), temp);
    fs.renameSync(temp, link);
  }
}

function run(command: string, args: readonly string[], options: { cwd: string; env?: NodeJS.ProcessEnv; log: string }): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = fs.openSync(options.log, 'a');
    fs.writeSync(out, `$ ${command} ${args.join(' ')}\n`);
    // A spawn that fails (a missing cwd, say) emits both 'error' and 'close': the log is closed once.
    let open = true;
    const closeLog = () => {
      if (open) fs.closeSync(out);
      open = false;
    };
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', out, out] });
    child.on('error', (error) => {
      closeLog();
      reject(error);
    });
    child.on('close', (code) => {
      closeLog();
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(command)} exited with ${code}`));
    });
  });
}

/** Go's own version, or a one-line error naming the tool that needs it. */
export function checkGo(tool: Tool): void {
  const result = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' });
  const version = result.status === 0 ? result.stdout.trim().replace(/^go/, '') : undefined;
  const tooOld = version && compareVersions(version, MIN_GO) < 0;
  if (!version || tooOld) {
    throw new ToolError(
      `${version ? `Go ${version} is too old` : 'Go is not installed'}; install Go ${MIN_GO} or newer (https://go.dev/dl/) to build ${tool.name} ${tool.version}`,
    );
  }
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

const goEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ ...process.env, CGO_ENABLED: '0', ...extra });
const LDFLAGS_BASE = ['-s', '-w'];

async function buildGoInstall(recipe: GoInstallRecipe, tool: Tool, work: string, log: string): Promise<void> {
  const ldflags = [...LDFLAGS_BASE, ...(recipe.ldflags ?? [])].join(' ');
  const tags = recipe.tags?.length ? [`-tags=${recipe.tags.join(',')}`] : [];
  await run('go', ['install', '-trimpath', `-ldflags=${ldflags}`, ...tags, ...recipe.packages.map((p) => `${p}@${tool.version}`)], {
    cwd: work,
    env: goEnv({ GOBIN: path.join(work, 'bin'), GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() }),
    log,
  });
}

async function buildGoModule(recipe: GoModuleRecipe, work: string, log: string): Promise<void> {
  const moduleDir = path.join(TOOL_SOURCES, 'go', recipe.dir);
  const ldflags = [...LDFLAGS_BASE, ...(recipe.ldflags ?? [])].join(' ');
  for (const [binary, pkg] of Object.entries(recipe.packages)) {
    // -mod=readonly: the committed go.mod and go.sum must already pin everything.
    await run('go', ['build', '-mod=readonly', '-trimpath', `-ldflags=${ldflags}`, '-o', path.join(work, 'bin', binary), pkg], {
      cwd: moduleDir,
      env: goEnv(),
      log,
    });
  }
  for (const [link, target] of Object.entries(recipe.links ?? {})) fs.symlinkSync(target, path.join(work, 'bin', link));
  if (recipe.data) {
    const listed = spawnSync('go', ['list', '-mod=readonly', '-m', '-f', '{{.Dir}}', recipe.data.module], {
      cwd: moduleDir,
      env: goEnv(),
      encoding: 'utf8',
    });
    const source = listed.stdout.trim();
    if (listed.status !== 0 || !source) throw new ToolError(`cannot find the sources of ${recipe.data.module}: ${listed.stderr.trim()}`);
    fs.mkdirSync(path.join(work, 'share'), { recursive: true });
    for (const file of recipe.data.files) fs.copyFileSync(path.join(source, file), path.join(work, 'share', path.basename(file)));
  }
}

async function buildCollector(recipe: CollectorRecipe, tool: Tool, work: string, log: string, hooks: Hooks): Promise<void> {
  const builderBin = path.join(work, 'builder-bin');
  await run('go', ['install', `${recipe.builderPackage}@v${tool.version}`], {
    cwd: work,
    env: goEnv({ GOBIN: builderBin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -mod=mod`.trim() }),
    log,
  });
  const sources = path.join(work, 'sources');
  const manifest = path.join(work, 'manifest.yaml');
  fs.writeFileSync(manifest, requireHook(hooks.collectorManifest, tool)(sources));
  // The proxy lacks test-only modules that `go mod tidy` would want, so the
  // builder only generates the sources and `go build -mod=mod` fetches what the build imports.
  await run(path.join(builderBin, 'builder'), ['--config', manifest, '--skip-get-modules', '--skip-compilation'], { cwd: work, log });
  if (recipe.goSumPins?.length) fs.appendFileSync(path.join(sources, 'go.sum'), `${recipe.goSumPins.join('\n')}\n`);
  await run('go', ['build', '-mod=mod', '-trimpath', `-ldflags=${LDFLAGS_BASE.join(' ')}`, '-o', path.join(work, 'bin', tool.name), '.'], {
    cwd: sources,
    env: goEnv(),
    log,
  });
  fs.rmSync(sources, { recursive: true, force: true });
  fs.rmSync(builderBin, { recursive: true, force: true });
}

/** The newest version Debian offers of `pkg` whose upstream part is `upstream`, or undefined. */
function debianVersion(pkg: string, upstream?: string): string | undefined {
  const result = spawnSync('apt-cache', ['madison', pkg], { encoding: 'utf8' });
  const versions = (result.stdout ?? '')
    .split('\n')
    .map((line) => line.split('|')[1]?.trim())
    .filter((v): v is string => !!v)
    .filter((v) => !upstream || v.replace(/^\d+:/, '').replace(/-[^-]*$/, '') === upstream);
  return versions[0];
}

async function buildDebian(recipe: DebianRecipe, tool: Tool, work: string, log: string): Promise<void> {
  if (spawnSync('apt-get', ['--version']).status !== 0) {
    throw new ToolError(
      `${tool.name} ${tool.version} comes from Debian's packages and there is no apt-get here; install ${tool.name} ${tool.version} and put it on PATH`,
    );
  }
  const pick = () => recipe.packages.map((pkg, i) => ({ pkg, version: debianVersion(pkg, i === 0 ? tool.version : undefined) }));
  let wanted = pick();
  if (wanted.some((w) => !w.version) && process.getuid?.() === 0) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
    wanted = pick();
  }
  const missing = wanted.find((w) => !w.version);
  if (missing) {
    throw new ToolError(
      `Debian offers no ${missing.pkg}${missing.pkg === recipe.packages[0] ? ` ${tool.version}` : ''}; run apt-get update, or install ${tool.name} ${tool.version} yourself`,
    );
  }
  const debs = path.join(work, 'debs');
  fs.mkdirSync(debs, { recursive: true });
  // _apt downloads into a folder it can write; root falls back to an unsandboxed download.
  fs.chmodSync(debs, 0o777);
  await run('apt-get', ['download', ...wanted.map((w) => `${w.pkg}=${w.version}`)], { cwd: debs, log });
  const tree = path.join(work, 'root');
  for (const deb of fs.readdirSync(debs)) await run('dpkg-deb', ['-x', path.join(debs, deb), tree], { cwd: work, log });
  fs.rmSync(debs, { recursive: true, force: true });
  fs.writeFileSync(path.join(work, 'debian-packages.txt'), wanted.map((w) => `${w.pkg}=${w.version}\n`).join(''));
  const libs = fs.existsSync(path.join(tree, 'usr/lib/x86_64-linux-gnu')) ? path.join(tree, 'usr/lib/x86_64-linux-gnu') : path.join(tree, 'usr/lib');
  for (const [binary, inside] of Object.entries(recipe.binaries)) {
    // A wrapper, so the binary finds the libraries unpacked beside it and keeps the name it dispatches on.
    // The cache folder is renamed after the build, so paths are relative to the wrapper.
    const wrapper = `#!/bin/sh\nhere=$(dirname "$(dirname "$(readlink -f "$0")")")\nLD_LIBRARY_PATH="$here/${path.relative(work, libs)}\${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/${path.relative(work, path.join(tree, inside))}" "$@"\n`;
    fs.writeFileSync(path.join(work, 'bin', binary), wrapper, { mode: 0o755 });
  }
}

async function buildPip(recipe: PipRecipe, tool: Tool, work: string, log: string): Promise<void> {
  if (spawnSync('python3', ['-m', 'venv', '--help'], { stdio: 'ignore' }).status !== 0) {
    throw new ToolError(`${tool.name} ${tool.version} needs Python 3 with venv; install python3 and python3-venv (apt-get install python3-venv)`);
  }
  const venv = path.join(work, 'venv');
  await run('python3', ['-m', 'venv', venv], { cwd: work, log });
  // Every dependency is in the lock, so pip resolves nothing and the build is the same on every machine.
  await run(
    path.join(venv, 'bin', 'pip'),
    ['install', '--quiet', '--no-deps', '--disable-pip-version-check', '-r', path.join(TOOL_SOURCES, 'python', recipe.lock)],
    { cwd: work, log },
  );
  for (const [binary, module] of Object.entries(recipe.modules)) {
    // Relative to the wrapper: the cache folder is renamed after the build.
    fs.writeFileSync(
      path.join(work, 'bin', binary),
      `#!/bin/sh\nhere=$(dirname "$(dirname "$(readlink -f "$0")")")\nexec "$here/venv/bin/python" -W ignore::SyntaxWarning -m ${module} "$@"\n`,
      { mode: 0o755 },
    );
  }
}

async function buildNpm(recipe: NpmRecipe, work: string, log: string): Promise<void> {
  // The Node release the tool needs, from the npm registry like any package.
  await run('npm', ['pack', '--silent', `${recipe.node.package}@${recipe.node.version}`, '--pack-destination', work], { cwd: work, log });
  const tarball = fs.readdirSync(work).find((f) => f.endsWith('.tgz'));
  if (!tarball) throw new ToolError(`npm pack ${recipe.node.package}@${recipe.node.version} gave no tarball; see ${log}`);
  fs.mkdirSync(path.join(work, 'node'));
  await run('tar', ['xzf', path.join(work, tarball), '-C', path.join(work, 'node'), '--strip-components=1'], { cwd: work, log });
  fs.rmSync(path.join(work, tarball));
  const app = path.join(work, 'app');
  fs.mkdirSync(app);
  for (const file of ['package.json', 'package-lock.json']) fs.copyFileSync(path.join(TOOL_SOURCES, 'npm', recipe.dir, file), path.join(app, file));
  // Every dependency is in the lock; no install scripts run (optional native modules fall back to JavaScript).
  await run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--engine-strict=false'], { cwd: app, log });
  for (const [binary, script] of Object.entries(recipe.scripts))
    fs.writeFileSync(
      path.join(work, 'bin', binary),
      `#!/bin/sh\nhere=$(dirname "$(dirname "$(readlink -f "$0")")")\nexec "$here/node/bin/node" "$here/app/${script}" "$@"\n`,
      { mode: 0o755 },
    );
}

/** Builds one tool into a fresh folder, records checksums, then moves it into the cache in one rename. */
export async function build(tool: Tool, stamp: string, hooks: Hooks): Promise<number> {
  const root = cacheRoot();
  fs.mkdirSync(root, { recursive: true });
  const finalDir = toolDir(tool, stamp);
  const work = fs.mkdtempSync(path.join(root, `.building-${tool.name}-`));
  const log = path.join(root, `${tool.name}-${stamp}.build.log`);
  fs.writeFileSync(log, '');
  fs.mkdirSync(path.join(work, 'bin'));
  const started = Date.now();
  try {
    const recipe = tool.recipe;
    if (recipe.kind !== 'deb' && recipe.kind !== 'npm') checkGo(tool);
    if (recipe.kind === 'go-install') await buildGoInstall(recipe, tool, work, log);
    else if (recipe.kind === 'go-module') await buildGoModule(recipe, work, log);
    else if (recipe.kind === 'collector') await buildCollector(recipe, tool, work, log, hooks);
    else if (recipe.kind === 'pip') await buildPip(recipe, tool, work, log);
    else if (recipe.kind === 'npm') await buildNpm(recipe, work, log);
    else await buildDebian(recipe, tool, work, log);
  } catch (error) {
    fs.rmSync(work, { recursive: true, force: true });
    if (error instanceof ToolError) throw error;
    throw new ToolError(`building ${tool.name} ${tool.version} failed (${(error as Error).message}); see ${log}`);
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  const links = tool.recipe.kind === 'go-module' ? { ...(tool.recipe.links ?? {}) } : {};
  const binaries: Record<string, BinaryRecord> = {};
  for (const b of tool.binaries) {
    const file = path.join(work, 'bin', b.name);
    if (!fs.existsSync(file)) throw new ToolError(`building ${tool.name} ${tool.version} made no ${b.name}; see ${log}`);
    binaries[b.name] = { sha256: sha256(file), size: fs.statSync(file).size };
  }
  const goVersion = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout?.trim() || 'n/a';
  const shareDir = path.join(work, 'share');
  const data = fs.existsSync(shareDir)
    ? Object.fromEntries(
        fs.readdirSync(shareDir).map((f) => [f, { sha256: sha256(path.join(shareDir, f)), size: fs.statSync(path.join(shareDir, f)).size }]),
      )
    : undefined;
  const manifest: Manifest = {
    tool: tool.name,
    stamp,
    buildSeconds: seconds,
    builtWith: tool.recipe.kind === 'deb' ? 'apt-get download' : tool.recipe.kind === 'npm' ? `npm ci, node ${tool.recipe.node.version}` : goVersion,
    binaries,
    links,
    ...(data ? { data } : {}),
  };
  fs.writeFileSync(path.join(work, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  fs.rmSync(finalDir, { recursive: true, force: true });
  try {
    fs.renameSync(work, finalDir);
  } catch {
    // Another run finished the same build first; theirs is as good as ours.
    fs.rmSync(work, { recursive: true, force: true });
  }
  return seconds;
}

/**
 * Every tool verified from the cache or built, at most `jobs` builds at a
 * time (Go already uses every core inside one build; two overlap downloads and links).
 */
export async function ensureTools(tools: readonly Tool[], hooks: Hooks, jobs = Number(process.env.TOOLS_JOBS) || 2): Promise<Ensured[]> {
  const log = hooks.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const results: Ensured[] = [];
  const toBuild: Array<{ tool: Tool; stamp: string }> = [];
  for (const tool of tools) {
    const stamp = stampOf(tool, hooks);
    const dir = toolDir(tool, stamp);
    const problem = verify(tool, dir, stamp);
    if (!problem) {
      linkInto(dir, tool);
      results.push({ tool, dir, built: 0 });
      continue;
    }
    if (problem !== 'not built yet') log(`tools: cached ${tool.name} ${stamp} cannot be trusted (${problem}); rebuilding`);
    toBuild.push({ tool, stamp });
  }
  const failures: string[] = [];
  // A build is silent for minutes (go prints nothing until it links): a line every 30 s says what is still building.
  const building = new Map<string, number>();
  const heartbeat = setInterval(() => {
    if (building.size > 0)
      log(
        `tools: still building ${[...building]
          .map(([name, since]) => {
            const recorded = recordedBuildSeconds(name);
            return `${name} (${Math.round((Date.now() - since) / 1000)} s${recorded ? ` of about ${recorded} s, as its last recorded build took` : ''})`;
          })
          .join(', ')}`,
      );
  }, 30_000);
  try {
    await forEachAtMost(toBuild, jobs, async ({ tool, stamp }) => {
      try {
        if (tool.recipe.kind !== 'deb' && tool.recipe.kind !== 'npm') checkGo(tool);
      } catch (error) {
        failures.push((error as Error).message);
        return;
      }
      log(`tools: building ${tool.name} ${tool.version} (${tool.binaries.map((b) => b.name).join(', ')}) into ${cacheRoot()}, once per version`);
      building.set(tool.name, Date.now());
      try {
        const seconds = await build(tool, stamp, hooks);
        const dir = toolDir(tool, stamp);
        const problem = verify(tool, dir, stamp);
        if (problem) throw new ToolError(`the fresh build of ${tool.name} ${tool.version} fails its own check: ${problem}`);
        linkInto(dir, tool);
        results.push({ tool, dir, built: seconds });
        log(`tools: built ${tool.name} ${tool.version} in ${seconds} s`);
      } catch (error) {
        failures.push(error instanceof ToolError ? error.message : String(error));
      } finally {
        building.delete(tool.name);
      }
    });
  } finally {
    clearInterval(heartbeat);
  }
  if (failures.length > 0) throw new ToolError(failures.join('; '));
  return tools.map((t) => results.find((r) => r.tool === t)!);
}
