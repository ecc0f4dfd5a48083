import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

/**
 * The pull-request workflow (.github/workflows/) as GitHub Actions reads it:
 * actionlint checks its syntax, expressions, the inputs of the actions it
 * uses, and its run: scripts with the pinned shellcheck.
 */
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const lint = (...files: string[]) =>
  spawnSync(toolPath('actionlint'), [`-shellcheck=${toolPath('shellcheck')}`, '-no-color', ...files], { cwd: ROOT, encoding: 'utf8' });

test('every workflow passes actionlint', () => {
  const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith('.yml'));
  expect(files).toContain('pull-request.yml');
  const result = lint(...files.map((f) => path.join(WORKFLOWS, f)));
  expect({ status: result.status, out: result.stdout + result.stderr }).toEqual({ status: 0, out: '' });
});

test('seeded break: a misspelt input of actions/checkout and an unknown context are found', () => {
  const broken = fs
    .readFileSync(path.join(WORKFLOWS, 'pull-request.yml'), 'utf8')
    .replace('fetch-depth: 0', 'fetch-deepth: 0')
    .replace('github.event.pull_request.number', 'gihub.event.pull_request.number');
  const file = path.join(tempDir('workflow-'), 'broken.yml');
  fs.writeFileSync(file, broken);
  const result = lint(file);
  expect(result.status).toBe(1);
  expect(result.stdout).toMatch(/input "fetch-deepth" is not defined in action "actions\/checkout@v4"/);
  expect(result.stdout).toMatch(/undefined variable "gihub"/);
});
