import { SEED_TEST_POD } from '../../lib/traffic';
import { Exercise, Step } from './types';

/**
 * The seed's exercises (../shared/seed, sections 2 to 11 and 14), step by step,
 * with the outcome the seed prints. Parameters (`${NAME}`) come from the
 * environment's config (verify/exercises/params.ts); the manifests are the seed's.
 */

const LABS = ['dev', 'dev-no-mesh'] as const;
/** The seed's test pods carry the seed's labels verbatim: its lab is ENV=dev. */
const SEED_LABELS = { app: 'test', env: 'dev', team: 'platform' };

const kubectl = (...args: string[]) => ['kubectl', ...args];
const fromFrontend = (...curl: string[]) => kubectl('exec', '-n', 'demo', 'deploy/frontend', '--', 'curl', ...curl);

function busybox(
  name: string,
  namespace: string,
  opts: { labels?: object; nonRoot?: boolean; privileged?: boolean; limits?: boolean; requests?: object },
) {
  const resources =
    opts.limits === false ? undefined : { limits: { cpu: '100m', memory: '64Mi' }, ...(opts.requests ? { requests: opts.requests } : {}) };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, ...(opts.labels ? { labels: opts.labels } : {}) },
    spec: {
      ...(opts.nonRoot === false ? {} : { securityContext: { runAsNonRoot: true, runAsUser: 1000 } }),
      containers: [
        {
          name: 'test',
          image: 'busybox',
          command: ['sleep', '3600'],
          ...(opts.privileged ? { securityContext: { privileged: true } } : {}),
          ...(resources ? { resources } : {}),
        },
      ],
    },
  };
}

/** README's recipe: the root first (its own sync would put the child's policy back), then the child. */
function pause(child: string): Step[] {
  return [
    {
      says: "the root's sync policy, kept to resume it",
      run: kubectl('-n', 'argocd', 'get', 'application', '${ROOT_APP}', '-o', 'jsonpath={.spec.syncPolicy}'),
      expect: 'succeeds',
      output: /"selfHeal":true/,
      capture: 'ROOT_SYNC_POLICY',
      judge: 'API server',
    },
    {
      says: 'pause the root Application',
      run: kubectl('-n', 'argocd', 'patch', 'application', '${ROOT_APP}', '--type', 'merge', '-p', '{"spec":{"syncPolicy":null}}'),
      expect: 'succeeds',
      judge: 'API server',
    },
    {
      says: `pause ${child}`,
      run: kubectl('-n', 'argocd', 'patch', 'application', child, '--type', 'merge', '-p', '{"spec":{"syncPolicy":null}}'),
      expect: 'succeeds',
      judge: 'API server',
    },
  ];
}

function resume(child: string): Step[] {
  return [
    {
      says: 'resume the root Application',
      run: kubectl('-n', 'argocd', 'patch', 'application', '${ROOT_APP}', '--type', 'merge', '-p', '{"spec":{"syncPolicy":${ROOT_SYNC_POLICY}}}'),
      expect: 'succeeds',
      judge: 'API server',
      cleanup: true,
    },
    {
      says: `the root's sync gives ${child} its selfHeal back`,
      run: kubectl('-n', 'argocd', 'get', 'application', child, '-o', 'jsonpath={.spec.syncPolicy.automated.selfHeal}'),
      expect: 'succeeds',
      output: /^true$/,
      within: 180,
      judge: 'Argo CD',
      cleanup: true,
    },
  ];
}

const TEST_CNP = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: SEED_TEST_POD.name, labels: { ...SEED_TEST_POD.labels } },
  spec: {
    serviceAccountName: SEED_TEST_POD.serviceAccount,
    securityContext: { runAsNonRoot: true, runAsUser: 1000 },
    containers: [{ name: 'curl', image: 'curlimages/curl:8.5.0', command: ['sleep', '120'], resources: { limits: { cpu: '100m', memory: '64Mi' } } }],
  },
};

const TEST_ROUTE = {
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name: 'test-route', namespace: 'demo' },
  spec: {
    parentRefs: [{ name: 'kong-gateway', namespace: 'kong' }],
    hostnames: ['test.${DOMAIN}'],
    rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ name: 'backend', port: 80 }] }],
  },
};

const GUESTBOOK = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'test-guestbook', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: { repoURL: '${GUESTBOOK_REPO}', targetRevision: 'HEAD', path: '${GUESTBOOK_PATH}' },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'test' },
    syncPolicy: { syncOptions: ['CreateNamespace=true'], automated: { selfHeal: true, prune: true } },
  },
};

const guestbookSynced: Step[] = [
  {
    says: 'the Application is created in project default',
    run: kubectl('apply', '-f', '-'),
    stdin: GUESTBOOK,
    expect: 'succeeds',
    judge: 'API server',
  },
  {
    says: 'Synced, Healthy',
    run: kubectl('get', 'applications', '-n', 'argocd', 'test-guestbook'),
    expect: 'succeeds',
    output: /Synced\s+Healthy/,
    within: 240,
    judge: 'Argo CD',
  },
];
const deleteGuestbook: Step = {
  says: 'delete the Application',
  run: kubectl('delete', 'application', '-n', 'argocd', 'test-guestbook', '--ignore-not-found'),
  expect: 'succeeds',
  judge: 'API server',
  cleanup: true,
};

