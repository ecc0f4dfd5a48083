import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { UPSTREAM_COMPONENTS } from '../argocd/upstream-components';
import { IMAGE_TAGS, VERSIONS } from '../config/versions';
import { NAMESPACES } from '../lib/namespaces';
import { TOOLS } from '../verify/tools/catalog';
import { ROOT } from './helpers';

/** The formatter and the linter that `npm test` runs catch what they are there for. */
const bin = (name: string) => path.join(ROOT, 'node_modules', '.bin', name);

describe('format and lint', () => {
  // Our eslint.config.mjs, not ESLint itself: `any` is refused in render code and allowed where engine JSON is read.
  test('ESLint refuses `any` in render code, and allows it where engine JSON is read', () => {
    const source = 'export const parse = (text: string): any => JSON.parse(text);\n';
    const lint = (file: string) =>
      spawnSync(bin('eslint'), ['--stdin', '--stdin-filename', file, '--max-warnings', '0'], { cwd: ROOT, input: source, encoding: 'utf8' });
    const render = lint('lib/parse.ts');
    expect(render.status).toBe(1);
    expect(render.stdout).toContain('@typescript-eslint/no-explicit-any');
    expect(lint('verify/engines/parse.ts').status).toBe(0);
  });
});

describe('one source for every namespace name', () => {
  const names = Object.values(NAMESPACES);
  /**
   * How a name gets spelled again: as the value of a namespace field or flag,
   * and, for the names that mean nothing but a namespace (kong, argocd and demo
   * also name charts, releases and Applications), as any quoted literal.
   */
  const spellings = (text: string) =>
    names.filter((n) =>
      [
        `namespace: '${n}'`,
        `namespace: "${n}"`,
        `NAMESPACE: '${n}'`,
        `-n ${n} `,
        `--namespace ${n} `,
        ...(/-|^monitoring$/.test(n) ? [`'${n}'`, `"${n}"`, `\`${n}\``] : []),
      ].some((s) => text.includes(s)),
    );
  const sources = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts', '*.sh'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => f && !/^(test|imports|dist)\//.test(f) && fs.existsSync(path.join(ROOT, f)))
    // The seed's exercises spell the seed's commands as the seed writes them: a rename of ours must make them fail, not follow.
    .filter((f) => f !== 'verify/exercises/catalog.ts');

  test('the render code, the engines and the shell spell them only in lib/namespace-names.ts', () => {
    const offenders = sources
      .filter((f) => f !== 'lib/namespace-names.ts')
      .flatMap((f) => spellings(fs.readFileSync(path.join(ROOT, f), 'utf8')).map((n) => `${f}: ${n}`));
    expect(offenders).toEqual([]);
    expect(sources.length).toBeGreaterThan(50);
  });

  test('the check sees a name spelled again, in TypeScript and in shell', () => {
    expect(spellings("registryExemptNamespaces: ['kube-system'],")).toEqual(['kube-system']);
    expect(spellings('kubectl -n istio-system get peerauthentication default')).toEqual(['istio-system']);
    expect(spellings("{ chart: 'kong/ingress', namespace: 'kong', name: 'kong-gateway' }")).toEqual(['kong']);
    expect(spellings("releaseName: 'kong', ingressClass: 'kong', namespace: NAMESPACES.kong")).toEqual([]);
  });
});

describe('no pinned version in a comment', () => {
  /** Every version the project pins, from where it pins them: what a comment would go stale against. */
  const PINNED = [
    ...Object.values(VERSIONS),
    ...Object.values(IMAGE_TAGS),
    ...UPSTREAM_COMPONENTS.map((u) => (u.source.kind === 'helm' ? u.source.version : u.source.revision)),
    ...TOOLS.map((t) => t.version),
  ]
    .map((v) => v.replace(/^v/, ''))
    .filter((v, i, all) => /^\d+\.\d+\.\d+/.test(v) && all.indexOf(v) === i);
  /** Where the pins are written: the one data source each version is read from. */
  const DATA_SOURCES = ['config/versions.ts', 'argocd/upstream-components.ts', 'verify/tools/catalog.ts'];

  /** The pinned versions a text's comments spell, found by TypeScript's own parser (a `//` in a string or a URL is no comment). */
  const versionsInComments = (file: string, text: string, pinned: readonly string[] = PINNED): string[] => {
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const seen = new Set<number>();
    const comments: string[] = [];
    const visit = (node: ts.Node) => {
      for (const range of [...(ts.getLeadingCommentRanges(text, node.pos) ?? []), ...(ts.getTrailingCommentRanges(text, node.end) ?? [])])
        if (!seen.has(range.pos)) {
          seen.add(range.pos);
          comments.push(text.slice(range.pos, range.end));
        }
      node.forEachChild(visit);
    };
    visit(source);
    return comments
      .filter((c) => !/^\/\/ renovate: /.test(c))
      .flatMap((c) =>
        pinned.filter((v) => new RegExp(`(^|[^\\w.-])v?${v.replace(/\./g, '\\.')}(?![\\w.])`).test(c)).map((v) => `${v} in "${c.slice(0, 80)}"`),
      );
  };

  test('render code, engines, scripts and tests name a pinned version only in its data source', () => {
    const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((f) => f && !/^(imports|dist)\//.test(f) && !DATA_SOURCES.includes(f) && fs.existsSync(path.join(ROOT, f)));
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.flatMap((f) => versionsInComments(f, fs.readFileSync(path.join(ROOT, f), 'utf8')).map((o) => `${f}: ${o}`));
    expect(offenders).toEqual([]);
  });

  test('seeded break: a version in a doc comment is found; the same version in a string, a URL or a renovate annotation is not', () => {
    const text = [
      '/** The Cilium 1.19.1 chart values. */',
      "const url = 'https://helm.cilium.io/1.19.1'; // a trailing v1.19.1 note",
      '// renovate: datasource=helm depName=cilium',
      "const version = '1.19.1';",
    ].join('\n');
    expect(versionsInComments('x.ts', text, ['1.19.1'])).toEqual([
      '1.19.1 in "/** The Cilium 1.19.1 chart values. */"',
      '1.19.1 in "// a trailing v1.19.1 note"',
    ]);
  });
});
