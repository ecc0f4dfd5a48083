import * as fs from 'fs';
import * as path from 'path';
import RELEASES from './releases.json';
import { UserError } from './errors';
import { EnvironmentConfig, ImageTags, Release } from './types';
import { IMAGE_TAGS } from './versions';

/**
 * Releases per environment (seed 10-2: DEV first, then STG as Live's pre-check, then LIVE).
 * dev runs the release at the head of the branch: the pins in config/versions.ts and
 * argocd/upstream-components.ts, which Renovate and developers change. Every later
 * environment runs the release pinned for it here, in config/releases.json, which only
 * `npm run promote` moves: a copy of the previous environment's release, one pull request
 * per promotion. It is data, not code, because a command rewrites it.
 */

/** The seed's deployment order (section 10-2): a release reaches an environment only after every one before it. */
export const PROMOTION_ORDER = ['dev', 'stg', 'prod'] as const;

/** The file, relative to the project root, that `npm run promote` rewrites. */
export const RELEASES_FILE = path.join('config', 'releases.json');

/** The head's tags. Typed so that a tag added to IMAGE_TAGS without its field in ImageTags does not compile. */
const HEAD_IMAGE_TAGS: ImageTags & Readonly<Record<Exclude<keyof typeof IMAGE_TAGS, keyof ImageTags>, never>> = IMAGE_TAGS;

/** The pinned releases, by environment name. */
export type PinnedReleases = Readonly<Record<string, Release>>;

const VERSION_TEXT = /^[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}$/;

/** The file as committed, with each release's shape checked: every image of IMAGE_TAGS, and versions that are tags. */
export function parseReleases(raw: unknown, source = RELEASES_FILE): PinnedReleases {
  const problem = (at: string, what: string) => new UserError(`${source}: ${at} ${what}; fix the file, or promote again (npm run promote)`);
  const isRecord = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
  if (!isRecord(raw)) throw problem('the top level', 'must map environment names to releases');
  for (const [env, release] of Object.entries(raw)) {
    if (env === PROMOTION_ORDER[0]) throw problem(env, `must not be pinned: ${env} runs the head of the branch`);
    if (!isRecord(release) || !isRecord(release.images) || !isRecord(release.components))
      throw problem(env, 'must have "images" and "components", each a map of names to versions');
    const images = Object.keys(release.images).sort();
    const expected = Object.keys(IMAGE_TAGS).sort();
    if (JSON.stringify(images) !== JSON.stringify(expected))
      throw problem(
        `${env}.images`,
        `must name exactly the images of config/versions.ts IMAGE_TAGS (${expected.join(', ')}; got ${images.join(', ')})`,
      );
    for (const [kind, versions] of [
      ['images', release.images],
      ['components', release.components],
    ] as const)
      for (const [name, version] of Object.entries(versions))
        if (typeof version !== 'string' || !VERSION_TEXT.test(version))
          throw problem(`${env}.${kind}.${name}`, `must be a tag (got ${JSON.stringify(version)})`);
  }
  return raw as PinnedReleases;
}

const COMMITTED = parseReleases(RELEASES);

/** The release pinned for `env` in config/releases.json. */
export function pinnedRelease(env: string, releases: PinnedReleases = COMMITTED): Release {
  const release = Object.prototype.hasOwnProperty.call(releases, env) ? releases[env] : undefined;
  if (!release) throw new UserError(`${RELEASES_FILE} pins no release for ${env}; promote one to it (npm run promote -- --from <env> --to ${env})`);
  return release;
}

/** The tags of our pinned images that `env` runs: the branch's head, or its pinned release's. */
export const imageTagsOf = (env: EnvironmentConfig): ImageTags => (env.release === 'head' ? HEAD_IMAGE_TAGS : env.release.images);

/** The file's text: what `npm run promote` writes, byte for byte as the formatter keeps it. */
export const formatReleases = (releases: PinnedReleases): string => `${JSON.stringify(releases, null, 2)}\n`;

export function readReleases(root: string): PinnedReleases {
  const file = path.join(root, RELEASES_FILE);
  return parseReleases(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}
