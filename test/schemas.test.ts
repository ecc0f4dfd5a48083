import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { COMPONENTS } from '../components';
import { ENVIRONMENTS } from '../config/environments';
import { archiveSourceOf, chartArchiveMember, importUrls, mirrorFiles } from '../verify/checks/crd-import';
import { chartMirror } from '../verify/engines/mirrors';
import { applicationsOf, hydrateApplications } from '../verify/engines/hydrate';
import {
  collectSchemas,
  formatProblem,
  isUnverified,
  kubernetesOpenApiUrl,
  manifestFiles,
  runKubeconform,
  schemasWithCrds,
  unverifiedKubernetesDocuments,
  writeSchemas,
} from '../verify/checks/schema-validation';
import { toYaml } from '../lib/yaml';
import { convertNode, fromOpenApiDocument, KindSchema, schemaFileName } from '../verify/checks/schemas';
import { ChartComponent, renderEnvironment } from '../lib/synth';
import { ALL_ENVS, crdMirror, render, ROOT, tempDir } from './helpers';
import { toolPath } from './tools';

const kubeconform = toolPath('kubeconform');
const schemaDir = tempDir('schemas-');
let schemas: KindSchema[] = [];

beforeAll(async () => {
  const templates = manifestFiles(path.join(ROOT, 'dist'))
    .filter((f) => path.basename(f).startsWith('constrainttemplate-'))
    .map((f) => YAML.parse(fs.readFileSync(f, 'utf8')));
  schemas = await collectSchemas({ mirror: crdMirror(), cdk8sYaml: path.join(ROOT, 'cdk8s.yaml'), constraintTemplates: templates });
  writeSchemas(schemas, schemaDir);
});

describe('OpenAPI v3 -> kubeconform schema conversion', () => {
  test('the file layout matches kubeconform template variables (core group is the version)', () => {
    expect(schemaFileName({ group: '', version: 'v1', kind: 'Pod' })).toBe('v1/pod_v1.json');
    expect(schemaFileName({ group: 'apps', version: 'v1', kind: 'Deployment' })).toBe('apps/deployment_v1.json');
    expect(schemaFileName({ group: 'cilium.io', version: 'v2', kind: 'CiliumNetworkPolicy' })).toBe('cilium.io/ciliumnetworkpolicy_v2.json');
  });

  test('refs, nullable, strict objects and preserved unknown fields', () => {
    expect(
      convertNode({
        type: 'object',
        properties: {
          a: { $ref: '#/components/schemas/X' },
          b: { type: 'string', nullable: true },
          free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { k: { type: 'string' } } },
        },
        oneOf: [{ properties: { a: {} }, required: ['a'] }],
      }),
    ).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        a: { $ref: '#/definitions/X' },
        b: { type: ['string', 'null'] },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { k: { type: 'string' } } },
      },
      oneOf: [{ properties: { a: {} }, required: ['a'] }],
    });
  });

  test('a kind is bundled with every definition it reaches, recursion included', () => {
    const doc = {
      components: {
        schemas: {
          'g.Thing': {
            type: 'object',
            'x-kubernetes-group-version-kind': [{ group: 'g', version: 'v1', kind: 'Thing' }],
            properties: { spec: { $ref: '#/components/schemas/g.Spec' } },
          },
          'g.Spec': { type: 'object', properties: { child: { $ref: '#/components/schemas/g.Spec' }, n: { $ref: '#/components/schemas/g.N' } } },
          'g.N': { type: 'integer' },
          'g.Unused': { type: 'string' },
        },
      },
    };
    const [thing] = fromOpenApiDocument(doc, 'test');
    expect(Object.keys(thing.schema.definitions as object)).toEqual(['g.N', 'g.Spec']);
    expect((thing.schema.definitions as any)['g.Spec'].properties.child).toEqual({ $ref: '#/definitions/g.Spec' });
  });

  test('without a mirror the same documents come from their upstream URLs', () => {
    expect(kubernetesOpenApiUrl('apis__apps__v1')).toBe(
      'https://raw.githubusercontent.com/kubernetes/kubernetes/v1.35.0/api/openapi-spec/v3/apis__apps__v1_openapi.json',
    );
    for (const url of importUrls(path.join(ROOT, 'cdk8s.yaml'))) {
      // A release tag: `v1.2.3`, `1.2.3`, or a chart's `kong-1.2.3`.
      expect(url).toMatch(/^https:\/\/raw\.githubusercontent\.com\/[^/]+\/[^/]+\/(?:[a-z]+-)?v?\d+\.\d+\.\d+\//);
      const mirror = crdMirror();
      const archived = archiveSourceOf(url);
      if (mirror && archived)
        expect(chartArchiveMember(chartMirror()!, archived.archive, archived.member)).toContain('kind: CustomResourceDefinition');
      else if (mirror) for (const file of mirrorFiles(url, mirror)) expect(fs.existsSync(file)).toBe(true);
    }
  });

  test('Kubernetes 1.35 built-ins, every CRD kind we render, and the Constraint kinds all have schemas', () => {
    const files = new Set(schemas.map(schemaFileName));
    for (const f of [
      'apps/deployment_v1.json',
      'v1/service_v1.json',
      'scheduling.k8s.io/priorityclass_v1.json',
      'cilium.io/ciliumnetworkpolicy_v2.json',
      'gateway.networking.k8s.io/httproute_v1.json',
      'configuration.konghq.com/kongplugin_v1.json',
      'security.istio.io/authorizationpolicy_v1.json',
      'argoproj.io/application_v1alpha1.json',
      'templates.gatekeeper.sh/constrainttemplate_v1.json',
      'constraints.gatekeeper.sh/k8srequirelabels_v1beta1.json',
    ]) {
      expect(files).toContain(f);
    }
  });
});

