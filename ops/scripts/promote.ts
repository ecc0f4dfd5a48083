/**
 * npm run promote -- --from <env> --to <env>
 * Seed 10-2: a release moves dev -> stg -> prod. Rewrites config/releases.json for the
 * target, synthesizes it, and prints the rendered diff for the pull request.
 */
import { headRelease } from '../../argocd/upstream-components';
import { PROMOTION_ORDER } from '../../config/releases';
import { runCommand } from '../../lib/command';
import { projectRoot } from '../../lib/project';
import { promoteInClone } from '../promote';
import { interactiveProgress } from '../../lib/progress';

runCommand(
  {
    name: 'promote',
    invocation: 'npm run promote --',
    summary: `Seed 10-2: move a release to the next environment (${PROMOTION_ORDER.join(' -> ')}): config/releases.json and that environment's dist/, with the rendered diff printed for the pull request.`,
    flags: {
      from: {
        kind: 'string',
        help: 'the environment whose release moves (dev runs the head of the branch)',
        oneOf: () => PROMOTION_ORDER,
        required: true,
      },
      to: { kind: 'string', help: 'the environment that gets it: the next one on the path', oneOf: () => PROMOTION_ORDER, required: true },
    },
  },
  ({ flags }) => {
    const result = promoteInClone(projectRoot(), { from: flags.from, to: flags.to }, headRelease(), interactiveProgress('promote'));
    process.stdout.write(result.diff);
    process.stdout.write(
      `promote: ${flags.from}'s release to ${flags.to} (${result.changes.join(', ')}): ${result.files.length} files changed (${result.files.join(', ')}); commit them as one pull request\n`,
    );
    return 0;
  },
);
