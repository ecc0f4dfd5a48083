import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { NAMESPACES } from '../lib/namespaces';
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
