/**
 * npm run scan -- [--env <env>]...
 * kube-score over every rendered object of ours; fails on findings that are
 * not accepted in security/kube-score-exceptions.yaml.
 */
import * as path from 'path';
import { ENVIRONMENT_NAMES, environmentByName } from '../config';
import { runCommand } from '../lib/command';
import { compareWithAccepted, loadAcceptedFindings, scanEnvironment } from '../lib/scan';
import { manifestFiles } from '../lib/schema-validation';
import { toolPath } from '../lib/tools';

const ROOT = path.resolve(__dirname, '..');

runCommand(
  {
    name: 'scan',
    invocation: 'npm run scan --',
    summary: 'kube-score over the rendered objects of ours in dist/; fails on a finding not accepted in security/kube-score-exceptions.yaml.',
    flags: { env: { kind: 'strings', help: 'only these environments (default: all)', oneOf: () => ENVIRONMENT_NAMES } },
  },
  ({ flags }) => {
    const envs = (flags.env.length > 0 ? flags.env : ENVIRONMENT_NAMES).map((name) => environmentByName(name));
    const kubeScore = toolPath(ROOT, 'kube-score');
    const findings = envs.flatMap((env) => scanEnvironment(kubeScore, env.name, manifestFiles(path.join(ROOT, 'dist', env.name))));
    const { unlisted, stale } = compareWithAccepted(findings, loadAcceptedFindings(path.join(ROOT, 'security/kube-score-exceptions.yaml')), envs);
    for (const f of unlisted) console.error(`scan: new finding in ${f.env}: ${f.object}: ${f.check}: ${f.summary}`);
    for (const a of stale) console.error(`scan: accepted finding no longer occurs, remove it: ${a.object}: ${a.check}`);
    console.log(`scan: kube-score found ${findings.length} finding(s) in ${envs.map((e) => e.name).join(', ')}; ${findings.length - unlisted.length} accepted, ${unlisted.length} new, ${stale.length} stale exception(s)`);
    return unlisted.length + stale.length > 0 ? 1 : 0;
  },
);
