/**
 * npm run validate -- [--env <env>] [--mirror <dir>]
 * Schema-checks every Kubernetes object in dist/<env> with kubeconform
 * (strict), against Kubernetes 1.35, the CRDs in cdk8s.yaml and the
 * Constraint kinds of our templates. Without --mirror, schemas come from
 * their upstream URLs.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { collectSchemas, formatProblem, manifestFiles, runKubeconform, writeSchemas } from '../lib/schema-validation';
import { toolPath } from '../lib/tools';

const ROOT = path.resolve(__dirname, '..');

async function main(argv: string[]): Promise<number> {
  const flag = (name: string) => (argv.indexOf(name) >= 0 ? argv[argv.indexOf(name) + 1] : undefined);
  const mirror = flag('--mirror') ?? process.env.CRD_MIRROR;
  const only = flag('--env');
  const envs = fs.readdirSync(path.join(ROOT, 'dist')).filter((e) => !only || e === only).sort();
  if (envs.length === 0) throw new Error(`no dist/${only ?? '<env>'}; run npm run synth`);
  const files = envs.flatMap((env) => manifestFiles(path.join(ROOT, 'dist', env)));
  const templates = files
    .filter((f) => path.basename(f).startsWith('constrainttemplate-'))
    .map((f) => YAML.parse(fs.readFileSync(f, 'utf8')));

  const schemaDir = fs.mkdtempSync(path.join(os.tmpdir(), 'schemas-'));
  try {
    const schemas = await collectSchemas({ mirror, cdk8sYaml: path.join(ROOT, 'cdk8s.yaml'), constraintTemplates: templates });
    writeSchemas(schemas, schemaDir);
    const kubeconform = toolPath(ROOT, 'kubeconform');
    const { problems, valid } = runKubeconform(kubeconform, schemaDir, files);
    for (const p of problems) console.error(formatProblem(p, ROOT));
    console.log(
      `validate: ${valid} of ${files.length} objects valid in ${envs.join(', ')} (kubeconform strict, ${schemas.length} schemas from ${mirror ? `mirror ${mirror}` : 'upstream URLs'})`,
    );
    return problems.length === 0 ? 0 : 1;
  } finally {
    fs.rmSync(schemaDir, { recursive: true, force: true });
  }
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(`validate: error: ${error.message}`);
    process.exitCode = 1;
  },
);