describe('every rendered object validates (kubeconform, strict)', () => {
  test.each(Object.keys(ENVIRONMENTS))('dist/%s', (env) => {
    const files = manifestFiles(path.join(ROOT, 'dist', env));
    const { problems, valid } = runKubeconform(kubeconform, schemaDir, files);
    // A kind whose OpenAPI document neither the mirror nor upstream gave is unverified here (the control-plane test admits it strictly).
    expect(problems.filter((p) => !isUnverified(p, ROOT)).map((p) => formatProblem(p, ROOT))).toEqual([]);
    expect(valid + problems.filter((p) => isUnverified(p, ROOT)).length).toBe(files.length);
  });

  test('npm run validate agrees, names what it could not verify, and refuses an unknown environment', () => {
    const run = (args: string[]) =>
      spawnSync(process.execPath, [path.join(ROOT, 'lib/run-ts.js'), 'verify/scripts/validate-schemas.ts', ...args], { cwd: ROOT, encoding: 'utf8' });
    const ok = run([]);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^validate: \d+ of \d+ objects valid in .* unverified: /m);
    const bad = run(['--env', 'nope']);
    expect([bad.status, bad.stderr.trim().split('\n').length]).toEqual([2, 1]);
  });

  test('unverified kinds are only those of Kubernetes documents missing from the mirror and unreachable upstream', () => {
    const mirror = crdMirror();
    for (const document of unverifiedKubernetesDocuments())
      expect(mirror && fs.existsSync(path.join(mirror, 'kubernetes', `${document}_openapi.json`))).toBeFalsy();
    process.stdout.write(`schemas: unverified Kubernetes API documents: ${unverifiedKubernetesDocuments().join(', ') || 'none'}\n`);
  });

  test('plain files are excluded by their naming rule, manifests next to them are not', () => {
    const files = manifestFiles(path.join(ROOT, 'dist', 'dev', 'bootstrap')).map((f) => path.basename(f));
    expect(files).toEqual([
      'application-root-dev.yaml',
      'appproject-root.yaml',
      'namespace-argocd.yaml',
      'namespace-kong.yaml',
      'namespace-monitoring.yaml',
      'persistentvolume-kind-parity-platform-clone.yaml',
      'persistentvolumeclaim-lab-clone.yaml',
    ]);
    const broken: ChartComponent = { ...COMPONENTS.find((c) => c.name === 'bootstrap')!, files: () => [{ name: 'kind.yaml', content: 'x' }] };
    expect(() => renderEnvironment(ENVIRONMENTS.dev, [broken])).toThrow(
      'bootstrap/kind.yaml: plain files must end in .values.yaml, .config.yaml or .env',
    );
  });
});

