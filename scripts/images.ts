/**
 * npm run images -- --env <env> [--registry harbor.example.com/lab] [--mirror-list]
 * Prints every image and chart the environment deploys, and a mirror list.
 */
import { UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { COMPONENTS } from '../components';
import { assertValid, environmentByName, UserError } from '../config';
import { formatInventory, inventory, mirrorList } from '../lib/inventory';
import { renderEnvironment } from '../lib/synth';

const USAGE = 'usage: npm run images -- --env <dev|stg|prod> [--registry <harbor host/project>] [--mirror-list]';

function main(argv: string[]): number {
  let envName: string | undefined;
  let registry: string | undefined;
  let onlyMirror = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--env') envName = argv[++i];
    else if (argv[i] === '--registry') registry = argv[++i];
    else if (argv[i] === '--mirror-list') onlyMirror = true;
    else throw new UserError(`unknown argument '${argv[i]}'; ${USAGE}`);
  }
  if (!envName) throw new UserError(`missing --env; ${USAGE}`);
  const configured = assertValid(environmentByName(envName));
  // Sources are the public images, so render without the override.
  const env = { ...configured, registry: undefined };
  const inv = inventory(renderEnvironment(env, COMPONENTS), UPSTREAM_COMPONENTS);
  const target = registry ?? configured.registry ?? 'harbor.example.com/lab';
  process.stdout.write(onlyMirror ? `${mirrorList(inv, target).join('\n')}\n` : formatInventory(env, inv, target));
  return 0;
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UserError)) throw error;
  console.error(`images: error: ${error.message}`);
  process.exitCode = 1;
}
