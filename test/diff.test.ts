import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { COMPONENTS } from '../components';
import { EnvironmentConfig } from '../config';
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from '../config/environments';
import { writeAtomically } from '../lib/output';
import {
  diffTrees,
  failureReason,
  ignoredPaths,
  lineDiff,
  ObjectChange,
  treeAtRef,
  treeOf,
  upstreamChanges,
  withoutIgnoredDifferences,
  withoutNoise,
} from '../verify/checks/rendered-diff';
import { fitMarkdown, formatMarkdown, formatText, notRenderedNotes } from '../verify/checks/diff-format';
import { KubeObject } from '../lib/synth';
import { toYaml } from '../lib/yaml';
import { formatConnectivityMarkdown, formatConnectivityText, treeConnectivity } from '../verify/checks/connectivity-diff';
import { renderEnvironment } from '../lib/synth';
import { ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

const { prod } = ENVIRONMENTS;

/** A throwaway repository whose main branch holds dist/ rendered from `base`. */
function repoWith(base: EnvironmentConfig): {
  dir: string;
  git: (...args: string[]) => string;
  commit: (env: EnvironmentConfig, branch: string) => void;
} {
  const dir = tempDir('diff-repo-');
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  const commit = (env: EnvironmentConfig, message: string) => {
    writeAtomically([renderEnvironment(env, COMPONENTS)], path.join(dir, 'dist'));
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
  };
  commit(base, 'base');
  return { dir, git, commit };
}

const withBackendReplicas = (n: number): EnvironmentConfig => ({ ...prod, demo: { ...prod.demo, backend: { ...prod.demo.backend, replicas: n } } });

describe('rendered diff on real git history', () => {
  test('a one-line config change (prod backend replicas) is exactly one changed field in one object', () => {
    const repo = repoWith(prod);
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit(withBackendReplicas(5), 'scale backend');
    const base = repo.git('merge-base', 'HEAD', 'main');
    const changes = diffTrees('prod', treeAtRef(repo.dir, base, 'prod'), treeAtRef(repo.dir, 'HEAD', 'prod'));
    expect(changes).toEqual([
      {
        env: 'prod',
        component: 'demo',
        file: 'demo/deployment-backend.yaml',
        object: 'Deployment demo/backend',
        change: 'changed',
        fields: [{ path: 'spec.replicas', before: 4, after: 5 }],
      },
    ]);
    expect(formatText(changes, ['prod'])).toBe(
      'prod: 0 added, 0 removed, 1 changed (Deployment 1)\n  demo/\n    ~ Deployment demo/backend\n        spec.replicas: 4 -> 5\n',
    );
    expect(formatMarkdown(changes, ['prod'])).toContain('| ✏️ changed | `Deployment demo/backend` | `spec.replicas` | `4` | `5` |');
  });

  test('the working tree render against the base commit gives the same answer', () => {
    const repo = repoWith(prod);
    const changes = diffTrees('prod', treeAtRef(repo.dir, 'main', 'prod'), treeOf(renderEnvironment(withBackendReplicas(5), COMPONENTS)));
    expect(changes.map((c) => [c.object, c.fields])).toEqual([['Deployment demo/backend', [{ path: 'spec.replicas', before: 4, after: 5 }]]]);
  });

  test('added and removed objects show as such', () => {
    const repo = repoWith(prod);
    repo.git('checkout', '-q', '-b', 'feature');
    const next: EnvironmentConfig = {
      ...prod,
      security: { ...prod.security, backendL3L4Policy: false },
      demo: { ...prod.demo, loadGenerator: { ...prod.demo.loadGenerator, enabled: true, imageTag: '8.5.0' } },
    };
    repo.commit(next, 'load generator on, L3/L4 policy off');
    const changes = diffTrees('prod', treeAtRef(repo.dir, 'main', 'prod'), treeAtRef(repo.dir, 'feature', 'prod'));
    const brief = changes.map((c) => `${c.change} ${c.object}`);
    expect(brief).toEqual(
      expect.arrayContaining([
        'added Job demo/load-generator',
        // The load generator's own way out through the Gateway comes with it (topology/).
        'added NetworkPolicy demo/load-generator-to-gateway',
        'added NetworkPolicy demo/load-generator-to-backend',
        // Without the Cilium policy, the backend admits the frontend tier and the Gateway through NetworkPolicies of its own.
        'added NetworkPolicy demo/backend-from-frontend-tier',
        'added NetworkPolicy demo/backend-from-gateway',
        'removed CiliumNetworkPolicy demo/backend-allow-frontend-only',
        'removed Application argocd/network-policies',
      ]),
    );
    expect(failureReason(changes, ['removals'])).toBe('objects are removed');
    expect(failureReason(changes, ['stg'])).toBeUndefined();
    expect(failureReason(changes, ['prod'])).toMatch(/^prod changes \(5 added, \d+ removed, \d+ changed\)$/);
  });

  test('a domain change shows as field paths in the routes and the bootstrap env', () => {
    const repo = repoWith(prod);
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit({ ...prod, domain: 'lab-prod.example' }, 'new domain');
    const changes = diffTrees('prod', treeAtRef(repo.dir, 'main', 'prod'), treeAtRef(repo.dir, 'feature', 'prod'));
    const route = changes.find((c) => c.object === 'HTTPRoute demo/demo-api')!;
    expect(route.fields).toEqual([{ path: 'spec.hostnames[0]', before: 'api.lab-prod.local', after: 'api.lab-prod.example' }]);
    expect(changes.find((c) => c.object === 'file bootstrap.env')!.fields).toEqual(
      expect.arrayContaining([{ path: 'DOMAIN', before: "'lab-prod.local'", after: "'lab-prod.example'" }]),
    );
  });
});

describe('upstream effects in the rendered diff (the charts rendered by Helm on both sides)', () => {
  const helm = toolPath('helm');

  test('a Gatekeeper replica change shows the rendered Deployment field, not just the value', () => {
    const next: EnvironmentConfig = { ...prod, upstream: { ...prod.upstream, gatekeeperReplicas: 5 } };
    const before = treeOf(renderEnvironment(prod, COMPONENTS));
    const after = treeOf(renderEnvironment(next, COMPONENTS));
    const { changes, notRendered } = upstreamChanges('prod', before, after, helm);
    expect(notRendered.every((n) => n.includes('mimir'))).toBe(true);
    expect(changes.map((c) => [c.component, c.object, c.fields])).toEqual([
      ['gatekeeper (helm)', 'Deployment gatekeeper-system/gatekeeper-controller-manager', [{ path: 'spec.replicas', before: 3, after: 5 }]],
    ]);
    expect(formatMarkdown(changes, ['prod'])).toContain(
      '| ✏️ changed | `Deployment gatekeeper-system/gatekeeper-controller-manager` | `spec.replicas` | `3` | `5` |',
    );
  });

  test('a value inside a rendered config file shows as the changed lines of that file', () => {
    // stg: prod keeps Tempo outside the cluster.
    const stg = ENVIRONMENTS.stg;
    const next: EnvironmentConfig = { ...stg, observability: { ...stg.observability, retention: '14d' } };
    const { changes } = upstreamChanges('stg', treeOf(renderEnvironment(stg, COMPONENTS)), treeOf(renderEnvironment(next, COMPONENTS)), helm);
    const tempo = changes.find((c) => c.object === 'ConfigMap monitoring/tempo')!;
    expect(tempo.fields).toEqual([
      { path: 'data.tempo.yaml', lines: ['    compaction:', '-     block_retention: 168h', '+     block_retention: 336h'] },
    ]);
    expect(formatText([tempo], ['stg'])).toContain('          -     block_retention: 168h\n          +     block_retention: 336h');
  });

  test('nothing is rendered when no Application changed', () => {
    const tree = treeOf(renderEnvironment(prod, COMPONENTS));
    expect(upstreamChanges('prod', tree, tree, '/nonexistent/helm')).toEqual({ changes: [], notRendered: [], ignored: 0 });
  });

  test('line diffs keep one line of context and put removals first', () => {
    expect(lineDiff('a\nb\nc', 'a\nB\nc')).toEqual(['  a', '- b', '+ B']);
  });
});

describe('the connectivity diff on real git history: who can talk to whom, as Cilium\u2019s engine judges both sides', () => {
  const tools = { helm: toolPath('helm'), harness: () => toolPath('cilium-policy') };
  const noMesh = ENVIRONMENTS['dev-no-mesh'];

  test('a branch that adds an allow from monitoring (Grafana) to the backend shows exactly that pair, newly allowed and marked', () => {
    const repo = repoWith(noMesh);
    repo.git('checkout', '-q', '-b', 'feature');
    const allow = {
      apiVersion: 'cilium.io/v2',
      kind: 'CiliumNetworkPolicy',
      metadata: { name: 'grafana-to-backend', namespace: 'monitoring' },
      spec: {
        endpointSelector: { matchLabels: { 'app.kubernetes.io/name': 'grafana' } },
        egress: [
          {
            toEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'demo', app: 'backend' } }],
            toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
          },
        ],
      },
    };
    writeAtomically([renderEnvironment(noMesh, COMPONENTS)], path.join(repo.dir, 'dist'));
    fs.writeFileSync(path.join(repo.dir, 'dist/dev-no-mesh/monitoring-isolation/ciliumnetworkpolicy-grafana-to-backend.yaml'), toYaml(allow));
    repo.git('add', '-A');
    repo.git('commit', '-q', '-m', 'grafana reaches the backend');
    const diff = treeConnectivity(noMesh, treeAtRef(repo.dir, 'main', noMesh.name), treeAtRef(repo.dir, 'HEAD', noMesh.name), tools);
    expect(diff.changes).toEqual([
      { from: 'deployment/grafana (monitoring)', to: 'deployment/backend (demo)', port: 8080, before: 'denied', after: 'allowed', opensInto: 'demo' },
    ]);
    expect(diff.judged).toBeGreaterThan(1000);
    expect(formatConnectivityText([{ env: noMesh.name, diff }])).toBe(
      'connectivity dev-no-mesh: 1 pair(s) change\n  + deployment/grafana (monitoring) -> deployment/backend (demo):8080: denied -> allowed [opens a path into demo]\n',
    );
    expect(formatConnectivityMarkdown([{ env: noMesh.name, diff }])).toContain(
      '| ⚠️ opens demo | `deployment/grafana (monitoring)` | `deployment/backend (demo)` | 8080 |  | denied | allowed |',
    );
  });

  test('a branch that changes only replicas shows "connectivity: no change", judging nothing', () => {
    const repo = repoWith(prod);
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit(withBackendReplicas(5), 'scale backend');
    const diff = treeConnectivity(prod, treeAtRef(repo.dir, 'main', 'prod'), treeAtRef(repo.dir, 'HEAD', 'prod'), {
      helm: toolPath('helm'),
      harness: () => {
        throw new Error('nothing that decides a verdict changed: the engine must not run');
      },
    });
    expect(diff).toEqual({ changes: [], judged: 0 });
    expect(formatConnectivityText([{ env: 'prod', diff }])).toBe('connectivity: no change\n');
  });

  test("an L7 rule that admits POST /post (seed 2-3's file, as the reader applies it) shows as that request newly allowed, per caller", () => {
    const seedFile = fs.readFileSync(path.join(ROOT, 'lab/01-cilium/policies/backend-l7-policy.yaml'), 'utf8');
    const before = new Map(treeOf(renderEnvironment(noMesh, COMPONENTS)));
    before.set('network-policies/ciliumnetworkpolicy-backend-l7-http-policy.yaml', seedFile);
    const after = new Map(before);
    after.set(
      'network-policies/ciliumnetworkpolicy-backend-l7-http-policy.yaml',
      seedFile.replace(
        '              - method: GET\n                path: /get\n',
        '              - method: GET\n                path: /get\n              - method: POST\n                path: /post\n',
      ),
    );
    expect(after.get('network-policies/ciliumnetworkpolicy-backend-l7-http-policy.yaml')).toContain('path: /post');
    const diff = treeConnectivity(noMesh, before, after, tools);
    expect(diff.changes).toEqual(
      ['deployment/frontend (demo)', 'job/load-generator (demo)'].map((from) => ({
        from,
        to: 'deployment/backend (demo)',
        port: 8080,
        request: 'POST /post',
        before: 'denied',
        after: 'allowed',
        opensInto: 'demo',
      })),
    );
  });
});

