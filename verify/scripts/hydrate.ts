/**
 * npm run hydrate -- [--env <env>] [--out <dir>]
 * Renders every upstream Application of each environment, as Argo CD's
 * repo-server would, into <out>/<env>/<app>/<kind>-<name>.yaml (git-ignored).
 */
import * as path from 'path';
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { runCommand } from '../../lib/command';
import { stepProgress } from '../../lib/progress';
import { hydrateApplications, readApplications, readDistEnvironment, writeHydrated } from '../engines/hydrate';
import { toolPath } from '../tools/tool-path';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();

runCommand(
  {
    name: 'hydrate',
    invocation: 'npm run hydrate --',
    summary: 'Renders the upstream Helm charts and git sources of each environment from dist/, with the pinned Helm and the chart mirror.',
    flags: {
      env: { kind: 'strings', help: 'environment to hydrate (default: all)', oneOf: () => ENVIRONMENT_NAMES },
      out: { kind: 'string', value: 'dir', help: 'output folder (default: .hydrated)' },
    },
  },
  ({ flags }) => {
    const helm = toolPath(ROOT, 'helm');
    const out = path.resolve(flags.out ?? path.join(ROOT, '.hydrated'));
    const envs = flags.env.length > 0 ? flags.env : ENVIRONMENT_NAMES;
    let failed = 0;
    const step = stepProgress('hydrate');
    for (const env of envs) {
      const started = Date.now();
      const apps = hydrateApplications(readApplications(readDistEnvironment(path.join(ROOT, 'dist'), env)), {
        helm,
        progress: (what) => step(`${env}: ${what}`),
      });
      const written = writeHydrated(apps, out, env);
      const count = (s: string) => apps.filter((a) => a.status === s).length;
      console.log(
        `hydrate: ${env}: ${count('rendered')} rendered, ${count('failed')} failed, ${count('unverified')} unverified; ${written} objects in ${path.relative(process.cwd(), path.join(out, env)) || '.'}/ in ${Date.now() - started} ms`,
      );
      for (const a of apps.filter((x) => x.status !== 'rendered')) console.log(`  ${a.status}: ${a.app}: ${a.source}: ${a.message}`);
      failed += count('failed');
    }
    return failed > 0 ? 1 : 0;
  },
);
