/**
 * npm run validate -- [--env <env>]... [--mirror <dir>]
 * Schema-checks every Kubernetes object in dist/<env> with kubeconform
 * (strict), against Kubernetes 1.35, the CRDs in cdk8s.yaml and the
 * Constraint kinds of our templates. Without a mirror (--mirror, CRD_MIRROR
 * or ../shared/crds), schemas come from their upstream URLs; a kind whose
 * schema neither gives is reported as unverified, by name.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { UserError } from '../../config';
import { ENVIRONMENT_NAMES } from '../../config/environments';
import { crdMirror } from '../engines/mirrors';
import { runCommand } from '../../lib/command';
import {
  collectSchemas,
  formatProblem,
  isUnverified,
  manifestFiles,
  runKubeconform,
  unverifiedKubernetesDocuments,
  writeSchemas,
} from '../checks/schema-validation';
import { toolPath } from '../tools/tool-path';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();

runCommand(
  {
    name: 'validate',
    invocation: 'npm run validate --',
    summary: 'kubeconform (strict) over every object in dist/, with Kubernetes 1.35, the CRDs of cdk8s.yaml and the Constraint kinds.',
    flags: {
      env: { kind: 'strings', help: 'only these environments (default: all)', oneOf: () => ENVIRONMENT_NAMES },
      dist: {
        kind: 'string',
        value: 'dir',
        help: 'the rendered tree, one folder per environment (default: dist; the cdk8s validation plugin passes the CLI output)',
      },
      mirror: {
        kind: 'string',
        value: 'dir',
        help: 'the CRD and OpenAPI mirror (default: CRD_MIRROR, else ../shared/crds when present, else upstream URLs)',
      },
    },
  },
  async ({ flags }) => {
    const mirror = flags.mirror ? path.resolve(flags.mirror) : crdMirror();
    if (mirror && !fs.existsSync(mirror)) {
      const given = flags.mirror ? `--mirror ${flags.mirror}` : `CRD_MIRROR=${process.env.CRD_MIRROR}`;
      throw new UserError(`${given}: no such folder; point it at the CRD mirror (../shared/crds), or set CRD_MIRROR= (empty) to use upstream URLs`);
    }
    const dist = path.resolve(ROOT, flags.dist ?? 'dist');
    const envs = flags.env.length > 0 ? flags.env : ENVIRONMENT_NAMES.filter((env) => !flags.dist || fs.existsSync(path.join(dist, env)));
    const missing = envs.filter((env) => !fs.existsSync(path.join(dist, env)));
    if (missing.length > 0 || envs.length === 0)
      throw new UserError(`no ${path.relative(ROOT, dist) || '.'}/${missing[0] ?? '<env>'}; run npm run synth first`);
    const files = envs.flatMap((env) => manifestFiles(path.join(dist, env)));
    const templates = files.filter((f) => path.basename(f).startsWith('constrainttemplate-')).map((f) => YAML.parse(fs.readFileSync(f, 'utf8')));

    const schemaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemas-'));
    try {
      const schemas = await collectSchemas({ mirror, cdk8sYaml: path.join(ROOT, 'cdk8s.yaml'), constraintTemplates: templates });
      writeSchemas(schemas, schemaDir);
      const { problems, valid } = runKubeconform(toolPath(ROOT, 'kubeconform'), schemaDir, files);
      const documents = unverifiedKubernetesDocuments();
      const failures = problems.filter((p) => !isUnverified(p, ROOT));
      for (const p of failures) console.error(formatProblem(p, ROOT));
      const unverified = problems.filter((p) => isUnverified(p, ROOT)).map((p) => p.object);
      const source = mirror ? `mirror ${mirror}` : 'upstream URLs';
      const unverifiedKinds = [...new Set(unverified.map((o) => o.split(' ')[0]))].join(', ');
      const notChecked =
        unverified.length > 0 ? `${unverified.length} (${unverifiedKinds}: ${documents.join(', ')} neither mirrored nor reachable)` : 'none';
      console.log(
        `validate: ${valid} of ${files.length} objects valid in ${envs.join(', ')} (kubeconform strict, ${schemas.length} schemas from ${source}); unverified: ${notChecked}`,
      );
      return failures.length === 0 ? 0 : 1;
    } finally {
      fs.rmSync(schemaDir, { recursive: true, force: true });
    }
  },
);
