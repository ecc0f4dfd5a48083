import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tempDir } from './helpers';

/** The formatter and the linter that `npm test` runs catch what they are there for. */
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

describe('format and lint', () => {
  test('Prettier refuses a file it would lay out differently', () => {
    const file = path.join(tempDir('style-'), 'bad.ts');
    fs.writeFileSync(file, 'export const  x = {a:1,\n b:2}\n');
    const result = spawnSync(bin('prettier'), ['--check', file], { cwd: ROOT, encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stdout + result.stderr).toContain('bad.ts');
  });

  test('ESLint refuses `any` in render code, and allows it where engine JSON is read', () => {
    const source = 'export const parse = (text: string): any => JSON.parse(text);\n';
    const lint = (file: string) =>
      spawnSync(bin('eslint'), ['--stdin', '--stdin-filename', file, '--max-warnings', '0'], { cwd: ROOT, input: source, encoding: 'utf8' });
    const render = lint('lib/parse.ts');
    expect(render.status).toBe(1);
    expect(render.stdout).toContain('@typescript-eslint/no-explicit-any');
    expect(lint('engines/parse.ts').status).toBe(0);
  });
});
