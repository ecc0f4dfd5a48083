import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { moveArrayEnumsToItems } from '../verify/checks/crd-import';
import { crdMirror, readTree, ROOT, tempDir } from './helpers';

describe('imports/', () => {
  test('committed imports/ are exactly what npm run import generates', () => {
    const out = path.join(tempDir('imports-'), 'imports');
    const mirror = crdMirror();
    execFileSync(process.execPath, ['lib/run-ts.js', 'verify/scripts/import-crds.ts', '--out', out, ...(mirror ? ['--mirror', mirror] : [])], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    const fresh = readTree(out);
    const committed = readTree(path.join(ROOT, 'imports'));
    expect(Object.keys(committed).sort()).toEqual(Object.keys(fresh).sort());
    for (const file of Object.keys(fresh)) expect({ file, same: committed[file] === fresh[file] }).toEqual({ file, same: true });
  });

  test('the Gatekeeper schema fix moves an array enum onto its items and keeps its values', () => {
    const schema: any = { properties: { operations: { type: 'array', enum: ['*', 'CREATE'], items: { type: 'string' } } } };
    moveArrayEnumsToItems(schema);
    expect(schema.properties.operations).toEqual({ type: 'array', items: { type: 'string', enum: ['*', 'CREATE'] } });
  });

  test('the ConstraintTemplate import is typed, not any', () => {
    const source = fs.readFileSync(path.join(ROOT, 'imports/templates.gatekeeper.sh.ts'), 'utf8');
    expect(source).toMatch(/export class ConstraintTemplate extends ApiObject/);
    expect(source).toMatch(/readonly rego\?: string;/);
    expect(source).toMatch(/readonly operations\?: ConstraintTemplateV1Alpha1SpecTargetsOperations\[\]/);
  });
});