const DEMO_APP_HELM = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'demo-app-helm', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: { repoURL: '${CHART_REPO}', targetRevision: '${CHART_REVISION}', path: '${CHART_PATH}', helm: { valueFiles: ['values.yaml'] } },
    destination: { server: 'https://kubernetes.default.svc', namespace: 'demo-helm' },
    syncPolicy: { automated: { selfHeal: true, prune: true }, syncOptions: ['CreateNamespace=true'] },
  },
};

const DENY_LIMITS_TEST = {
  apiVersion: 'constraints.gatekeeper.sh/v1beta1',
  kind: 'K8sRequireResourceLimits',
  metadata: { name: 'require-resource-limits-test' },
  spec: { enforcementAction: 'deny', match: { kinds: [{ apiGroups: [''], kinds: ['Pod'] }], namespaces: ['gatekeeper-test'] } },
};

const quotaPod = (i: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `quota-test-${i}`, namespace: 'demo', labels: { app: 'quota-test', env: 'dev', team: 'platform' } },
  spec: {
    securityContext: { runAsNonRoot: true, runAsUser: 1000 },
    containers: [
      {
        name: 'test',
        image: 'busybox',
        command: ['sleep', '3600'],
        resources: { limits: { cpu: '500m', memory: '512Mi' }, requests: { cpu: '500m', memory: '256Mi' } },
      },
    ],
  },
});

const PRIVILEGED = (name: string) => busybox(name, 'demo', { labels: SEED_LABELS, privileged: true });
/**
 * Seed 2-2 and 4-2: one pod of a node agent's DaemonSet deleted and brought
 * back. The steps the two share, given the agent's namespace and pod selector.
 */
function daemonSetPodDeleted(agent: { namespace: string; selector: string; what: string; capture: string }) {
  const pods = ['-n', agent.namespace, '-l', agent.selector];
  return {
    running: {
      says: `one ${agent.what} per node, Running`,
      run: kubectl('get', 'pods', ...pods),
      expect: 'succeeds',
      output: /Running/,
      judge: 'API server',
    },
    pick: {
      says: `pick one ${agent.what} pod`,
      run: kubectl('get', 'pods', ...pods, '-o', 'name'),
      expect: 'succeeds',
      output: /^pod\//,
      capture: agent.capture,
      judge: 'API server',
    },
    remove: { says: 'delete it', run: kubectl('delete', '-n', agent.namespace, `\${${agent.capture}}`), expect: 'succeeds', judge: 'API server' },
    back: (says: string): Step => ({
      says,
      // The seed's own flag order.
      run: kubectl('wait', '--for=condition=ready', 'pod', '-l', agent.selector, '-n', agent.namespace, '--timeout=60s'),
      expect: 'succeeds',
      within: 90,
      judge: 'API server',
    }),
  } satisfies Record<string, Step | ((says: string) => Step)>;
}
const CILIUM_AGENT = daemonSetPodDeleted({ namespace: 'kube-system', selector: 'k8s-app=cilium', what: 'agent', capture: 'CILIUM_POD' });
const ZTUNNEL = daemonSetPodDeleted({ namespace: 'istio-system', selector: 'app=ztunnel', what: 'ztunnel', capture: 'ZTUNNEL_POD' });

