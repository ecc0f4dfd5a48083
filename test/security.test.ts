import { EnvironmentConfig } from '../config';
import { assertValid } from '../config/validate';
import { ENVIRONMENTS } from '../config/environments';
import { KubeObject } from '../lib/synth';
import { ROUTE_NAMESPACE_LABEL } from '../lib/namespaces';
import { chartOwnedNamespaces } from '../topology/index';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { SEED_2_3_POLICY_FILE } from '../verify/exercises/seed-manifests';
import { ALL_ENVS, find, objectsOf, ROOT } from './helpers';

const { dev, prod } = ENVIRONMENTS;
/** The lab of exercise 2-3: the registered environment with the L7 policy (the no-mesh variant of dev). */
const l7Lab = ALL_ENVS.find((e) => e.security.backendL7Policy)!;
const withIstio = (env: EnvironmentConfig, on: boolean): EnvironmentConfig => ({
  ...env,
  features: { ...env.features, skipIstio: !on },
  security: { ...env.security, backendL7Policy: on ? false : env.security.backendL7Policy },
});

/** Seed 2-3's file, as the reader applies it on the lab without Istio. */
const l7File = () => YAML.parse(fs.readFileSync(path.join(ROOT, SEED_2_3_POLICY_FILE), 'utf8'));