describe('every hydrated upstream object validates (kubeconform, strict, with the CRDs the charts ship)', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))('%s', async (_, env) => {
    const apps = hydrateApplications(applicationsOf(render(env)), { helm: toolPath('helm') });
    const objects = apps.flatMap((a) => a.objects);
    const dir = tempDir('hydrated-');
    // Charts render empty fields as null; the API server reads null as unset (the control-plane test admits them), so they are dropped first.
    const withoutNulls = (v: unknown): unknown =>
      Array.isArray(v)
        ? v.map(withoutNulls)
        : v && typeof v === 'object'
          ? Object.fromEntries(
              Object.entries(v)
                .filter(([, x]) => x !== null)
                .map(([k, x]) => [k, withoutNulls(x)]),
            )
          : v;
    const files = objects.map((o, i) => {
      const file = path.join(dir, `${String(i).padStart(4, '0')}-${o.file.replace(/\//g, '_')}`);
      fs.writeFileSync(file, toYaml(withoutNulls(o.object)));
      return file;
    });
    const schemaDirWithCrds = tempDir('schemas-hydrated-');
    writeSchemas(
      await schemasWithCrds(
        objects.map((o) => o.object).filter((o) => o.kind === 'CustomResourceDefinition'),
        crdMirror(),
      ),
      schemaDirWithCrds,
    );
    const { problems, valid } = runKubeconform(kubeconform, schemaDirWithCrds, files);
    expect(problems.map((p) => formatProblem(p, dir))).toEqual([]);
    expect(valid).toBe(files.length);
  });
});

describe('validation fails on seeded errors, naming file, object and field', () => {
  function validateMutated(env: string, file: string, mutate: (o: any) => void) {
    const dir = tempDir('seeded-');
    const target = path.join(dir, path.basename(file));
    const object = YAML.parse(fs.readFileSync(path.join(ROOT, 'dist', env, file), 'utf8'));
    mutate(object);
    fs.writeFileSync(target, YAML.stringify(object));
    return runKubeconform(kubeconform, schemaDir, [target]).problems.map((p) => formatProblem(p, dir));
  }

  test('a bad enum in a CiliumNetworkPolicy', () => {
    const problems = validateMutated(
      'prod',
      'network-policies/ciliumnetworkpolicy-backend-allow-frontend-only.yaml',
      (o) => (o.spec.ingress[0].toPorts[0].ports[0].protocol = 'TCPX'),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^ciliumnetworkpolicy-backend-allow-frontend-only\.yaml: CiliumNetworkPolicy backend-allow-frontend-only: \/spec\/ingress\/0\/toPorts\/0\/ports\/0\/protocol: value must be one of/,
      ),
    ]);
  });

  test('an unknown field in a Deployment', () => {
    const problems = validateMutated('dev', 'demo/deployment-backend.yaml', (o) => (o.spec.replicaz = 3));
    expect(problems).toEqual([
      expect.stringMatching(/^deployment-backend\.yaml: Deployment backend: \/spec: additional properties 'replicaz' not allowed/),
    ]);
  });

  test('a wrong HTTPRoute field', () => {
    const problems = validateMutated('stg', 'gateway/httproute-demo-api.yaml', (o) => {
      o.spec.rules[0].backendRefs[0].servicePort = 80;
    });
    expect(problems).toEqual([
      expect.stringMatching(
        /^httproute-demo-api\.yaml: HTTPRoute demo-api: \/spec\/rules\/0\/backendRefs\/0: additional properties 'servicePort' not allowed/,
      ),
    ]);
  });

  test('a Constraint parameter that breaks its template schema', () => {
    const problems = validateMutated(
      'prod',
      'gatekeeper-policies/k8srequirelabels-require-labels.yaml',
      (o) => (o.spec.parameters.labels = 'app,env,team'),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^k8srequirelabels-require-labels\.yaml: K8sRequireLabels require-labels: \/spec\/parameters\/labels: got string, want array/,
      ),
    ]);
  });

  test('a kind without any schema is an error, not a skip', () => {
    const dir = tempDir('noschema-');
    fs.writeFileSync(path.join(dir, 'x.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    const { problems } = runKubeconform(kubeconform, schemaDir, [path.join(dir, 'x.yaml')]);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0].object).toBe('Widget w');
  });
});
