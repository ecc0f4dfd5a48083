import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { emitSimple, isAmbiguousInYaml11, libraryYaml, orderKeys, toYaml } from '../lib/yaml';
import { ALL_ENVS, render, ROOT } from './helpers';

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
    for (const ambiguous of ['off', 'On', 'YES', 'n', '2024-04-01', '0777', '1:20', '1_000', '.inf', '~'])
      expect(isAmbiguousInYaml11(ambiguous)).toBe(true);
  });
});

describe('the fast writer gives the library’s bytes, or leaves the document to the library', () => {
  const documents = [
    ...ALL_ENVS.flatMap((env) => render(env).files.map((f) => f.object)),
    ...distYamlFiles().map((f) => YAML.parse(fs.readFileSync(f, 'utf8'))),
  ];

  test(`every rendered object and every dist file: identical bytes where the fast writer applies`, () => {
    const fast = documents.filter((doc) => emitSimple(orderKeys(doc)) !== undefined);
    const differing = fast.filter((doc) => emitSimple(orderKeys(doc)) !== libraryYaml(orderKeys(doc)));
    expect(differing.map((d) => `${d.kind}/${d.metadata?.name}`)).toEqual([]);
    // The point of it: most documents take the fast path.
    expect(fast.length / documents.length).toBeGreaterThan(0.8);
  });

  // Each a value whose plain form a reader would misread, or that the library writes in a style of its own.
  const tricky = [
    '- x',
    'a: b',
    'a:',
    '#c',
    'a #c',
    '1e3',
    '0o17',
    '0x1F',
    '.inf',
    '...',
    '---',
    'off',
    'yes',
    'Null',
    '~',
    '',
    ' lead',
    'trail ',
    'multi\nline',
    'tab\there',
    'café',
    'say "hi"',
    '2024-04-01',
    '1:20',
    '0777',
    '12',
    '1.5',
    '[a]',
    '{a}',
    '*ref',
    '&anchor',
    '!tag',
    '%dir',
    '@at',
    '`tick',
    '|',
    '>',
    "'q'",
    '"q"',
    '?x',
    ',x',
  ];
  test.each(tricky.map((t) => [JSON.stringify(t), t]))(
    '%s: same bytes as the library, and read back as the same string by YAML 1.1 and 1.2',
    (_, text) => {
      for (const doc of [{ key: text }, { list: [text, { name: text }] }, { [text || 'empty']: 1 }]) {
        const written = toYaml(doc);
        expect(written).toBe(libraryYaml(orderKeys(doc)));
        expect(YAML.parse(written, { version: '1.1' })).toEqual(doc);
        expect(YAML.parse(written, { version: '1.2' })).toEqual(doc);
      }
    },
  );

  test('numbers and nesting beyond the fast path go to the library', () => {
    for (const doc of [{ a: 1.5 }, { a: -0 }, { a: 2 ** 60 }, { a: [[1, 2]] }, { a: 'multi\nline' }])
      expect(emitSimple(orderKeys(doc))).toBeUndefined();
    expect(emitSimple({ a: [], b: {}, c: null, d: true, e: [{ name: 'x', ports: [{ port: 80 }] }] })).toBe(
      libraryYaml({ a: [], b: {}, c: null, d: true, e: [{ name: 'x', ports: [{ port: 80 }] }] }),
    );
  });

  test('60,000 generated strings of indicators, quotes, digits and spaces: wherever the fast writer applies, the library agrees', () => {
    const chars = [
      'a',
      'b',
      '1',
      '0',
      ' ',
      ':',
      '#',
      '-',
      '?',
      '.',
      ',',
      '[',
      ']',
      '{',
      '}',
      '&',
      '*',
      '!',
      '|',
      '>',
      "'",
      '"',
      '%',
      '@',
      '`',
      '\\',
      '/',
      'e',
      'x',
      'o',
      'n',
      'y',
      'T',
      '=',
      '~',
      '+',
      '_',
      '\t',
    ];
    let seed = 7; // mulberry32: the same strings on every run
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    let fast = 0;
    const differing: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const text = Array.from({ length: random(6) }, () => chars[random(chars.length)]).join('');
      for (const doc of [{ k: text }, { [text || 'x']: 1 }, { l: [text] }]) {
        const written = emitSimple(doc);
        if (written === undefined) continue;
        fast++;
        if (written !== libraryYaml(doc)) differing.push(`${JSON.stringify(text)}: ${JSON.stringify(written)}`);
      }
    }
    expect(differing).toEqual([]);
    expect(fast).toBeGreaterThan(30000);
  });
});