describe('Cilium policies (seed section 2)', () => {
  test('L3/L4: backend accepts only the frontend tier and the kong namespace, inside the mesh on HBONE alone', () => {
    const cnp = find(objectsOf(prod), 'CiliumNetworkPolicy', 'backend-allow-frontend-only').spec as any;
    expect(cnp.endpointSelector).toEqual({ matchLabels: { app: 'backend' } });
    expect(cnp.ingress).toEqual([
      {
        fromEndpoints: [{ matchLabels: { app: 'frontend' } }, { matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kong' } }],
        toPorts: [{ ports: [{ port: '15008', protocol: 'TCP' }] }],
      },
    ]);
  });

  test("L7 (the reader's file): the frontend tier may only GET the allowed paths; POST and /delay/.* match nothing", () => {
    const cnp = l7File().spec;
    const rules: Array<{ method: string; path: string }> = cnp.ingress[0].toPorts[0].rules.http;
    // Cilium matches method and path as full POSIX regexes.
    const allowed = (method: string, path: string) =>
      rules.some((r) => new RegExp(`^(?:${r.method})$`).test(method) && new RegExp(`^(?:${r.path})$`).test(path));
    expect(allowed('GET', '/get')).toBe(true);
    expect(allowed('GET', '/status/200')).toBe(true);
    expect(allowed('POST', '/post')).toBe(false);
    expect(allowed('DELETE', '/delete')).toBe(false);
    expect(allowed('GET', '/delay/1')).toBe(false);
    expect(cnp.ingress[0].fromEndpoints.map((e: any) => e.matchLabels.app)).toEqual(['frontend', 'load-generator']);
  });

  test("with L7 on, the L7 policy is the backend's whole ingress: the Gateway at L4 as a peer of its own, no L3/L4 policy beside it", () => {
    expect(l7File().spec.ingress[1]).toEqual({
      fromEndpoints: [{ matchLabels: { 'k8s:io.kubernetes.pod.namespace': 'kong' } }],
      toPorts: [{ ports: [{ port: '8080', protocol: 'TCP' }] }],
    });
    const argocdApplied = { ...l7Lab, security: { ...l7Lab.security, backendPolicies: { appliedBy: 'argocd' as const, why: 'a test' } } };
    expect(
      objectsOf(argocdApplied)
        .filter((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name.startsWith('backend-'))
        .map((o) => o.metadata.name),
    ).toEqual(['backend-l7-http-policy']);
  });

  test("where the reader applies them, no backend policy is synced, and nothing selects the backend's ingress", () => {
    for (const env of ALL_ENVS.filter((e) => e.security.backendPolicies.appliedBy === 'reader')) {
      const policies = objectsOf(env).filter((o) => ['CiliumNetworkPolicy', 'NetworkPolicy'].includes(o.kind) && o.metadata.namespace === 'demo');
      expect(policies.filter((o) => o.metadata.name.startsWith('backend-'))).toEqual([]);
      const ingressOfBackend = policies.filter((o) => {
        const spec = o.spec as any;
        if (spec.enableDefaultDeny?.ingress === false) return false;
        const selector = spec.podSelector ?? spec.endpointSelector;
        const types: string[] = spec.policyTypes ?? (spec.ingress ? ['Ingress'] : []);
        if (!types.includes('Ingress')) return false;
        const notBackend = (selector?.matchExpressions ?? []).some(
          (e: any) => e.key === 'app' && e.operator === 'NotIn' && e.values.includes('backend'),
        );
        return !notBackend && (!selector?.matchLabels || selector.matchLabels.app === 'backend');
      });
      expect({ env: env.name, selecting: ingressOfBackend.map((o) => `${o.kind} ${o.metadata.name}`) }).toEqual({ env: env.name, selecting: [] });
    }
  });

  test('each policy switches off per environment', () => {
    const off = { ...prod, security: { ...prod.security, backendL3L4Policy: false, backendL7Policy: false } };
    // The backend's policies; the namespaces' own CiliumNetworkPolicies (API server egress, ambient probes) stay.
    expect(objectsOf(off).filter((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.name.startsWith('backend-'))).toEqual([]);
  });

  test('L7 with the Istio mesh on is rejected: Cilium cannot read HTTP inside mTLS', () => {
    const bad = { ...prod, security: { ...prod.security, backendL7Policy: true } };
    expect(() => assertValid(bad)).toThrow(/security.backendL7Policy needs plaintext HTTP to the backend/);
  });
});

describe('Istio ambient (seed section 4, fixes #7 and #8)', () => {
  const objects = objectsOf(prod);

  test('demo is in the ambient data plane', () => {
    expect(find(objects, 'Namespace', 'demo').metadata.labels).toMatchObject({ 'istio.io/dataplane-mode': 'ambient' });
  });

  test('mesh-wide STRICT mTLS from the root namespace', () => {
    const pa = find(objects, 'PeerAuthentication', 'default');
    expect(pa.metadata.namespace).toBe('istio-system');
    expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
  });

  test('the backend admits the frontend and Kong identities only', () => {
    const authz = find(objects, 'AuthorizationPolicy', 'backend-allow-frontend-and-kong').spec as any;
    expect(authz.action).toBe('ALLOW');
    expect(authz.selector.matchLabels).toEqual({ app: 'backend' });
    expect(authz.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/demo/sa/frontend', 'cluster.local/ns/kong/sa/kong-gateway']);
  });

  test("Kong's proxy ports are PERMISSIVE so NodePort traffic still gets in (HTTP, HTTPS; helm.test.ts matches them to the chart's NodePorts)", () => {
    const pa = find(objects, 'PeerAuthentication', 'kong-proxy-permissive');
    expect(pa.metadata.namespace).toBe('kong');
    expect((pa.spec as any).portLevelMtls).toMatchObject({ '8000': { mode: 'PERMISSIVE' }, '8443': { mode: 'PERMISSIVE' } });
  });

  test('--skip-istio renders none of it, and nothing else refers to Istio', () => {
    for (const env of [...ALL_ENVS.filter((e) => e.features.skipIstio), withIstio(prod, false)]) {
      const all: KubeObject[] = objectsOf(env);
      expect(all.filter((o) => o.apiVersion.includes('istio.io'))).toEqual([]);
      const text = JSON.stringify(all);
      expect(text).not.toMatch(/istio/i);
      expect(text).not.toContain('15008');
    }
  });
});

describe('Kong on the Gateway API (seed section 3)', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))(
    '%s: class, gateway and its routes on *.lab-<env>.local, attached only from labelled namespaces',
    (_, env) => {
      const objects = objectsOf(env);
      expect((find(objects, 'GatewayClass', 'kong').spec as any).controllerName).toBe('konghq.com/kic-gateway-controller');
      const gw = find(objects, 'Gateway', 'kong-gateway');
      expect(gw.metadata.namespace).toBe('kong');
      const listeners = (gw.spec as any).listeners;
      const selector = { from: 'Selector', selector: { matchLabels: { [ROUTE_NAMESPACE_LABEL.key]: ROUTE_NAMESPACE_LABEL.value } } };
      expect(listeners.map((l: any) => [l.name, l.port, l.protocol, l.allowedRoutes.namespaces])).toEqual([
        ['http', 80, 'HTTP', selector],
        ['https', 443, 'HTTPS', selector],
      ]);
      const routes = objects.filter((o) => o.kind === 'HTTPRoute' && o.metadata.name !== 'https-redirect');
      expect(
        routes
          .map((r) => [
            (r.spec as any).hostnames[0],
            `${r.metadata.namespace}/${(r.spec as any).rules[0].backendRefs[0].name}:${(r.spec as any).rules[0].backendRefs[0].port}`,
          ])
          .sort(),
      ).toEqual([
        [`api.${env.domain}`, 'demo/backend:80'],
        [`argocd.${env.domain}`, 'argocd/argocd-server:80'],
        [`grafana.${env.domain}`, 'monitoring/grafana:80'],
        // Hubble UI has no login: published only where the environment allows that.
        ...(env.security.exposure.unauthenticatedUis ? [[`hubble.${env.domain}`, 'kube-system/hubble-ui:80']] : []),
      ]);
      // Every namespace holding a route carries the label the listeners select, and no other namespace does.
      const labelled = objects
        .filter((o) => o.kind === 'Namespace' && (o.metadata.labels as any)?.[ROUTE_NAMESPACE_LABEL.key] === ROUTE_NAMESPACE_LABEL.value)
        .map((o) => o.metadata.name);
      const routeNamespaces = [...new Set(objects.filter((o) => o.kind === 'HTTPRoute').map((r) => r.metadata.namespace))].sort();
      expect([...new Set(labelled)].sort()).toEqual(routeNamespaces);
    },
  );

  test.each(ALL_ENVS.map((e) => [e.name, e] as const))(
    '%s: HTTPS only where the environment says so: routes on the HTTPS listener, and plain HTTP only redirects',
    (_, env) => {
      const objects = objectsOf(env);
      const routes = objects.filter((o) => o.kind === 'HTTPRoute');
      const redirect = routes.find((r) => r.metadata.name === 'https-redirect');
      const kong = (find(objects, 'Application', 'kong').spec as any).source.helm.valuesObject.gateway.manager;
      const argocd = (find(objects, 'Application', 'argocd').spec as any).source.helm.valuesObject.configs.cm;
      if (env.security.exposure.httpsOnly) {
        for (const r of routes.filter((x) => x !== redirect))
          expect({ route: r.metadata.name, parents: (r.spec as any).parentRefs.map((p: any) => p.sectionName) }).toEqual({
            route: r.metadata.name,
            parents: ['https'],
          });
        expect(redirect?.spec).toEqual({
          hostnames: [`*.${env.domain}`],
          parentRefs: [{ name: 'kong-gateway', namespace: 'kong', sectionName: 'http' }],
          rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
        });
      } else {
        expect(redirect).toBeUndefined();
      }
      expect(kong.enabled).toBe(env.security.exposure.unauthenticatedUis);
      expect(argocd['admin.enabled']).toBe(String(env.security.exposure.argocdAdminAccount));
    },
  );

  test('prod is HTTPS-only, publishes no UI without a login, and has no Argo CD admin account', () => {
    expect(ENVIRONMENTS.prod.security.exposure).toEqual({ httpsOnly: true, unauthenticatedUis: false, argocdAdminAccount: false });
  });
});

describe("the seed's two labs (section 0): dev with Istio Ambient, dev-no-mesh with the L7 exercise", () => {
  const noMesh = ENVIRONMENTS['dev-no-mesh'];
  const distFiles = (env: string): Array<{ file: string; text: string }> => {
    const out: Array<{ file: string; text: string }> = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else out.push({ file: path.relative(ROOT, full), text: fs.readFileSync(full, 'utf8') });
      }
    };
    walk(path.join(ROOT, 'dist', env));
    return out;
  };

  test('dist/dev has the Istio Applications, the ambient label on demo and PeerAuthentication STRICT, and no L7 policy', () => {
    const files = distFiles('dev');
    const objects = files
      .filter((f) => f.file.endsWith('.yaml') && !f.file.includes('.values.') && !f.file.includes('.config.'))
      .map((f) => YAML.parse(f.text));
    const apps = objects.filter((o) => o.kind === 'Application').map((o) => o.metadata.name);
    expect(apps).toEqual(expect.arrayContaining(['istio-base', 'istiod', 'istio-cni', 'ztunnel', 'mesh-security']));
    expect(objects.find((o) => o.kind === 'Namespace' && o.metadata.name === 'demo').metadata.labels['istio.io/dataplane-mode']).toBe('ambient');
    expect(objects.find((o) => o.kind === 'PeerAuthentication' && o.metadata.name === 'default').spec.mtls.mode).toBe('STRICT');
    // The backend's own policies are the reader's to apply (seed 2-1): only the ambient probes' allow, which isolates nothing.
    expect(objects.filter((o) => o.kind === 'CiliumNetworkPolicy' && o.metadata.namespace === 'demo').map((o) => o.metadata.name)).toEqual([
      'kubelet-probes-in-ambient',
    ]);
    expect(dev.domain).toBe('lab-dev.local');
    expect(dev.features).toEqual({ light: true, skipIstio: false });
  });

  test("dist/dev-no-mesh has not one line that mentions Istio, in any file, but the switches that turn it off; the L7 policy is the reader's file", () => {
    const files = distFiles('dev-no-mesh');
    expect(files.length).toBeGreaterThan(50);
    const mentions = files.flatMap((f) =>
      f.text
        .split('\n')
        .filter((line) => /istio|15008|ztunnel|hbone/i.test(line))
        .map((line) => `${f.file}: ${line}`),
    );
    expect(mentions).toEqual([
      "dist/dev-no-mesh/bootstrap/bootstrap.env: SKIP_ISTIO='true'",
      "dist/dev-no-mesh/bootstrap/bootstrap.env: SKIP_ISTIO_ENV='dev-no-mesh'",
    ]);
    expect(files.filter((f) => f.file.includes('/network-policies/'))).toEqual([]);
    expect(l7File().metadata.name).toBe('backend-l7-http-policy');
    expect(noMesh.variantOf).toBe('dev');
  });

  test('the grep can fail: dev itself would not pass it', () => {
    expect(distFiles('dev').filter((f) => /istio/i.test(f.text)).length).toBeGreaterThan(5);
  });
});

