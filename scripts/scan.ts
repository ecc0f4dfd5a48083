/**
 * npm run scan -- [--env <env>]
 * kube-score over every rendered object of ours; fails on findings that are
 * not accepted in security/kube-score-exceptions.yaml.
 */
import * as fs from 'fs';
import * as path from 'path';
import { compareWithAccepted, loadAcceptedFindings, scanEnvironment } from '../lib/scan';
import { manifestFiles } from '../lib/schema-validation';
import { toolPath } from '../lib/tools';

const ROOT = path.resolve(__dirname, '..');
const only = process.argv.includes('--env') ? process.argv[process.argv.indexOf('--env') + 1] : undefined;
const envs = fs.readdirSync(path.join(ROOT, 'dist')).filter((e) => !only || e === only).sort();
const kubeScore = toolPath(ROOT, 'kube-score');
const findings = envs.flatMap((env) => scanEnvironment(kubeScore, env, manifestFiles(path.join(ROOT, 'dist', env))));
const accepted = loadAcceptedFindings(path.join(ROOT, 'security/kube-score-exceptions.yaml'));
const { unlisted, stale } = compareWithAccepted(findings, accepted, envs);
for (const f of unlisted) console.error(`scan: new finding in ${f.env}: ${f.object}: ${f.check}: ${f.summary}`);
for (const a of stale) console.error(`scan: accepted finding no longer occurs, remove it: ${a.object}: ${a.check}`);
console.log(`scan: kube-score found ${findings.length} finding(s) in ${envs.join(', ')}; ${findings.length - unlisted.length} accepted, ${unlisted.length} new, ${stale.length} stale exception(s)`);
process.exitCode = unlisted.length + stale.length > 0 ? 1 : 0;