describe('npm run diff', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/diff.ts', ...args], { cwd: ROOT, encoding: 'utf8' });

  test('exits 0 with nothing to report when dist/ matches the render', () => {
    const result = run(['--base', 'HEAD']);
    expect(result.stdout).toBe(`diff: no changes in ${ENVIRONMENT_NAMES.join(', ')}\nconnectivity: no change\n`);
    expect(result.status).toBe(0);
  });

  test('bad input: one line and exit 2', () => {
    const result = run(['--base', 'no-such-ref']);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe("diff: error: 'no-such-ref' is not a commit in this repository; pass --base <git-ref>");
  });

  test.each([['prd'], ['PROD'], ['everything']])('a typo in the CI gate (--fail-on %s) is bad input, not a pass', (value) => {
    const result = run(['--base', 'HEAD', '--fail-on', value]);
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toMatch(
      new RegExp(`^diff: error: --fail-on '${value}' is not one of ${ENVIRONMENT_NAMES.join(', ')}, any, removals; usage: npm run diff --`),
    );
  });
});

describe('the pull-request comment fits its host', () => {
  /** A large change: every environment, 40 components of 30 objects each, each with a long text diff. */
  const large: ObjectChange[] = ['dev', 'stg', 'prod'].flatMap((env) =>
    Array.from({ length: 40 * 30 }, (_, i) => ({
      env,
      component: `component-${Math.floor(i / 30)}`,
      file: `component-${Math.floor(i / 30)}/configmap-${i}.yaml`,
      object: `ConfigMap demo/config-${i}`,
      change: 'changed' as const,
      fields: [{ path: 'data.config', lines: lineDiff('a\nb\nc', 'a\nB\nc') }],
    })),
  );

  test('a large change renders under 65,536 characters: prod details first, and a closing line names every component whose details were cut', () => {
    const envs = ['dev', 'stg', 'prod'];
    expect(formatMarkdown(large, envs).length).toBeGreaterThan(65_536);
    const comment = fitMarkdown(large, envs, 65_536);
    expect(comment.length).toBeLessThanOrEqual(65_536);
    expect(comment.length).toBeGreaterThan(50_000);
    const closing = /^_Cut to fit 65536 characters: the object details of (.+)\. Run `npm run diff -- (.+)` to read them\._$/m.exec(comment);
    expect(closing).not.toBeNull();
    const named = new Map(closing![1].split('; ').map((part) => [part.split(' ')[0], part.slice(part.indexOf('(') + 1, -1).split(', ')]));
    for (const env of envs) {
      // Every component is either shown in full or named as cut and counted in its environment's table: nothing dropped silently.
      const cut = named.get(env) ?? [];
      const section = comment.slice(comment.indexOf(`<b>${env}</b>`), comment.indexOf('</details>', comment.indexOf(`<b>${env}</b>`)));
      const full = [...section.matchAll(/^\*\*(component-\d+)\/\*\*$/gm)].map((m) => m[1]);
      const counted = [...section.matchAll(/^\| (component-\d+)\/ \| 0 added, 0 removed, 30 changed \|$/gm)].map((m) => m[1]);
      expect([...full, ...counted].sort()).toEqual(Array.from({ length: 40 }, (_, i) => `component-${i}`).sort());
      expect(counted.sort()).toEqual([...cut].sort());
    }
    // prod is read first: it keeps the most details.
    expect((named.get('prod') ?? []).length).toBeLessThan((named.get('dev') ?? []).length);
  });

  test('a change that fits is the full diff, unchanged', () => {
    expect(fitMarkdown(large.slice(0, 3), ['dev'], 65_536)).toBe(formatMarkdown(large.slice(0, 3), ['dev']));
  });

  test('noise fields are left out: an object whose only change is its chart label is counted, not shown', () => {
    const relabel: ObjectChange = {
      env: 'prod',
      component: 'gatekeeper (helm)',
      file: 'gatekeeper/deployment-x.yaml',
      object: 'Deployment gatekeeper-system/x',
      change: 'changed',
      fields: [
        { path: 'metadata.labels.helm.sh/chart', before: 'gatekeeper-3.21.1', after: 'gatekeeper-3.21.2' },
        { path: 'spec.template.metadata.annotations.checksum/config', before: 'a', after: 'b' },
      ],
    };
    const real: ObjectChange = {
      ...relabel,
      object: 'Deployment gatekeeper-system/y',
      fields: [...relabel.fields, { path: 'spec.replicas', before: 3, after: 4 }],
    };
    const { changes, quiet } = withoutNoise([relabel, real]);
    expect(quiet).toBe(1);
    expect(changes.map((c) => [c.object, c.fields.map((f) => f.path)])).toEqual([['Deployment gatekeeper-system/y', ['spec.replicas']]]);
  });
});