describe('Pod Security Admission (issue: production secure by default)', () => {
  test.each(ALL_ENVS.map((e) => [e.name, e] as const))(
    '%s: every namespace a child deploys into is rendered with a reviewed Pod Security level, enforced, warned and audited',
    (_, env) => {
      const objects = objectsOf(env);
      const destinations = objects
        .filter((o) => o.kind === 'AppProject' && o.metadata.name !== 'default')
        .flatMap((p) => (p.spec as any).destinations.map((d: any) => d.namespace));
      const namespaces = objectsOf(env, 'namespaces').filter((o) => o.kind === 'Namespace');
      const chartOwned = chartOwnedNamespaces();
      expect(chartOwned).toEqual(['cilium-secrets']);
      expect(namespaces.map((n) => n.metadata.name).sort()).toEqual([...new Set(destinations)].filter((d) => !chartOwned.includes(d)).sort());
      for (const ns of namespaces) {
        const labels = ns.metadata.labels as Record<string, string>;
        const level = labels['pod-security.kubernetes.io/enforce'];
        // Warned and audited at the reviewed level; enforced at it too, but in demo, where the environment chooses.
        const reviewed = labels['pod-security.kubernetes.io/warn'];
        const enforced = ns.metadata.name === 'demo' ? env.security.demoPodSecurity.enforce : reviewed;
        expect({
          ns: ns.metadata.name,
          level: ['privileged', 'baseline', 'restricted'].includes(level),
          enforce: level,
          audit: labels['pod-security.kubernetes.io/audit'],
        }).toEqual({
          ns: ns.metadata.name,
          level: true,
          enforce: enforced,
          audit: reviewed,
        });
        expect((ns.metadata.annotations as any)['argocd.argoproj.io/sync-options']).toBe('Delete=false,Prune=confirm');
      }
      const levelOf = (name: string) => (namespaces.find((n) => n.metadata.name === name)!.metadata.labels as any)['pod-security.kubernetes.io/warn'];
      // Where our own workloads run, and where the charts allow it: restricted.
      for (const name of ['demo', 'kong', 'argocd', 'gatekeeper-system'])
        expect({ name, level: levelOf(name) }).toEqual({ name, level: 'restricted' });
      // The bootstrap creates kong and monitoring before Argo CD: with the same labels.
      for (const ns of objectsOf(env, 'bootstrap').filter((o) => o.kind === 'Namespace'))
        expect(ns.metadata.labels).toEqual(namespaces.find((n) => n.metadata.name === ns.metadata.name)!.metadata.labels);
    },
  );
});

