// @ts-check
/**
 * The cdk8s CLI's validation plugin for this project (cdk8s.yaml `validations:`):
 * after `npx cdk8s synth` has run the app, it runs the project's schema check on
 * the manifests the CLI got (its output folder, laid out as dist/ is; with -o or
 * --stdout, exactly what it writes or prints): kubeconform (strict) against
 * Kubernetes 1.35 and the CRDs of cdk8s.yaml, as `npm run validate` runs it.
 * Plain JavaScript: the CLI requires it as it is, without our TypeScript loader.
 */
const { spawnSync } = require('child_process');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');

class ProjectChecks {
  constructor(properties) {
    this.properties = properties || {};
  }

  /** @param {import('cdk8s-cli/lib/plugins/validation').ValidationContext} context */
  async validate(context) {
    const run = spawnSync(
      process.execPath,
      [path.join(ROOT, 'lib', 'run-ts.js'), 'verify/scripts/validate-schemas.ts', '--dist', outputRoot(context.manifests)],
      {
        cwd: ROOT,
        encoding: 'utf8',
      },
    );
    const output = `${run.stdout}${run.stderr}`.trim();
    if (run.status === 0) {
      context.report.submit('success', { checked: 'every object of dist/ with kubeconform (strict), Kubernetes 1.35 and the CRDs of cdk8s.yaml' });
      return;
    }
    const problems = output.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('tools: '));
    context.report.addViolation({
      ruleName: 'kubeconform (strict)',
      recommendation: 'every rendered object must validate against Kubernetes 1.35 and the CRDs of cdk8s.yaml',
      fix: 'fix the field the line names in the chart that renders it, then run npx cdk8s synth again',
      violatingResources: problems.map((line) => ({ resourceName: line.split(':')[0], locations: [line], manifestPath: 'dist/' })),
    });
    context.report.submit('failure');
  }
}

/** The folder that holds one folder per environment: every manifest is <root>/<env>/<component>/<file>. */
function outputRoot(manifests) {
  if (manifests.length === 0) throw new Error('the cdk8s CLI passed no manifests to validate');
  return path.dirname(path.dirname(path.dirname(path.resolve(manifests[0]))));
}

module.exports = { ProjectChecks };
