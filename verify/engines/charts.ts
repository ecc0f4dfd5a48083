import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { repoFolder } from '../../lib/sources';
import { userCacheDir } from '../tools/cache';
import { chartMirror } from './mirrors';

/** A Helm chart as an Argo CD Application names it. */
export interface ChartRef {
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
}

export type ChartLocation =
  { readonly ok: true; readonly archive: string; readonly via: 'mirror' | 'upstream' } | { readonly ok: false; readonly reason: string };

export const chartLabel = (ref: ChartRef): string => `${ref.chart} ${ref.version} (${ref.repoURL})`;

interface RepoIndex {
  readonly entries?: Record<string, Array<{ version: string; urls: string[] }>>;
}

/** The chart archive in a mirror laid out as static Helm repositories, found through its index.yaml as Helm would. */
function fromMirror(ref: ChartRef, mirror: string): string | undefined {
  const folder = path.join(mirror, repoFolder(ref.repoURL));
  const indexFile = path.join(folder, 'index.yaml');
  if (!fs.existsSync(indexFile)) return undefined;
  const index = YAML.parse(fs.readFileSync(indexFile, 'utf8')) as RepoIndex;
  const url = index.entries?.[ref.chart]?.find((e) => e.version === ref.version)?.urls?.[0];
  if (!url || /^[a-z]+:\/\//.test(url)) return undefined;
  const archive = path.resolve(folder, url);
  return fs.existsSync(archive) ? archive : undefined;
}

/** The cause at the end of Helm's error chain, e.g. `dial tcp: lookup charts.konghq.com on ...: no such host`. */
export const pullError = (stderr: string): string => {
  const line = stderr
    .trim()
    .split('\n')[0]
    .replace(/^Error: /, '');
  const cause = line.split(/: (?=dial tcp|Get ")/).pop() ?? line;
  return cause.replace(/^Get "[^"]*": /, '');
};

/** `helm pull` from the Application's own repository, cached per user. */
function fromUpstream(ref: ChartRef, helm: string): ChartLocation {
  const dir = path.join(userCacheDir('charts'), repoFolder(ref.repoURL));
  const archive = path.join(dir, `${ref.chart}-${ref.version}.tgz`);
  if (fs.existsSync(archive)) return { ok: true, archive, via: 'upstream' };
  fs.mkdirSync(dir, { recursive: true });
  const pulled = spawnSync(helm, ['pull', ref.chart, '--repo', ref.repoURL, '--version', ref.version, '--destination', dir], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (pulled.status === 0 && fs.existsSync(archive)) return { ok: true, archive, via: 'upstream' };
  return {
    ok: false,
    reason: `not in the chart mirror, and helm pull from ${ref.repoURL} failed: ${pullError(pulled.stderr || pulled.error?.message || 'no output')}`,
  };
}

/**
 * The one way to get a chart: the mirror (CHART_MIRROR, or ../shared/charts),
 * else the Application's repoURL through `helm pull`. Never silently skipped:
 * a chart it cannot get comes back with the reason.
 */
export function locateChart(ref: ChartRef, helm: string, mirror = chartMirror()): ChartLocation {
  const mirrored = mirror ? fromMirror(ref, mirror) : undefined;
  if (mirrored) return { ok: true, archive: mirrored, via: 'mirror' };
  return fromUpstream(ref, helm);
}
