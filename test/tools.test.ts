import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { recordedBuildSeconds } from '../verify/tools/cache';
import { ROOT, tempDir } from './helpers';

/**
 * The per-user tool cache: found in seconds by a new clone, checked before
 * use (checksum recorded at build time, and the version it prints), rebuilt
 * when it cannot be trusted. Uses shellcheck, the quickest tool to rebuild.
 */
function tools(args: string[], env: Record<string, string | undefined> = {}) {
  return spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/tools.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

/** A private copy of the cache entry, so the test never disturbs the user's own cache. */
function privateCache(): string {
  const cache = tempDir('tool-cache-');
  const shared = path.join(process.env.XDG_CACHE_HOME || path.join(process.env.HOME ?? '', '.cache'), 'kind-parity-platform', 'tools');
  const entry = fs.readdirSync(shared).find((e) => e.startsWith('shellcheck-') && !e.endsWith('.log'));
  if (!entry) throw new Error('npm run tools has not built shellcheck yet');
  fs.cpSync(path.join(shared, entry), path.join(cache, entry), { recursive: true, verbatimSymlinks: true });
  return cache;
}

describe('npm run tools: the per-user tool cache', () => {
  test('a cached tool is verified and linked into .tools/bin, without a build', () => {
    const cache = privateCache();
    const links = tempDir('links-');
    const result = tools(['shellcheck'], { KPP_TOOLS_CACHE: cache, KPP_TOOLS_LINK_DIR: links });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(`shellcheck=${links}/shellcheck`);
    expect(result.stderr).toMatch(/^tools: 1 tool\(s\) ready in \d+ s; 0 built \(none\), 1 verified from the cache$/m);
    expect(fs.readlinkSync(path.join(links, 'shellcheck'))).toBe(path.join(cache, 'shellcheck-0.9.0/bin/shellcheck'));
  });

  test('a corrupt binary is not trusted: its checksum differs, so it is rebuilt', () => {
    const cache = privateCache();
    const wrapper = path.join(cache, 'shellcheck-0.9.0/bin/shellcheck');
    fs.appendFileSync(wrapper, '# tampered\n');
    const result = tools(['shellcheck'], { KPP_TOOLS_CACHE: cache, KPP_TOOLS_LINK_DIR: tempDir('links-') });
    expect(result.stderr).toContain(
      'tools: cached shellcheck 0.9.0 cannot be trusted (shellcheck does not match the checksum recorded at build time); rebuilding',
    );
    expect(result.stderr).toMatch(/tools: built shellcheck 0.9.0 in \d+ s/);
    expect(result.status).toBe(0);
    expect(fs.readFileSync(wrapper, 'utf8')).not.toContain('tampered');
  });

  test('without Go and without a cached build, one line says what to install', () => {
    const bin = tempDir('no-go-');
    fs.symlinkSync(process.execPath, path.join(bin, 'node'));
    const result = tools(['kubeconform'], { KPP_TOOLS_CACHE: tempDir('empty-cache-'), KPP_TOOLS_LINK_DIR: tempDir('links-'), PATH: bin });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trim()).toBe('tools: error: Go is not installed; install Go 1.26 or newer (https://go.dev/dl/) to build kubeconform v0.7.0');
  });

  test('an unknown tool name is bad input (exit 2), with the known names', () => {
    const result = tools(['kubectl-magic']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(/^tools: error: unknown tool 'kubectl-magic'; known: gatekeeper, kubeconform, .*, gator, .*kube-apiserver/);
  });
});

test('progress lines estimate a build from the newest recorded build of the same tool, and give none for a tool never built', () => {
  const cache = tempDir('recorded-builds-');
  const record = (dir: string, tool: string, buildSeconds: number, mtime: number) => {
    fs.mkdirSync(path.join(cache, dir), { recursive: true });
    const file = path.join(cache, dir, 'manifest.json');
    fs.writeFileSync(file, JSON.stringify({ tool, stamp: dir, buildSeconds, builtWith: 'go', binaries: {}, links: {} }));
    fs.utimesSync(file, mtime, mtime);
  };
  record('istioctl-v1', 'istioctl', 480, 1_000);
  record('istioctl-v2', 'istioctl', 502, 2_000);
  record('istioctl-extra-v1', 'istioctl-extra', 9, 3_000);
  const previous = process.env.KPP_TOOLS_CACHE;
  process.env.KPP_TOOLS_CACHE = cache;
  try {
    expect(recordedBuildSeconds('istioctl')).toBe(502);
    expect(recordedBuildSeconds('helm')).toBeUndefined();
  } finally {
    if (previous === undefined) delete process.env.KPP_TOOLS_CACHE;
    else process.env.KPP_TOOLS_CACHE = previous;
  }
});