describe('the GitOps write path in dist/ (issue: the rollback receiver and Argo CD closed)', () => {
  const distObjects = (env: string, component: string): KubeObject[] =>
    fs
      .readdirSync(path.join(ROOT, 'dist', env, component))
      .filter((f) => f.endsWith('.yaml'))
      .flatMap((f) =>
        YAML.parseAllDocuments(fs.readFileSync(path.join(ROOT, 'dist', env, component, f), 'utf8')).map((d) => d.toJSON() as KubeObject),
      );

  test.each(ALL_ENVS.map((e) => e.name))(
    "dist/%s: the argocd namespace denies by default, and argocd-server's only ingress is the Gateway",
    (env) => {
      const policies = distObjects(env, 'argocd-isolation').filter((o) => o.kind === 'NetworkPolicy');
      const deny = policies.find((p) => p.metadata.name === 'default-deny')!;
      expect({ namespace: deny.metadata.namespace, spec: deny.spec }).toEqual({
        namespace: 'argocd',
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
      });
      const server = policies.filter((p) => {
        const spec = p.spec as { podSelector: { matchLabels?: Record<string, string> }; ingress?: unknown[] };
        return spec.ingress && spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'argocd-server';
      });
      expect(server.map((p) => (p.spec as { ingress: unknown }).ingress)).toEqual([
        [
          {
            from: [
              {
                namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kong' } },
                podSelector: { matchLabels: { 'app.kubernetes.io/instance': 'kong', 'app.kubernetes.io/name': 'gateway' } },
              },
            ],
            ports: [{ port: 8080, protocol: 'TCP' }],
          },
        ],
      ]);
    },
  );

  test('dist/prod: Alertmanager sends the receiver a credential it reads from the mounted Secret; no secret value is in git, and the webhook is HTTPS', () => {
    const objects = distObjects('prod', 'alertmanager');
    const configMap = objects.find((o) => o.kind === 'ConfigMap')!;
    const text = (configMap as unknown as { data: Record<string, string> }).data['alertmanager.yml'];
    const config = YAML.parse(text) as { receivers: Array<{ name: string; webhook_configs?: Array<{ url: string; http_config?: unknown }> }> };
    const webhooks = config.receivers.flatMap((r) => r.webhook_configs ?? []);
    expect(webhooks).toEqual([
      {
        url: 'https://rollback.ops.example.com:9443/alerts',
        send_resolved: true,
        http_config: {
          authorization: { type: 'Bearer', credentials_file: '/etc/alertmanager/rollback-receiver/token' },
          tls_config: { ca_file: '/etc/alertmanager/rollback-receiver/ca.crt' },
        },
      },
    ]);
    // No inline credential of any kind Alertmanager takes.
    expect(text).not.toMatch(/\b(credentials|bearer_token|password|client_secret):/);
    const pod = (objects.find((o) => o.kind === 'Deployment')!.spec as any).template.spec;
    expect(pod.volumes).toContainEqual({ name: 'rollback-receiver', secret: { secretName: 'rollback-receiver' } });
    expect(pod.containers[0].volumeMounts).toContainEqual({ name: 'rollback-receiver', mountPath: '/etc/alertmanager/rollback-receiver' });
    // The Secret itself is created outside git (setup.sh in the lab, the secret store in production).
    expect(fs.readFileSync(path.join(ROOT, 'dist', 'prod', 'bootstrap', 'bootstrap.env'), 'utf8')).toMatch(
      /^RECEIVER_SECRET_NAME='rollback-receiver'$/m,
    );
    const anywhere = ALL_ENVS.flatMap((e) => fs.readdirSync(path.join(ROOT, 'dist', e.name), { recursive: true }) as string[]);
    expect(anywhere.filter((f) => /secret-rollback-receiver/.test(f))).toEqual([]);
  });
});
