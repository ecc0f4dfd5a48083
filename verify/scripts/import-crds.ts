/**
 * Regenerates imports/ from the CRD URLs in cdk8s.yaml.
 *
 *   npm run import                              # fetch the pinned upstream URLs
 *   npm run import -- --mirror ../shared/crds   # same bytes from an offline mirror
 *   npm run import -- --mirror ../shared/crds --out /tmp/x   # render elsewhere (used by the freshness test)
 *
 * Only the kinds this project builds are imported, whatever else the upstream
 * file holds, so the online and the mirrored import give the same classes.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { constraintCrds } from '../engines/constraint-crds';
import { UserError } from '../../config/errors';
import { runCommand } from '../../lib/command';
import { Crd, IMPORTED_KINDS, importUrls, moveArrayEnumsToItems, readSource, selectCrds } from '../checks/crd-import';
import { projectRoot } from '../../lib/project';

const ROOT = projectRoot();

async function importCrds(mirror: string | undefined, out: string | undefined): Promise<number> {
  const outDir = path.resolve(out ?? path.join(ROOT, 'imports'));
  if (mirror && !fs.existsSync(mirror))
    throw new UserError(`mirror folder ${mirror} does not exist; give --mirror the CRD mirror (../shared/crds) or leave it out to fetch upstream`);

  const byGroup = new Map<string, Crd[]>();
  for (const url of importUrls(path.join(ROOT, 'cdk8s.yaml'))) {
    const documents = YAML.parseAllDocuments(await readSource(url, mirror)).map((d) => d.toJS());
    for (const crd of selectCrds(documents)) {
      for (const version of crd.spec.versions) {
        if (version.schema?.openAPIV3Schema) moveArrayEnumsToItems(version.schema.openAPIV3Schema);
      }
      byGroup.set(crd.spec.group, [...(byGroup.get(crd.spec.group) ?? []), crd]);
    }
  }
  for (const [group, kinds] of Object.entries(IMPORTED_KINDS)) {
    const found = (byGroup.get(group) ?? []).map((c) => c.spec.names.kind);
    const missing = kinds.filter((k) => !found.includes(k));
    if (missing.length > 0) throw new Error(`no CRD found for ${missing.join(', ')} (${group}) in the sources of cdk8s.yaml`);
  }
  // Constraint kinds come from our own ConstraintTemplates, so Constraints are typed too.
  byGroup.set('constraints.gatekeeper.sh', constraintCrds() as unknown as Crd[]);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'crd-import-'));
  try {
    const generated = path.join(work, 'imports');
    for (const [group, crds] of [...byGroup.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      if (crds.length === 0) continue;
      const file = path.join(work, `${group}.yaml`);
      fs.writeFileSync(file, crds.map((crd) => YAML.stringify(crd)).join('---\n'));
      // The CLI also looks for its own updates online; that noise only matters when the import fails.
      try {
        execFileSync(path.join(ROOT, 'node_modules/.bin/cdk8s'), ['import', file, '--language', 'typescript', '--output', generated], {
          cwd: work,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      } catch (error) {
        const stderr = String((error as { stderr?: Buffer }).stderr ?? '');
        throw new Error(
          `cdk8s import of ${group} failed: ${stderr
            .split('\n')
            .filter((l) => /error/i.test(l))
            .slice(0, 3)
            .join(' | ')}`,
          { cause: error },
        );
      }
      console.log(`import: ${group}: ${crds.map((c) => c.spec.names.kind).join(', ')}`);
    }
    fs.rmSync(outDir, { recursive: true, force: true });
    fs.mkdirSync(path.dirname(outDir), { recursive: true });
    fs.cpSync(generated, outDir, { recursive: true });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  console.log(`import: wrote ${outDir} from ${mirror ? `mirror ${mirror}` : 'upstream URLs'}`);
  return 0;
}

runCommand(
  {
    name: 'import',
    invocation: 'npm run import --',
    summary: 'Regenerates imports/ from the CRD URLs in cdk8s.yaml (or their offline mirror) and our ConstraintTemplates.',
    flags: {
      mirror: { kind: 'string', value: 'dir', help: 'read the CRDs from this mirror folder instead of upstream (default: $CRD_MIRROR)' },
      out: { kind: 'string', value: 'dir', help: 'write the classes here instead of imports/ (the freshness test uses it)' },
    },
  },
  ({ flags }) => importCrds(flags.mirror ?? process.env.CRD_MIRROR, flags.out),
);