describe('the diff grouped as a reviewer reads it', () => {
  /** Each environment's render, and the same with `label` set on every object (and its pod template) by `valueOf`. */
  const relabelled = (valueOf: (file: string) => string) =>
    ENVIRONMENT_NAMES.flatMap((name) => {
      const base = treeOf(renderEnvironment(ENVIRONMENTS[name], COMPONENTS));
      const head = new Map(
        [...base].map(([file, content]): [string, string] => {
          if (!file.endsWith('.yaml')) return [file, content];
          type Labelled = { metadata?: { labels?: Record<string, string> } };
          const object = YAML.parse(content) as KubeObject & Labelled & { spec?: { template?: Labelled } };
          const label = (o: Labelled) => (o.metadata!.labels = { ...o.metadata!.labels, 'example.com/cost-center': valueOf(file) });
          // Plain files (a values file, a dashboard) have no metadata: they stay as they are.
          if (!object?.metadata) return [file, content];
          label(object);
          if (object.spec?.template?.metadata) label(object.spec.template);
          return [file, toYaml(object)];
        }),
      );
      return diffTrees(name, base, head);
    });
  const rows = (markdown: string, env: string) => {
    const at = markdown.indexOf(`<b>${env}</b>`);
    return markdown
      .slice(at, markdown.indexOf('\n</details>\n', at))
      .split('\n')
      .filter((l) => /^\| (✏️|➕|➖)/.test(l));
  };

  test('one label added to every object is one row per environment, its objects folded under it, after a summary line by kind', () => {
    const changes = relabelled(() => 'platform');
    const markdown = formatMarkdown(changes, ENVIRONMENT_NAMES);
    for (const env of ENVIRONMENT_NAMES) {
      const objects = changes.filter((c) => c.env === env).length;
      expect(objects).toBeGreaterThan(100);
      expect(rows(markdown, env)).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\| ✏️ changed \\| <details><summary>${objects} objects</summary>.*</details> \\| \`metadata\\.labels\\.example\\.com/cost-center\` \\(also spec\\.template\\.metadata\\.labels\\.example\\.com/cost-center\\) \\|  \\| \`platform\` \\|$`,
          ),
        ),
      ]);
      expect(markdown).toMatch(new RegExp(`<b>${env}</b>: 0 added, 0 removed, ${objects} changed \\((Application|NetworkPolicy) \\d+, `));
    }
    const text = formatText(changes, ['prod']).split('\n');
    expect(text.filter((l) => /^ {2}\S/.test(l))).toEqual([
      expect.stringMatching(/^ {2}= \d+ objects: metadata\.labels\.example\.com\/cost-center .*: \(none\) -> platform$/),
    ]);
  });

  test('seeded break: a label whose value differs per object is not folded: a row per object, so only identical changes collapse', () => {
    const changes = relabelled((file) => file);
    const markdown = formatMarkdown(
      changes.filter((c) => c.env === 'prod'),
      ['prod'],
    );
    expect(rows(markdown, 'prod').length).toBe(changes.filter((c) => c.env === 'prod').length);
    expect(markdown).not.toContain('The same change in many objects');
  });

  test("an object's other changes stay in its component's table beside the shared row", () => {
    const changes = relabelled(() => 'platform').map((c) =>
      c.env === 'prod' && c.object === 'Deployment demo/backend'
        ? { ...c, fields: [...c.fields, { path: 'spec.replicas', before: 4, after: 5 }] }
        : c,
    );
    const prodRows = rows(formatMarkdown(changes, ['prod']), 'prod');
    expect(prodRows).toHaveLength(2);
    expect(prodRows[1]).toBe('| ✏️ changed | `Deployment demo/backend` | `spec.replicas` | `4` | `5` |');
  });
});

