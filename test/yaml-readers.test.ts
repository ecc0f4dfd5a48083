import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { isAmbiguousInYaml11, toYaml } from '../lib/yaml';
import { ROOT } from './helpers';

/** Every YAML file under dist/, parsed as Go's YAML 1.1 readers (Argo CD, Helm, kubectl) and as YAML 1.2 readers see it. */
function distYamlFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.yaml')) out.push(full);
    }
  };
  walk(path.join(ROOT, 'dist'));
  return out.sort();
}

/** Files whose meaning differs between the two readers, with the first differing document. */
function disagreements(files: readonly string[], read: (file: string) => string): string[] {
  return files.filter((file) => {
    const text = read(file);
    return JSON.stringify(YAML.parse(text, { version: '1.1' })) !== JSON.stringify(YAML.parse(text, { version: '1.2' }));
  });
}

describe('every dist file means the same to YAML 1.1 and YAML 1.2 readers', () => {
  const files = distYamlFiles();

  test(`all ${files.length} YAML files of every environment agree`, () => {
    expect(files.length).toBeGreaterThan(200);
    expect(disagreements(files, (f) => fs.readFileSync(f, 'utf8')).map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  test('the check fails on what a YAML 1.2 writer emits for off, a date, an octal and a sexagesimal', () => {
    const risky = { database: 'off', from: '2024-04-01', mode: '0755', time: '1:20', answer: 'yes', y: 'n' };
    const naive = YAML.stringify(risky);
    expect(disagreements(['naive'], () => naive)).toEqual(['naive']);
    expect(disagreements(['ours'], () => toYaml(risky))).toEqual([]);
    expect(toYaml(risky)).toContain('database: "off"');
  });

  test('strings that are plain in both readers stay unquoted, so diffs stay small', () => {
    for (const plain of ['kong', 'tunnel', 'v3.3.2', '168h', 'RuntimeDefault', 'office']) expect(isAmbiguousInYaml11(plain)).toBe(false);
    for (const ambiguous of ['off', 'On', 'YES', 'n', '2024-04-01', '0777', '1:20', '1_000', '.inf', '~']) expect(isAmbiguousInYaml11(ambiguous)).toBe(true);
  });
});
