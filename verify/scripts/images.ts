/**
 * npm run images -- --env <env> [--registry <harbor host/project>] [--mirror-list]
 * Every image, chart and git source the environment deploys, read from our
 * render and the upstream charts' Helm renders, and a mirror list for Harbor.
 */
import { COMPONENTS } from '../../components';
import { assertValid } from '../../config/validate';
import { environmentByName, ENVIRONMENT_NAMES } from '../../config/environments';
import { applicationsOf, hydrateApplications } from '../engines/hydrate';
import { runCommand } from '../../lib/command';
import { formatInventory, inventory, mirrorList } from '../checks/inventory';
import { renderEnvironment } from '../../lib/synth';
import { toolPath } from '../tools/tool-path';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();

runCommand(
  {
    name: 'images',
    invocation: 'npm run images --',
    summary: 'Lists every image, chart and git source an environment deploys, and a Harbor mirror list (seed section 12).',
    flags: {
      env: { kind: 'string', help: 'the environment', oneOf: () => ENVIRONMENT_NAMES, required: true },
      registry: {
        kind: 'string',
        value: 'host[:port]/project',
        help: "mirror target (default: the environment's registry, else harbor.example.com/lab)",
      },
      'mirror-list': { kind: 'boolean', help: 'print only the `source target` lines' },
    },
  },
  ({ flags }) => {
    const configured = assertValid(environmentByName(flags.env));
    const target = flags.registry ?? configured.registry ?? 'harbor.example.com/lab';
    assertValid({ ...configured, registry: target, observability: { ...configured.observability, onlineDashboards: false } });
    // Sources are the public images, so render without the override.
    const env = { ...configured, registry: undefined };
    const rendered = renderEnvironment(env, COMPONENTS);
    const inv = inventory(rendered, hydrateApplications(applicationsOf(rendered), { helm: toolPath(ROOT, 'helm') }));
    process.stdout.write(flags['mirror-list'] ? `${mirrorList(inv, target).join('\n')}\n` : formatInventory(env, inv, target));
    return 0;
  },
);