test('a chart that could not be rendered is named in the comment once per reason, with every environment and side it failed in', () => {
  const reason = 'mimir unverified: not in the chart mirror, and helm pull failed';
  expect(
    notRenderedNotes([
      `dev, base: ${reason}`,
      `dev, this change: ${reason}`,
      `stg, base: ${reason}`,
      'prod, this change: grafana failed: template error',
    ]),
  ).toEqual([
    `not rendered, so not compared: ${reason}; in dev (base), dev (this change), stg (base)`,
    'not rendered, so not compared: grafana failed: template error; in prod (this change)',
  ]);
});

describe("each Application's ignoreDifferences, as Argo CD reads it", () => {
  const webhook = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'gatekeeper-validating-webhook-configuration' },
  } as KubeObject;
  const rules = [
    { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'] },
    { group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] },
    // Beyond fields and []?: not understood, so never hidden.
    {
      group: 'admissionregistration.k8s.io',
      kind: 'ValidatingWebhookConfiguration',
      jqPathExpressions: ['.webhooks[] | select(.name == "x") | .sideEffects'],
    },
  ];
  const change = (object: string, paths: string[]): ObjectChange => ({
    env: 'prod',
    component: 'gatekeeper (helm)',
    file: `gatekeeper/${object}.yaml`,
    object,
    change: 'changed',
    fields: paths.map((path) => ({ path, before: 'a', after: 'b' })),
  });

  test('a caBundle change is left out and counted; a sideEffects change under a jq filter it cannot read stays', () => {
    const patterns = ignoredPaths(rules, webhook);
    const { changes, ignored } = withoutIgnoredDifferences(
      [
        change('only-ca', ['webhooks[validation.gatekeeper.sh].clientConfig.caBundle']),
        change('ca-and-effects', ['webhooks[validation.gatekeeper.sh].clientConfig.caBundle', 'webhooks[validation.gatekeeper.sh].sideEffects']),
      ],
      () => patterns,
    );
    expect(ignored).toBe(1);
    expect(changes.map((c) => [c.object, c.fields.map((f) => f.path)])).toEqual([
      ['ca-and-effects', ['webhooks[validation.gatekeeper.sh].sideEffects']],
    ]);
  });

  test('rules apply by group and kind: a Deployment rule does not hide a webhook field, and a JSON pointer matches its path', () => {
    const deployment = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' } } as KubeObject;
    expect(ignoredPaths(rules, deployment).some((r) => r.test('spec.replicas'))).toBe(true);
    expect(ignoredPaths(rules, deployment).some((r) => r.test('spec.replicasx'))).toBe(false);
    expect(ignoredPaths(rules, webhook).some((r) => r.test('spec.replicas'))).toBe(false);
  });
});