export const EXERCISES: readonly Exercise[] = [
  {
    id: '2-1',
    title: 'CiliumNetworkPolicy: only frontend (and Kong) reach backend',
    labs: LABS,
    deviations: [
      "backend-allow-frontend-only is rendered from the start (dist/<env>/network-policies/), so step 1's 200 from test-cnp without the policy does not happen, and the clean-up leaves the policy to Argo CD; to see step 1, pause network-policies as in 4-1 and delete it",
    ],
    steps: [
      { says: 'frontend -> backend: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'), expect: 'succeeds', judge: 'a dataplane' },
      {
        says: 'the test pod (app=test-cnp, ServiceAccount frontend) is admitted',
        run: kubectl('apply', '-n', 'demo', '-f', '-'),
        stdin: TEST_CNP,
        expect: 'succeeds',
        output: /pod\/test-cnp (created|unchanged|configured)/,
        judge: 'API server',
      },
      {
        says: 'test-cnp is ready',
        run: kubectl('wait', '--for=condition=ready', 'pod/test-cnp', '-n', 'demo', '--timeout=60s'),
        expect: 'succeeds',
        judge: 'API server',
      },
      {
        says: "the seed's policy is in place: backend-allow-frontend-only",
        run: kubectl('get', 'cnp', '-n', 'demo', 'backend-allow-frontend-only'),
        expect: 'succeeds',
        judge: 'API server',
      },
      {
        says: 'frontend -> backend: still 200',
        run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: 'test-cnp -> backend: timeout (same ServiceAccount, refused by its label)',
        run: kubectl('exec', '-n', 'demo', 'test-cnp', '--', 'curl', '-sf', '--max-time', '5', 'http://backend.demo.svc/status/200'),
        expect: 'fails',
        judge: 'a dataplane',
      },
      {
        says: 'clean up',
        run: kubectl('delete', 'pod', 'test-cnp', '-n', 'demo', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
    ],
  },
  {
    id: '2-2',
    title: 'Fault injection: a Cilium agent pod deleted',
    labs: LABS,
    deviations: [],
    steps: [
      CILIUM_AGENT.running,
      {
        says: 'baseline: frontend -> backend 200',
        run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      CILIUM_AGENT.pick,
      CILIUM_AGENT.remove,
      {
        says: 'traffic holds while the agent restarts (eBPF stays in the kernel)',
        run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      CILIUM_AGENT.back('the DaemonSet brings a new agent, Ready'),
    ],
  },
  {
    id: '2-3',
    title: 'L7 HTTP policy: frontend may GET, not POST',
    labs: ['dev-no-mesh'],
    deviations: [
      'backend-l7-http-policy is rendered from the start in dev-no-mesh (security.backendL7Policy), so step 1 (POST and DELETE allowed) and the clean-up do not happen; Cilium cannot read HTTP inside Istio mTLS, so dev has no L7 policy',
    ],
    steps: [
      {
        says: 'the L7 policy is in place',
        run: kubectl('get', 'cnp', '-n', 'demo', 'backend-l7-http-policy'),
        expect: 'succeeds',
        judge: 'API server',
      },
      { says: 'GET /status/200: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'), expect: 'succeeds', judge: 'a dataplane' },
      { says: 'GET /get: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/get'), expect: 'succeeds', judge: 'a dataplane' },
      {
        says: 'POST /post: 403 Access denied',
        run: fromFrontend('-sf', '-X', 'POST', 'http://backend.demo.svc/post'),
        expect: 'fails',
        judge: 'a dataplane',
      },
      {
        says: 'GET /delay/1: 403 (path not allowed)',
        run: fromFrontend('-sf', 'http://backend.demo.svc/delay/1'),
        expect: 'fails',
        judge: 'a dataplane',
      },
    ],
  },
  {
    id: '3-1',
    title: 'HTTPRoute CRUD: create, test, delete a route',
    labs: LABS,
    deviations: ['the host is test.<the environment domain> (the seed writes test.lab-dev.local); add it to /etc/hosts as the seed does'],
    steps: [
      {
        says: 'the route is created',
        run: kubectl('apply', '-f', '-'),
        stdin: TEST_ROUTE,
        expect: 'succeeds',
        output: /httproute.gateway.networking.k8s.io\/test-route (created|unchanged|configured)/,
        judge: 'API server',
      },
      {
        says: "Kong's controller accepts it",
        run: kubectl('get', 'httproute', '-n', 'demo', 'test-route', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}'),
        expect: 'succeeds',
        output: /^True$/,
        within: 60,
        judge: 'a dataplane',
      },
      {
        says: 'httpbin answers through Kong',
        run: ['curl', '-sf', 'http://test.${DOMAIN}/get'],
        expect: 'succeeds',
        output: /"url"/,
        judge: 'a dataplane',
      },
      {
        says: 'the route is deleted',
        run: kubectl('delete', 'httproute', '-n', 'demo', 'test-route', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
    ],
  },
  {
    id: '3-2',
    title: 'Every service through Kong',
    labs: LABS,
    deviations: [],
    steps: [
      {
        says: 'the routes the seed lists: demo-api, grafana, argocd, hubble-ui',
        run: kubectl('get', 'httproute', '-A', '-o', 'jsonpath={range .items[*]}{.metadata.name}{" "}{end}'),
        expect: 'succeeds',
        output: /^(?=.*\bdemo-api\b)(?=.*\bgrafana\b)(?=.*\bargocd\b)(?=.*\bhubble-ui\b)/,
        judge: 'API server',
      },
      { says: 'the demo API answers', run: ['curl', '-sf', 'http://api.${DOMAIN}/get'], expect: 'succeeds', output: /"url"/, judge: 'a dataplane' },
      { says: "Grafana's login page", run: ['curl', '-sf', 'http://grafana.${DOMAIN}/login'], expect: 'succeeds', judge: 'a dataplane' },
      { says: "Argo CD's UI", run: ['curl', '-s', 'http://argocd.${DOMAIN}/'], expect: 'succeeds', judge: 'a dataplane' },
    ],
  },
  {
    id: '4-1',
    title: 'Ambient mode off and on',
    labs: ['dev'],
    deviations: [
      "selfHeal of the namespaces Application would put the label back within seconds: the exercise pauses the root and namespaces first (README's recipe) and resumes them at the end",
    ],
    steps: [
      {
        says: 'demo is in the mesh: istio.io/dataplane-mode=ambient',
        run: kubectl('get', 'ns', 'demo', '--show-labels'),
        expect: 'succeeds',
        output: /istio\.io\/dataplane-mode=ambient/,
        judge: 'API server',
      },
      {
        says: 'frontend -> backend over mTLS: 200',
        run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      ...pause('namespaces'),
      { says: 'remove the ambient label', run: kubectl('label', 'ns', 'demo', 'istio.io/dataplane-mode-'), expect: 'succeeds', judge: 'API server' },
      {
        says: 'the label stays removed while paused',
        run: kubectl('get', 'ns', 'demo', '--show-labels'),
        expect: 'succeeds',
        absent: /istio\.io\/dataplane-mode=ambient/,
        after: 20,
        judge: 'Argo CD',
      },
      {
        says: 'plain text meets STRICT mTLS: timeout or reset',
        run: fromFrontend('-sf', '--max-time', '5', 'http://backend.demo.svc/status/200'),
        expect: 'fails',
        judge: 'a dataplane',
      },
      {
        says: 'put the label back',
        run: kubectl('label', 'ns', 'demo', 'istio.io/dataplane-mode=ambient', '--overwrite'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      ...resume('namespaces'),
      { says: 'mTLS again: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'), expect: 'succeeds', judge: 'a dataplane' },
    ],
  },
  {
    id: '4-2',
    title: 'A ztunnel pod deleted and back',
    labs: ['dev'],
    deviations: [],
    steps: [
      ZTUNNEL.running,
      { says: 'baseline: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'), expect: 'succeeds', judge: 'a dataplane' },
      ZTUNNEL.pick,
      ZTUNNEL.remove,
      ZTUNNEL.back('the DaemonSet brings it back, Ready'),
      { says: 'mTLS tunnel back: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/status/200'), expect: 'succeeds', judge: 'a dataplane' },
    ],
  },
  {
    id: '5-1',
    title: 'An Application created and synced',
    labs: LABS,
    deviations: ["the lab's default project admits this Application's repository and namespace only (security.defaultProject)"],
    steps: [...guestbookSynced, deleteGuestbook],
  },
  {
    id: '5-2',
    title: 'selfHeal reverts a hand scale',
    labs: LABS,
    deviations: [
      "5-1 deletes test-guestbook at its end, and 5-2 uses it: 5-2 creates it first as 5-1 does; the short OutOfSync between the scale and selfHeal's revert is not asserted (it lasts under a second, the seed's 'OutOfSync' line may never show)",
    ],
    steps: [
      ...guestbookSynced,
      {
        says: 'READY 1/1, as git says',
        run: kubectl('get', 'deploy', '-n', 'test', 'guestbook-ui'),
        expect: 'succeeds',
        output: /1\/1/,
        within: 60,
        judge: 'API server',
      },
      {
        says: 'Synced',
        run: kubectl('get', 'app', '-n', 'argocd', 'test-guestbook', '-o', 'jsonpath={.status.sync.status}'),
        expect: 'succeeds',
        output: /^Synced$/,
        judge: 'Argo CD',
      },
      {
        says: 'scale by hand to 5',
        run: kubectl('scale', 'deploy', '-n', 'test', 'guestbook-ui', '--replicas=5'),
        expect: 'succeeds',
        judge: 'API server',
      },
      {
        says: 'selfHeal puts 1 back',
        run: kubectl('get', 'deploy', '-n', 'test', 'guestbook-ui', '-o', 'jsonpath={.spec.replicas}'),
        expect: 'succeeds',
        output: /^1$/,
        within: 120,
        judge: 'Argo CD',
      },
      {
        says: 'Synced again',
        run: kubectl('get', 'app', '-n', 'argocd', 'test-guestbook', '-o', 'jsonpath={.status.sync.status}'),
        expect: 'succeeds',
        output: /^Synced$/,
        within: 60,
        judge: 'Argo CD',
      },
      deleteGuestbook,
    ],
  },
  {
    id: '6-1',
    title: 'Four Gatekeeper policies, one violation each',
    labs: LABS,
    deviations: [
      'the lab enforces Pod Security privileged in demo (security.demoPodSecurity), so these pods reach Gatekeeper; stg and prod enforce restricted, where Pod Security answers first',
      'gatekeeper-test is created from a manifest (the seed pipes `kubectl create --dry-run` into apply: the same object)',
    ],
    steps: [
      {
        says: 'baseline: a compliant pod is created',
        run: kubectl('apply', '-f', '-'),
        stdin: busybox('test-compliant', 'demo', { labels: SEED_LABELS, requests: { cpu: '50m', memory: '32Mi' } }),
        expect: 'succeeds',
        output: /pod\/test-compliant (created|unchanged)/,
        judge: 'Gatekeeper',
      },
      {
        says: 'delete it',
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-compliant', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: "privileged: refused, 컨테이너 'test'가 privileged 모드로 실행됩니다.",
        run: kubectl('apply', '-f', '-'),
        stdin: PRIVILEGED('test-privileged'),
        expect: 'fails',
        output: /컨테이너 'test'가 privileged 모드로 실행됩니다\./,
        judge: 'Gatekeeper',
      },
      {
        says: "no labels: refused, 필수 라벨 'app', 'env', 'team'",
        run: kubectl('apply', '-f', '-'),
        stdin: busybox('test-no-labels', 'demo', {}),
        expect: 'fails',
        output: /^(?=[\s\S]*필수 라벨 'app')(?=[\s\S]*필수 라벨 'env')(?=[\s\S]*필수 라벨 'team')/,
        judge: 'Gatekeeper',
      },
      {
        says: 'no runAsNonRoot: refused',
        run: kubectl('apply', '-f', '-'),
        stdin: busybox('test-root', 'demo', { labels: SEED_LABELS, nonRoot: false }),
        expect: 'fails',
        output: /Pod securityContext에 runAsNonRoot: true가 설정되지 않았습니다\./,
        judge: 'Gatekeeper',
      },
      {
        says: 'clean up what a platform without these rules would have admitted',
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-privileged', 'test-no-labels', 'test-root', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'a namespace without LimitRange',
        run: kubectl('apply', '-f', '-'),
        stdin: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'gatekeeper-test' } },
        expect: 'succeeds',
        judge: 'API server',
      },
      { says: 'the temporary Constraint', run: kubectl('apply', '-f', '-'), stdin: DENY_LIMITS_TEST, expect: 'succeeds', judge: 'API server' },
      {
        says: 'Gatekeeper enforces it',
        run: kubectl('get', 'K8sRequireResourceLimits', 'require-resource-limits-test', '-o', 'jsonpath={.status.byPod[*].enforced}'),
        expect: 'succeeds',
        output: /true/,
        within: 90,
        judge: 'Gatekeeper',
      },
      {
        says: "no limits: refused, 컨테이너 'test'에 memory/cpu limits가 설정되지 않았습니다.",
        run: kubectl('apply', '-f', '-'),
        stdin: busybox('test-no-limits', 'gatekeeper-test', { limits: false }),
        expect: 'fails',
        output: /컨테이너 'test'에 (memory\/cpu|cpu\/memory) limits가 설정되지 않았습니다\./,
        judge: 'Gatekeeper',
      },
      {
        says: 'clean up the Constraint',
        run: kubectl('delete', 'K8sRequireResourceLimits', 'require-resource-limits-test', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'and the namespace',
        run: kubectl('delete', 'namespace', 'gatekeeper-test', '--ignore-not-found', '--wait=false'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
    ],
  },
  {
    id: '6-2',
    title: 'enforcementAction: deny, then warn',
    labs: LABS,
    deviations: [
      "selfHeal of gatekeeper-policies would revert the patch within seconds: the exercise pauses the root and gatekeeper-policies first (README's recipe) and resumes them at the end; to keep warn, set security.enforcementActions in config and commit",
    ],
    steps: [
      {
        says: 'deny-privileged-container is deny',
        run: kubectl('get', 'K8sDenyPrivileged', 'deny-privileged-container', '-o', 'jsonpath={.spec.enforcementAction}'),
        expect: 'succeeds',
        output: /^deny$/,
        judge: 'API server',
      },
      {
        says: 'admission webhook "validation.gatekeeper.sh" denied the request',
        run: kubectl('apply', '-f', '-'),
        stdin: PRIVILEGED('test-privileged-deny'),
        expect: 'fails',
        output: /admission webhook "validation\.gatekeeper\.sh" denied the request/,
        judge: 'Gatekeeper',
      },
      ...pause('gatekeeper-policies'),
      {
        says: 'clean up what a platform without the rule would have admitted',
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-privileged-deny', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'switch to warn',
        run: kubectl('patch', 'K8sDenyPrivileged', 'deny-privileged-container', '--type=merge', '-p', '{"spec":{"enforcementAction":"warn"}}'),
        expect: 'succeeds',
        judge: 'API server',
      },
      {
        says: 'the same pod: a Warning, and it is created',
        run: kubectl('apply', '-f', '-'),
        stdin: PRIVILEGED('test-privileged-warn'),
        expect: 'succeeds',
        output: /Warning: .*privileged/,
        within: 60,
        judge: 'Gatekeeper',
      },
      {
        says: 'it runs',
        run: kubectl('get', 'pod', '-n', 'demo', 'test-privileged-warn'),
        expect: 'succeeds',
        output: /Running/,
        within: 60,
        judge: 'API server',
      },
      {
        says: 'back to deny',
        run: kubectl('patch', 'K8sDenyPrivileged', 'deny-privileged-container', '--type=merge', '-p', '{"spec":{"enforcementAction":"deny"}}'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'delete the pod',
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-privileged-warn', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      ...resume('gatekeeper-policies'),
    ],
  },
  {
    id: '7-1',
    title: 'Traffic, then trace -> log -> metric in Grafana',
    labs: LABS,
    deviations: [
      "Kong's tracing plugin on each route is the lab's producer: the api route's traces are service backend, as the seed's Tempo search expects (go-httpbin itself is not instrumented, so a trace is Kong's root span and its upstream call)",
      'the load, Tempo, Loki and Grafana need a dataplane; npm test sends Kong-shaped spans through the real collector with the rendered config instead (tail-sampling.test.ts)',
    ],
    steps: [
      {
        says: "the api route is traced as service backend (Kong's tracing plugin on it)",
        run: kubectl('get', 'kongplugin', '-n', 'demo', 'tracing-demo-api', '-o', 'jsonpath={.config.resource_attributes.service\\.name}'),
        expect: 'succeeds',
        output: /^backend$/,
        judge: 'API server',
      },
      {
        says: 'the plugin is attached to the api route',
        run: kubectl('get', 'httproute', '-n', 'demo', 'demo-api', '-o', 'jsonpath={.metadata.annotations.konghq\\.com/plugins}'),
        expect: 'succeeds',
        output: /^tracing-demo-api$/,
        judge: 'API server',
      },
      {
        says: 'the load generator ran',
        run: kubectl('logs', '-n', 'demo', '-l', 'app=load-generator', '--tail=5'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: 'Tempo has traces of backend',
        run: ['curl', '-sf', 'http://grafana.${DOMAIN}/api/datasources/proxy/uid/tempo/api/search?tags=service.name%3Dbackend'],
        expect: 'succeeds',
        output: /"traceID"/,
        judge: 'a dataplane',
      },
    ],
  },
  {
    id: '7-2',
    title: 'tail_sampling keeps every error and slow trace',
    labs: LABS,
    deviations: [
      "Kong leaves its span's status unset on a 5xx; the collector marks SERVER spans that answered 5xx as errors, so the seed's error policy keeps them (proven in npm test with Kong-shaped spans: every error trace kept, and the check fails without that step)",
    ],
    steps: [
      {
        says: 'Kong traces the api route (the plugin the 5xx and slow requests pass)',
        run: kubectl('get', 'httproute', '-n', 'demo', 'demo-api', '-o', 'jsonpath={.metadata.annotations.konghq\\.com/plugins}'),
        expect: 'succeeds',
        output: /^tracing-demo-api$/,
        judge: 'API server',
      },
      {
        says: '5xx through Kong',
        run: ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://api.${DOMAIN}/status/500'],
        expect: 'succeeds',
        output: /500/,
        judge: 'a dataplane',
      },
      {
        says: 'a slow request (3 s)',
        run: ['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://api.${DOMAIN}/delay/3'],
        expect: 'succeeds',
        output: /200/,
        judge: 'a dataplane',
      },
      {
        says: 'Tempo kept the error trace',
        run: ['curl', '-sf', 'http://grafana.${DOMAIN}/api/datasources/proxy/uid/tempo/api/search?tags=http.status_code%3D500'],
        expect: 'succeeds',
        output: /"traceID"/,
        within: 60,
        judge: 'a dataplane',
      },
    ],
  },
  {
    id: '8-1',
    title: 'ResourceQuota exhausted',
    labs: LABS,
    deviations: ["the pods are created one by one as the seed's loop does; the last one (the 11th, 5.5 CPU requested in all) must be refused"],
    steps: [
      {
        says: 'Used / Hard',
        run: kubectl('describe', 'resourcequota', '-n', 'demo'),
        expect: 'succeeds',
        output: /requests\.cpu/,
        judge: 'API server',
      },
      {
        says: 'quota-test-0 fits',
        run: kubectl('apply', '-f', '-'),
        stdin: quotaPod(0),
        expect: 'succeeds',
        output: /pod\/quota-test-0 (created|unchanged)/,
        judge: 'API server',
      },
      ...Array.from({ length: 9 }, (_, i): Step => ({
        says: `quota-test-${i + 1}: created while it fits, then exceeded quota`,
        run: kubectl('apply', '-f', '-'),
        stdin: quotaPod(i + 1),
        expect: 'either',
        output: /exceeded quota/,
        judge: 'API server',
      })),
      {
        says: 'quota-test-10: forbidden, exceeded quota',
        run: kubectl('apply', '-f', '-'),
        stdin: quotaPod(10),
        expect: 'fails',
        output: /is forbidden: exceeded quota/,
        judge: 'API server',
      },
      {
        says: 'Used close to Hard',
        run: kubectl('describe', 'resourcequota', '-n', 'demo'),
        expect: 'succeeds',
        output: /requests\.cpu/,
        judge: 'API server',
      },
      {
        says: 'clean up: the quota is released',
        run: kubectl('delete', 'pods', '-n', 'demo', '-l', 'app=quota-test', '--wait=false'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
    ],
  },
  {
    id: '8-2',
    title: 'PodDisruptionBudget: one backend pod always up',
    labs: LABS,
    deviations: [],
    steps: [
      {
        says: 'READY ${BACKEND_REPLICAS}/${BACKEND_REPLICAS}',
        run: kubectl('get', 'deploy', '-n', 'demo', 'backend'),
        expect: 'succeeds',
        output: /\b(\d+)\/\1\b/,
        judge: 'API server',
      },
      {
        says: 'minAvailable=1, ALLOWED DISRUPTIONS=1',
        run: kubectl('get', 'pdb', '-n', 'demo', 'backend-pdb'),
        expect: 'succeeds',
        output: /backend-pdb\s+1\s+N\/A\s+[1-9]/,
        within: 60,
        judge: 'API server',
      },
      {
        says: 'pick one backend pod',
        run: kubectl('get', 'pods', '-n', 'demo', '-l', 'app=backend', '-o', 'name'),
        expect: 'succeeds',
        output: /^pod\//,
        capture: 'BACKEND_POD',
        judge: 'API server',
      },
      { says: 'delete it', run: kubectl('delete', '${BACKEND_POD}', '-n', 'demo'), expect: 'succeeds', judge: 'API server' },
      {
        says: 'one stays Running while the new one starts',
        run: kubectl('get', 'pods', '-n', 'demo', '-l', 'app=backend'),
        expect: 'succeeds',
        output: /Running/,
        judge: 'API server',
      },
      {
        says: 'all Ready again',
        run: kubectl('wait', '--for=condition=ready', 'pod', '-l', 'app=backend', '-n', 'demo', '--timeout=60s'),
        expect: 'succeeds',
        within: 90,
        judge: 'API server',
      },
      {
        says: 'READY ${BACKEND_REPLICAS}/${BACKEND_REPLICAS} again',
        run: kubectl('get', 'deploy', '-n', 'demo', 'backend', '-o', 'jsonpath={.status.readyReplicas}/{.spec.replicas}'),
        expect: 'succeeds',
        output: /^${BACKEND_REPLICAS}\/${BACKEND_REPLICAS}$/,
        within: 60,
        judge: 'API server',
      },
      {
        says: 'ALLOWED DISRUPTIONS back',
        run: kubectl('get', 'pdb', '-n', 'demo', 'backend-pdb', '-o', 'jsonpath={.status.disruptionsAllowed}'),
        expect: 'succeeds',
        output: /^[1-9]/,
        within: 60,
        judge: 'API server',
      },
    ],
  },
  {
    id: '11-1',
    title: 'The demo-app chart: structure, helm template, helm lint',
    labs: LABS,
    deviations: [
      'the chart is helm/demo-app (the seed: lab/03-argocd/apps/demo-app), generated by synth from the demo component; its templates carry the labels themselves, so there is no _helpers.tpl to read',
    ],
    steps: [
      {
        says: 'helm template renders',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}'],
        expect: 'succeeds',
        output: /kind: Deployment/,
        judge: 'Helm',
      },
      {
        says: 'every object has app, env and team',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}'],
        expect: 'succeeds',
        output: /^(?=[\s\S]*\bapp: )(?=[\s\S]*\benv: )(?=[\s\S]*\bteam: )/,
        judge: 'Helm',
      },
      {
        says: '1 chart(s) linted, 0 chart(s) failed',
        run: ['helm', 'lint', '${CHART_DIR}'],
        expect: 'succeeds',
        output: /1 chart\(s\) linted, 0 chart\(s\) failed/,
        judge: 'Helm',
      },
    ],
  },
  {
    id: '11-2',
    title: 'helm install, upgrade, rollback',
    labs: LABS,
    deviations: [
      'into demo-helm, not demo: the seed first deletes the raw demo objects, which the demo Application owns here and would recreate; the release is uninstalled at the end, so 11-4 finds the namespace free',
    ],
    steps: [
      {
        says: 'installed, STATUS: deployed',
        run: ['helm', 'install', 'demo-app', '${CHART_DIR}', '-n', 'demo-helm', '--create-namespace'],
        expect: 'succeeds',
        output: /STATUS: deployed/,
        judge: 'Helm',
      },
      {
        says: 'demo-app demo-helm 1 deployed demo-app-0.1.0 1.0.0',
        run: ['helm', 'list', '-n', 'demo-helm'],
        expect: 'succeeds',
        output: /demo-app\s+demo-helm\s+1\s+.*deployed\s+demo-app-0\.1\.0\s+1\.0\.0/,
        judge: 'Helm',
      },
      {
        says: 'upgrade: backend.replicas=3',
        run: ['helm', 'upgrade', 'demo-app', '${CHART_DIR}', '-n', 'demo-helm', '--set', 'backend.replicas=3'],
        expect: 'succeeds',
        output: /has been upgraded/,
        judge: 'Helm',
      },
      {
        says: '1 superseded, 2 deployed',
        run: ['helm', 'history', 'demo-app', '-n', 'demo-helm'],
        expect: 'succeeds',
        output: /1\s+.*superseded[\s\S]*2\s+.*deployed/,
        judge: 'Helm',
      },
      {
        says: 'rollback to 1',
        run: ['helm', 'rollback', 'demo-app', '1', '-n', 'demo-helm'],
        expect: 'succeeds',
        output: /Rollback was a success/,
        judge: 'Helm',
      },
      {
        says: 'backend is back to its chart value',
        run: kubectl('get', 'deploy', '-n', 'demo-helm', 'backend', '-o', 'jsonpath={.spec.replicas}'),
        expect: 'succeeds',
        output: /^2$/,
        within: 30,
        judge: 'API server',
      },
      {
        says: 'uninstall',
        run: ['helm', 'uninstall', 'demo-app', '-n', 'demo-helm', '--ignore-not-found'],
        expect: 'succeeds',
        judge: 'Helm',
        cleanup: true,
      },
    ],
  },
  {
    id: '11-3',
    title: 'Values per environment',
    labs: LABS,
    deviations: [],
    steps: [
      {
        says: 'stg: resources doubled',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}', '-f', '${CHART_DIR}/values-stg.yaml'],
        expect: 'succeeds',
        output: /cpu: "?400m"?/,
        judge: 'Helm',
      },
      {
        says: 'prod: replicas 4, a pinned image',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}', '-f', '${CHART_DIR}/values-prod.yaml'],
        expect: 'succeeds',
        output: /^(?=[\s\S]*replicas: 4)(?=[\s\S]*image: "?[^\s"]+:v\d)/,
        judge: 'Helm',
      },
      {
        says: 'loadGenerator.enabled=true renders the Job',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}', '-f', '${CHART_DIR}/values-prod.yaml', '--set', 'loadGenerator.enabled=true'],
        expect: 'succeeds',
        output: /kind: Job/,
        judge: 'Helm',
      },
    ],
  },
  {
    id: '11-4',
    title: 'Argo CD deploys the chart',
    labs: LABS,
    deviations: [
      "the source is this environment's own git source (the seed: <your-repo>/interview-prep) at helm/demo-app, into demo-helm with CreateNamespace=true (see 11-2)",
    ],
    steps: [
      { says: 'the Application is created', run: kubectl('apply', '-f', '-'), stdin: DEMO_APP_HELM, expect: 'succeeds', judge: 'API server' },
      {
        says: 'Synced, Healthy',
        run: kubectl('get', 'applications', '-n', 'argocd', 'demo-app-helm'),
        expect: 'succeeds',
        output: /Synced\s+Healthy/,
        within: 240,
        judge: 'Argo CD',
      },
      {
        says: 'scale by hand to 5',
        run: kubectl('scale', 'deploy', '-n', 'demo-helm', 'backend', '--replicas=5'),
        expect: 'succeeds',
        judge: 'API server',
      },
      {
        says: "selfHeal puts values.yaml's 2 back",
        run: kubectl('get', 'deploy', '-n', 'demo-helm', 'backend', '-o', 'jsonpath={.spec.replicas}'),
        expect: 'succeeds',
        output: /^2$/,
        within: 120,
        judge: 'Argo CD',
      },
      {
        says: 'helm list is empty: Argo CD renders with helm template',
        run: ['helm', 'list', '-n', 'demo-helm'],
        expect: 'succeeds',
        absent: /demo-app/,
        judge: 'Helm',
      },
      {
        says: 'delete the Application',
        run: kubectl('delete', 'application', '-n', 'argocd', 'demo-app-helm', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'and what it left (no finalizer, as the seed writes it)',
        run: kubectl('delete', 'namespace', 'demo-helm', '--ignore-not-found', '--wait=false'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
    ],
  },
  {
    id: '14',
    title: 'Troubleshooting checks',
    labs: LABS,
    deviations: [],
    steps: [
      {
        says: 'Cilium policies in demo',
        run: kubectl('get', 'cnp', '-n', 'demo'),
        expect: 'succeeds',
        output: /backend-allow-frontend-only/,
        judge: 'API server',
      },
      {
        says: 'Total Violations per Constraint',
        run: kubectl('describe', 'K8sDenyPrivileged', 'deny-privileged-container'),
        expect: 'succeeds',
        output: /Total Violations:\s+\d+/,
        within: 120,
        judge: 'Gatekeeper',
      },
      {
        says: 'the Gateway, Programmed=True',
        run: kubectl('describe', 'gateway', '-n', 'kong', 'kong-gateway'),
        expect: 'succeeds',
        output: /Programmed/,
        judge: 'a dataplane',
      },
      {
        says: 'the route demo-api',
        run: kubectl('describe', 'httproute', '-n', 'demo', 'demo-api'),
        expect: 'succeeds',
        output: /Name:\s+demo-api/,
        judge: 'API server',
      },
      {
        says: 'its parentRef status: Accepted=True',
        run: kubectl('get', 'httproute', '-n', 'demo', 'demo-api', '-o', 'jsonpath={.status.parents[0].conditions[?(@.type=="Accepted")].status}'),
        expect: 'succeeds',
        output: /^True$/,
        judge: 'a dataplane',
      },
      {
        says: 'frontend -> Kong with the API host: 200',
        run: fromFrontend('-sf', '-H', 'Host: api.${DOMAIN}', 'http://kong-gateway-proxy.kong.svc/status/200'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: "Grafana's admin password is in monitoring/grafana",
        run: kubectl('get', 'secret', '-n', 'monitoring', 'grafana', '-o', 'jsonpath={.data.admin-password}'),
        expect: 'succeeds',
        output: /^[A-Za-z0-9+/=]{8,}$/,
        judge: 'API server',
      },
    ],
  },
];
