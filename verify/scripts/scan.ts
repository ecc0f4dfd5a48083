/**
 * npm run scan -- [--env <env>]...
 * kube-score and checkov over every rendered object of ours; fails on findings
 * not accepted in security/kube-score-exceptions.yaml or security/checkov-exceptions.yaml.
 */
import * as path from 'path';
import { ENVIRONMENT_NAMES, environmentByName } from '../../config/environments';
import { runCommand } from '../../lib/command';
import { checkovEnvironment, compareWithAccepted, loadAcceptedFindings, renderedObjects, scanEnvironment } from '../checks/scan';
import { manifestFiles } from '../checks/schema-validation';
import { toolPath } from '../tools/tool-path';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();

runCommand(
  {
    name: 'scan',
    invocation: 'npm run scan --',
    summary:
      'kube-score and checkov over the rendered objects of ours in dist/; fails on a finding not accepted in security/<scanner>-exceptions.yaml.',
    flags: { env: { kind: 'strings', help: 'only these environments (default: all)', oneOf: () => ENVIRONMENT_NAMES } },
  },
  ({ flags }) => {
    const envs = (flags.env.length > 0 ? flags.env : ENVIRONMENT_NAMES).map((name) => environmentByName(name));
    const scanners = [
      { name: 'kube-score', scan: (env: string) => scanEnvironment(toolPath(ROOT, 'kube-score'), env, manifestFiles(path.join(ROOT, 'dist', env))) },
      { name: 'checkov', scan: (env: string) => checkovEnvironment(toolPath(ROOT, 'checkov'), env, path.join(ROOT, 'dist', env)) },
    ];
    // Which objects each environment renders, so an entry for the lab's load generator is not stale in prod.
    const rendered = new Map(envs.map((env) => [env.name, renderedObjects(path.join(ROOT, 'dist', env.name))]));
    const renders = (env: string, object: string) => rendered.get(env)?.has(object) ?? false;
    let failures = 0;
    for (const scanner of scanners) {
      const findings = envs.flatMap((env) => scanner.scan(env.name));
      const { unlisted, stale } = compareWithAccepted(
        findings,
        loadAcceptedFindings(path.join(ROOT, `security/${scanner.name}-exceptions.yaml`)),
        envs,
        renders,
      );
      for (const f of unlisted) console.error(`scan: ${scanner.name}: new finding in ${f.env}: ${f.object}: ${f.check}: ${f.summary}`);
      for (const a of stale) console.error(`scan: ${scanner.name}: accepted finding no longer occurs, remove it: ${a.object}: ${a.check}`);
      console.log(
        `scan: ${scanner.name} found ${findings.length} finding(s) in ${envs.map((e) => e.name).join(', ')}; ${findings.length - unlisted.length} accepted, ${unlisted.length} new, ${stale.length} stale exception(s)`,
      );
      failures += unlisted.length + stale.length;
    }
    return failures > 0 ? 1 : 0;
  },
);
