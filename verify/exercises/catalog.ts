import { NAMESPACES } from '../../lib/namespaces';
import { SEED_2_1_POLICY, SEED_TEST_CNP_POD } from './seed-manifests';
import { Exercise, Step } from './types';

/**
 * The seed's exercises (../shared/seed, sections 2 to 11 and 14), step by step,
 * with the outcome the seed prints. A step is the seed's own command unless it
 * says `added` (a check of ours) or `instead` (a deviation, with why); a test
 * holds every other step to the seed's text (seed-commands.ts), and every seed
 * command the catalog does not run is listed in `notRun` with why. Parameters
 * (`${NAME}`) come from the environment's config (runner.ts exerciseParams):
 * for the seed's own lab, dev, they are the seed's literal values.
 */

const LABS = ['dev', 'dev-no-mesh'] as const;
/** The seed's test pods carry the seed's labels verbatim: its lab is ENV=dev. */
const SEED_LABELS = { app: 'test', env: 'dev', team: 'platform' };

const kubectl = (...args: string[]) => ['kubectl', ...args];
const fromFrontend = (...curl: string[]) => kubectl('exec', '-n', 'demo', 'deploy/frontend', '--', 'curl', ...curl);
/** Seed 2-1 to 4-2's probe: frontend -> backend through its Service. */
const FRONTEND_TO_BACKEND = fromFrontend('-sf', 'http://backend.demo.svc/status/200');

/** A busybox pod as seed 6-1 writes them: the compliant baseline, with one thing taken away or added. */
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

const guestbookApplied: Step = {
  says: 'the Application is created in project default',
  run: kubectl('apply', '-f', '-'),
  stdin: GUESTBOOK,
  expect: 'succeeds',
  judge: 'API server',
};
const guestbookSynced: Step = {
  says: 'Synced, Healthy',
  run: kubectl('get', 'applications', '-n', 'argocd', 'test-guestbook'),
  expect: 'succeeds',
  output: /Synced\s+Healthy/,
  within: 240,
  judge: 'Argo CD',
};

/** Seed 11-4's Application, into the release's own namespace with this lab's own git source (see the deviation). */
const DEMO_APP_HELM = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'demo-app-helm', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: { repoURL: '${CHART_REPO}', targetRevision: '${CHART_REVISION}', path: '${CHART_DIR}', helm: { valueFiles: ['values.yaml'] } },
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
const PRIVILEGED_MESSAGE = "컨테이너 'test'가 privileged 모드로 실행됩니다.";
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
      // The seed's `X=$(kubectl get pods -n <ns> -l <selector> -o name | head -1)`.
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

/** The seed's watches (`-w`) never end: the step after each waits for what the watch would show. */
const WATCH = 'a watch (-w) runs until interrupted; the next step asks until the seed’s outcome shows';
/** The seed's Grafana login, as section 7-6 tells the reader to read it. */
const GRAFANA_PASSWORD: Step = {
  says: "Grafana's admin password, read as the seed reads it",
  run: kubectl('get', 'secret', '-n', 'monitoring', 'grafana', '-o', 'jsonpath={.data.admin-password}'),
  expect: 'succeeds',
  output: /^[A-Za-z0-9+/=]{8,}$/,
  capture: 'GRAFANA_PASS',
  decode: 'base64',
  judge: 'API server',
};
/** Tempo through Grafana's datasource proxy with the admin login: the API behind the seed's Explore screens. */
const tempoSearch = (query: string) => [
  'curl',
  '-s',
  '-u',
  'admin:${GRAFANA_PASS}',
  '-G',
  'http://grafana.${DOMAIN}/api/datasources/proxy/uid/tempo/api/search',
  '--data-urlencode',
  `q=${query}`,
  '--data-urlencode',
  'start=${STARTED}',
  '--data-urlencode',
  'limit=100',
];
const traces = (value: unknown) => ((value as { traces?: unknown[] }).traces ?? []).length;

export const EXERCISES: readonly Exercise[] = [
  {
    id: '2-1',
    title: 'CiliumNetworkPolicy: only frontend (and Kong) reach backend',
    labs: LABS,
    deviations: [],
    notRun: [
      {
        command: 'hubble observe -n demo --last 10',
        why: "reads a dataplane's flows through Hubble Relay (kubectl -n kube-system port-forward svc/hubble-relay 4245:80 first)",
      },
    ],
    steps: [
      { says: 'before: frontend -> backend: 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', judge: 'a dataplane' },
      {
        says: 'the test pod (app=test-cnp, ServiceAccount frontend) is admitted',
        run: kubectl('apply', '-n', 'demo', '-f', '-'),
        stdin: SEED_TEST_CNP_POD,
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
        says: 'before: test-cnp -> backend: 200 (no CiliumNetworkPolicy yet)',
        run: kubectl('exec', '-n', 'demo', 'test-cnp', '--', 'curl', '-sf', '--max-time', '5', 'http://backend.demo.svc/status/200'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: "the seed's backend-allow-frontend-only is applied",
        run: kubectl('apply', '-f', '-'),
        stdin: SEED_2_1_POLICY,
        expect: 'succeeds',
        output: /ciliumnetworkpolicy.cilium.io\/backend-allow-frontend-only (created|configured|unchanged)/,
        judge: 'API server',
      },
      { says: 'after: frontend -> backend: still 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', judge: 'a dataplane' },
      {
        says: 'after: test-cnp -> backend times out (same ServiceAccount, refused by its label)',
        run: kubectl('exec', '-n', 'demo', 'test-cnp', '--', 'curl', '-sf', '--max-time', '5', 'http://backend.demo.svc/status/200'),
        expect: 'fails',
        refusal: 'timeout',
        judge: 'a dataplane',
      },
      {
        says: 'clean up: the policy',
        run: kubectl('delete', 'cnp', '-n', 'demo', 'backend-allow-frontend-only'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'clean up: the pod',
        run: kubectl('delete', 'pod', 'test-cnp', '-n', 'demo'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'the policy stays deleted: the reader applies the backend policies in this lab, Argo CD does not put it back',
        run: kubectl('get', 'cnp', '-n', 'demo', 'backend-allow-frontend-only'),
        expect: 'fails',
        output: /NotFound|not found/,
        after: 10,
        judge: 'Argo CD',
        added: "the seed's clean-up must hold: the lab leaves the backend's policies to the reader (security.backendPolicies)",
        cleanup: true,
      },
    ],
  },
  {
    id: '2-2',
    title: 'Fault injection: a Cilium agent pod deleted',
    labs: LABS,
    deviations: [],
    notRun: [{ command: 'kubectl get pods -n kube-system -l k8s-app=cilium -w', why: WATCH }],
    steps: [
      CILIUM_AGENT.running,
      { says: 'baseline: frontend -> backend 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', judge: 'a dataplane' },
      CILIUM_AGENT.pick,
      CILIUM_AGENT.remove,
      {
        says: 'traffic holds while the agent restarts (eBPF stays in the kernel)',
        run: FRONTEND_TO_BACKEND,
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      CILIUM_AGENT.back('the DaemonSet brings a new agent, Ready'),
      { ...CILIUM_AGENT.running, says: 'a new agent, Running' },
    ],
  },
  {
    id: '2-3',
    title: 'L7 HTTP policy: frontend may GET, not POST',
    labs: ['dev-no-mesh'],
    deviations: [
      "runs on the lab without Istio (setup.sh --env dev --light --skip-istio): Cilium's proxy cannot read the HTTP that ambient's HBONE tunnel carries, so on dev the policy would judge nothing",
    ],
    notRun: [
      { command: 'hubble observe --namespace demo --type l7 --protocol http --last 20', why: "reads a dataplane's L7 flows through Hubble Relay" },
    ],
    steps: [
      { says: 'before: GET /get: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/get'), expect: 'succeeds', judge: 'a dataplane' },
      {
        says: 'before: POST /post: 200',
        run: fromFrontend('-sf', '-X', 'POST', 'http://backend.demo.svc/post'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: 'before: DELETE /delete: 200',
        run: fromFrontend('-sf', '-X', 'DELETE', 'http://backend.demo.svc/delete'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: 'the L7 policy file is applied',
        run: kubectl('apply', '-f', '${HTTP_POLICY_FILE}'),
        expect: 'succeeds',
        output: /ciliumnetworkpolicy.cilium.io\/backend-l7-http-policy (created|configured|unchanged)/,
        judge: 'API server',
      },
      { says: 'GET /status/200: 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', judge: 'a dataplane' },
      { says: 'GET /get: 200', run: fromFrontend('-sf', 'http://backend.demo.svc/get'), expect: 'succeeds', judge: 'a dataplane' },
      {
        says: 'POST /post: Access denied (403)',
        run: fromFrontend('-sf', '-X', 'POST', 'http://backend.demo.svc/post'),
        expect: 'fails',
        refusal: 'http-403',
        judge: 'a dataplane',
      },
      {
        says: 'GET /delay/1: Access denied (403), no rule names /delay/.*',
        run: fromFrontend('-sf', 'http://backend.demo.svc/delay/1'),
        expect: 'fails',
        refusal: 'http-403',
        judge: 'a dataplane',
      },
      {
        says: 'clean up',
        run: kubectl('delete', 'cnp', '-n', 'demo', 'backend-l7-http-policy'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
    ],
  },
  {
    id: '3-1',
    title: 'HTTPRoute CRUD: create, test, delete a route',
    labs: LABS,
    deviations: [],
    notRun: [
      {
        command: 'echo "127.0.0.1 test.lab-dev.local" | sudo tee -a /etc/hosts',
        why: "changes this machine's /etc/hosts: the reader's own step (the lab without Istio listens on 127.0.0.2, so its line starts with that)",
      },
    ],
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
        added: 'the seed tests the route through Kong at once; Kong programs it first',
      },
      {
        says: 'httpbin answers through Kong',
        run: ['curl', 'http://test.${DOMAIN}/get'],
        expect: 'succeeds',
        status: 200,
        output: /"url"/,
        judge: 'a dataplane',
      },
      {
        says: 'the route is deleted',
        run: kubectl('delete', 'httproute', '-n', 'demo', 'test-route'),
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
        added: "the seed's cluster check (kubectl get httproutes --all-namespaces) before its curls",
      },
      {
        says: "the demo API's /get",
        run: ['curl', '-s', 'http://api.${DOMAIN}/get'],
        expect: 'succeeds',
        status: 200,
        output: /"url"/,
        judge: 'a dataplane',
      },
      {
        says: "the demo API's /headers",
        run: ['curl', '-s', 'http://api.${DOMAIN}/headers'],
        expect: 'succeeds',
        status: 200,
        output: /"headers"/,
        judge: 'a dataplane',
      },
      {
        says: 'HTTP 200 from /status/200',
        run: ['curl', '-s', 'http://api.${DOMAIN}/status/200', '-w', '\\nHTTP %{http_code}\\n'],
        expect: 'succeeds',
        output: /HTTP 200/,
        judge: 'a dataplane',
      },
      {
        says: "Grafana's login page",
        run: ['curl', '-s', 'http://grafana.${DOMAIN}/login'],
        expect: 'succeeds',
        status: 200,
        output: /Grafana/,
        judge: 'a dataplane',
      },
      {
        says: "Argo CD's UI",
        run: ['curl', '-s', 'http://argocd.${DOMAIN}/'],
        expect: 'succeeds',
        status: 200,
        output: /Argo CD/,
        judge: 'a dataplane',
      },
    ],
  },
  {
    id: '4-1',
    title: 'Ambient mode off and on',
    labs: ['dev'],
    deviations: [],
    notRun: [{ command: 'sleep 5', why: 'the next step waits 5 s before its curl (after: 5)' }],
    steps: [
      {
        says: 'demo is in the mesh: istio.io/dataplane-mode=ambient',
        run: kubectl('get', 'ns', 'demo', '--show-labels'),
        expect: 'succeeds',
        output: /istio\.io\/dataplane-mode=ambient/,
        judge: 'API server',
      },
      { says: 'frontend -> backend over mTLS: 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', judge: 'a dataplane' },
      { says: 'remove the ambient label', run: kubectl('label', 'ns', 'demo', 'istio.io/dataplane-mode-'), expect: 'succeeds', judge: 'API server' },
      {
        says: "the label stays removed: the lab's Argo CD leaves it to the reader",
        run: kubectl('get', 'ns', 'demo', '--show-labels'),
        expect: 'succeeds',
        absent: /istio\.io\/dataplane-mode=ambient/,
        after: 20,
        judge: 'Argo CD',
        added: 'selfHeal would put the label back within seconds; the lab keeps hand edits (security.handEdits: ignoreDifferences on that label)',
      },
      {
        says: 'plaintext out of the mesh times out: only HBONE reaches the backend',
        run: fromFrontend('-sf', '--max-time', '5', 'http://backend.demo.svc/status/200'),
        expect: 'fails',
        refusal: 'timeout',
        judge: 'a dataplane',
      },
      {
        says: 'put the label back',
        run: kubectl('label', 'ns', 'demo', 'istio.io/dataplane-mode=ambient'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      { says: 'mTLS again: 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', after: 5, judge: 'a dataplane' },
      {
        says: 'the namespaces Application is Synced: the ignored label makes no difference to it',
        run: kubectl('get', 'application', '-n', 'argocd', 'namespaces', '-o', 'jsonpath={.status.sync.status}'),
        expect: 'succeeds',
        output: /^Synced$/,
        within: 60,
        judge: 'Argo CD',
        added: 'the hand edit and its undo leave Argo CD Synced',
        cleanup: true,
      },
    ],
  },
  {
    id: '4-2',
    title: 'A ztunnel pod deleted and back',
    labs: ['dev'],
    deviations: [],
    notRun: [{ command: 'kubectl get pods -n istio-system -l app=ztunnel -w', why: WATCH }],
    steps: [
      ZTUNNEL.running,
      { says: 'baseline: 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', judge: 'a dataplane' },
      ZTUNNEL.pick,
      ZTUNNEL.remove,
      {
        says: "while it restarts: a brief cut on that node's pods, or none",
        run: fromFrontend('-sf', '--max-time', '5', 'http://backend.demo.svc/status/200'),
        expect: 'either',
        judge: 'a dataplane',
      },
      ZTUNNEL.back('the DaemonSet brings it back, Ready'),
      { says: 'mTLS tunnel back: 200', run: FRONTEND_TO_BACKEND, expect: 'succeeds', judge: 'a dataplane' },
    ],
  },
  {
    id: '5-1',
    title: 'An Application created and synced',
    labs: LABS,
    deviations: [],
    steps: [
      guestbookApplied,
      guestbookSynced,
      {
        says: 'delete the Application',
        run: kubectl('delete', 'application', '-n', 'argocd', 'test-guestbook'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
    ],
  },
  {
    id: '5-2',
    title: 'selfHeal reverts a hand scale',
    labs: LABS,
    deviations: [],
    notRun: [{ command: 'kubectl get deploy -n test guestbook-ui -w', why: WATCH }],
    steps: [
      { ...guestbookApplied, added: "5-1 deletes test-guestbook at its end and 5-2 reads it: the seed's 5-1 apply again" },
      { ...guestbookSynced, added: 'the Application of the line before, Synced' },
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
        // The seed prints 5/5 and OutOfSync; selfHeal may already have reverted both, so neither is asserted.
        says: 'the Deployment, scaled (or already healed: selfHeal acts within seconds)',
        run: kubectl('get', 'deploy', '-n', 'test', 'guestbook-ui'),
        expect: 'succeeds',
        output: /guestbook-ui/,
        judge: 'API server',
      },
      {
        says: 'OutOfSync while the drift lasts (a second or less: not asserted)',
        run: kubectl('get', 'app', '-n', 'argocd', 'test-guestbook', '-o', 'jsonpath={.status.sync.status}'),
        expect: 'succeeds',
        output: /^(OutOfSync|Synced)$/,
        judge: 'Argo CD',
      },
      {
        says: 'selfHeal puts 1 back',
        run: kubectl('get', 'deploy', '-n', 'test', 'guestbook-ui', '-o', 'jsonpath={.spec.replicas}'),
        expect: 'succeeds',
        output: /^1$/,
        within: 120,
        judge: 'Argo CD',
        added: "what the seed's watch (-w) shows: replicas 5 -> 1",
      },
      {
        says: 'Synced again',
        run: kubectl('get', 'app', '-n', 'argocd', 'test-guestbook', '-o', 'jsonpath={.status.sync.status}'),
        expect: 'succeeds',
        output: /^Synced$/,
        within: 60,
        judge: 'Argo CD',
      },
      {
        says: 'delete the Application',
        run: kubectl('delete', 'application', '-n', 'argocd', 'test-guestbook'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
        added: "5-1's clean-up again",
      },
    ],
  },
  {
    id: '6-1',
    title: 'Four Gatekeeper policies, one violation each',
    labs: LABS,
    deviations: [],
    steps: [
      {
        says: 'baseline: a compliant pod is created',
        run: kubectl('apply', '-f', '-'),
        stdin: busybox('test-compliant', 'demo', { labels: SEED_LABELS, requests: { cpu: '50m', memory: '32Mi' } }),
        expect: 'succeeds',
        output: /pod\/test-compliant (created|unchanged)/,
        judge: 'Gatekeeper',
      },
      { says: 'delete it', run: kubectl('delete', 'pod', '-n', 'demo', 'test-compliant'), expect: 'succeeds', judge: 'API server', cleanup: true },
      {
        says: `privileged: refused, ${PRIVILEGED_MESSAGE}`,
        run: kubectl('apply', '-f', '-'),
        stdin: PRIVILEGED('test-privileged'),
        expect: 'fails',
        output: new RegExp(
          `admission webhook "validation\\.gatekeeper\\.sh" denied the request: \\[deny-privileged-container\\] ${escape(PRIVILEGED_MESSAGE)}`,
        ),
        judge: 'Gatekeeper',
      },
      {
        says: "no labels: refused, 필수 라벨 'app', 'env', 'team'",
        run: kubectl('apply', '-f', '-'),
        stdin: busybox('test-no-labels', 'demo', {}),
        expect: 'fails',
        output: /^(?=[\s\S]*validation\.gatekeeper\.sh)(?=[\s\S]*필수 라벨 'app')(?=[\s\S]*필수 라벨 'env')(?=[\s\S]*필수 라벨 'team')/,
        judge: 'Gatekeeper',
      },
      {
        says: 'no runAsNonRoot: refused',
        run: kubectl('apply', '-f', '-'),
        stdin: busybox('test-root', 'demo', { labels: SEED_LABELS, nonRoot: false }),
        expect: 'fails',
        output: /\[require-non-root\] Pod securityContext에 runAsNonRoot: true가 설정되지 않았습니다\./,
        judge: 'Gatekeeper',
      },
      {
        says: 'clean up what a platform without these rules would have admitted',
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-privileged', 'test-no-labels', 'test-root', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
        added: 'a seeded break admits these pods; they must not outlive the run',
      },
      {
        says: 'a namespace without LimitRange',
        run: kubectl('create', 'namespace', 'gatekeeper-test', '--dry-run=client', '-o', 'yaml'),
        pipe: kubectl('apply', '-f', '-'),
        expect: 'succeeds',
        output: /namespace\/gatekeeper-test (created|unchanged|configured)/,
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
        added: 'a new Constraint takes seconds to reach the webhook; the seed applies the pod at once',
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
        run: kubectl('delete', 'K8sRequireResourceLimits', 'require-resource-limits-test'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      { says: 'and the namespace', run: kubectl('delete', 'namespace', 'gatekeeper-test'), expect: 'succeeds', judge: 'API server', cleanup: true },
    ],
  },
  {
    id: '6-2',
    title: 'enforcementAction: deny, then warn (and dryrun)',
    labs: LABS,
    deviations: [],
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
      {
        says: 'clean up what a platform without the rule would have admitted',
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-privileged-deny', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
        added: 'a seeded break admits this pod; it must not outlive the run',
      },
      {
        says: 'switch to warn',
        run: kubectl('patch', 'K8sDenyPrivileged', 'deny-privileged-container', '--type=merge', '-p', '{"spec":{"enforcementAction":"warn"}}'),
        expect: 'succeeds',
        judge: 'API server',
      },
      {
        says: "warn stays: the lab's Argo CD leaves enforcementAction to the reader",
        run: kubectl('get', 'K8sDenyPrivileged', 'deny-privileged-container', '-o', 'jsonpath={.spec.enforcementAction}'),
        expect: 'succeeds',
        output: /^warn$/,
        after: 20,
        judge: 'Argo CD',
        added: 'selfHeal would undo the patch within seconds; the lab keeps hand edits (security.handEdits: ignoreDifferences on that field)',
      },
      {
        says: "the same pod: Gatekeeper's Warning, and it is created",
        run: kubectl('apply', '-f', '-'),
        stdin: PRIVILEGED('test-privileged-warn'),
        expect: 'succeeds',
        // Gatekeeper's own warning, not Pod Security's `warn=restricted` one, which also names privileged.
        output: new RegExp(
          `^(?=[\\s\\S]*Warning: \\[deny-privileged-container\\] ${escape(PRIVILEGED_MESSAGE)})(?=[\\s\\S]*pod/test-privileged-warn created)`,
        ),
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
        says: 'dryrun: the pod is created with no warning at all from Gatekeeper (audit records it)',
        run: kubectl('patch', 'K8sDenyPrivileged', 'deny-privileged-container', '--type=merge', '-p', '{"spec":{"enforcementAction":"dryrun"}}'),
        expect: 'succeeds',
        judge: 'API server',
        added: "the seed's title names dryrun, and its steps stop at warn",
      },
      {
        says: 'dryrun: created, and Gatekeeper says nothing',
        run: kubectl('apply', '-f', '-'),
        stdin: PRIVILEGED('test-privileged-dryrun'),
        expect: 'succeeds',
        output: /pod\/test-privileged-dryrun created/,
        absent: /\[deny-privileged-container\]/,
        within: 60,
        judge: 'Gatekeeper',
        added: "the seed's title names dryrun, and its steps stop at warn",
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
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-privileged-warn'),
        expect: 'any',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'and the dryrun one',
        run: kubectl('delete', 'pod', '-n', 'demo', 'test-privileged-dryrun', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
        added: 'the dryrun step made it',
      },
    ],
  },
  {
    id: '7-1',
    title: 'Traffic, then trace -> log -> metric in Grafana',
    labs: LABS,
    deviations: [],
    notes: [
      "the runner reads Grafana's Tempo, Loki and Mimir screens through Grafana's API with the admin login, as section 7-6 reads its datasources",
      "the Mimir query rate(hubble_http_requests_total{namespace=\"demo\"}[5m]) counts HTTP only where Cilium's proxy reads it: on dev-no-mesh once 2-3's L7 policy is applied (the seed leaves it in place); on dev, ambient's HBONE carries the HTTP in mTLS, so Hubble sees TCP flows and the query is empty there by design",
      'each north-south call of the load generator starts a W3C trace that Kong continues, and its log line begins [<trace id>,<span id>]: Grafana\'s derived field (seed 7-6) links the line to Tempo, and the trace\'s "Logs for this span" finds the line',
    ],
    steps: [
      {
        says: 'the api route is traced as service backend (Kong’s tracing plugin on it)',
        run: kubectl('get', 'kongplugin', '-n', 'demo', 'tracing-demo-api', '-o', 'jsonpath={.config.resource_attributes.service\\.name}'),
        expect: 'succeeds',
        output: /^backend$/,
        judge: 'API server',
        added: 'the producer of the traces the seed searches: go-httpbin has no instrumentation of its own',
      },
      {
        says: 'the plugin is attached to the api route',
        run: kubectl('get', 'httproute', '-n', 'demo', 'demo-api', '-o', 'jsonpath={.metadata.annotations.konghq\\.com/plugins}'),
        expect: 'succeeds',
        output: /^tracing-demo-api$/,
        judge: 'API server',
        added: 'the producer of the traces the seed searches',
      },
      { says: 'the old Job is gone, if any', run: kubectl('delete', 'job', '-n', 'demo', 'load-generator'), expect: 'any', judge: 'API server' },
      {
        says: "the seed's load generator Job is applied",
        run: kubectl('apply', '-f', 'lab/06-demo-app/load-generator/job.yaml'),
        expect: 'succeeds',
        output: /job.batch\/load-generator (created|configured|unchanged)/,
        judge: 'API server',
      },
      {
        says: 'the Job completes: every call it is configured to make is allowed',
        run: kubectl('wait', '--for=condition=complete', 'job/load-generator', '-n', 'demo', '--timeout=120s'),
        expect: 'succeeds',
        within: 150,
        judge: 'API server',
        added:
          "the seed reads the Job's log; a Job whose calls a policy refuses never completes (in npm test, Cilium and the mesh judge its configured calls)",
      },
      {
        says: 'its log: 50 E-W and 50 N-S calls, none failed',
        run: kubectl('logs', '-n', 'demo', '-l', 'app=load-generator', '--follow'),
        expect: 'succeeds',
        output: /^(?=[\s\S]*E-W #1: HTTP 200)(?=[\s\S]*N-S #1: HTTP 200)(?=[\s\S]*load-generator: 0 of 100 requests failed)/,
        judge: 'a dataplane',
      },
      { ...GRAFANA_PASSWORD, added: "section 7-6's way to read the login the Explore screens need" },
      {
        says: 'Tempo has traces of backend',
        run: tempoSearch('{ resource.service.name = "backend" }'),
        expect: 'succeeds',
        status: 200,
        json: (v) => (traces(v) > 0 ? undefined : 'no trace of backend'),
        within: 90,
        judge: 'a dataplane',
        added: "Explore -> Tempo -> backend -> Run Query, through Grafana's API",
      },
      {
        says: "Loki has demo's logs",
        run: [
          'curl',
          '-s',
          '-u',
          'admin:${GRAFANA_PASS}',
          '-G',
          'http://grafana.${DOMAIN}/api/datasources/proxy/uid/loki/loki/api/v1/query_range',
          '--data-urlencode',
          'query={namespace="demo"}',
        ],
        expect: 'succeeds',
        status: 200,
        json: (v) => (((v as { data?: { result?: unknown[] } }).data?.result ?? []).length > 0 ? undefined : 'no log stream of demo'),
        within: 90,
        judge: 'a dataplane',
        added: 'Explore -> Loki {namespace="demo"}, through Grafana\'s API',
      },
      {
        says: "a load generator line carries its call's trace id, in the form the derived field reads",
        run: [
          'curl',
          '-s',
          '-u',
          'admin:${GRAFANA_PASS}',
          '-G',
          'http://grafana.${DOMAIN}/api/datasources/proxy/uid/loki/loki/api/v1/query_range',
          '--data-urlencode',
          'query={namespace="demo", app="load-generator"} |~ "\\\\[[a-f0-9]{32},"',
        ],
        expect: 'succeeds',
        status: 200,
        json: (v) => (((v as { data?: { result?: unknown[] } }).data?.result ?? []).length > 0 ? undefined : 'no line with a trace id'),
        within: 90,
        judge: 'a dataplane',
        added: "Explore -> Loki, a line's traceID field (seed 7-1 step 4), through Grafana's API",
      },
      {
        says: "Mimir answers the seed's Hubble query with the demo's series",
        run: [
          'curl',
          '-s',
          '-u',
          'admin:${GRAFANA_PASS}',
          '-G',
          'http://grafana.${DOMAIN}/api/datasources/proxy/uid/mimir/api/v1/query',
          '--data-urlencode',
          'query=rate(hubble_http_requests_total{namespace="demo"}[5m])',
        ],
        expect: 'succeeds',
        status: 200,
        json: (v) => (((v as { data?: { result?: unknown[] } }).data?.result ?? []).length > 0 ? undefined : 'no Hubble HTTP series of demo'),
        within: 120,
        labs: ['dev-no-mesh'],
        judge: 'a dataplane',
        added: "Explore -> Mimir, the seed's query (seed 7-1 step 4), through Grafana's API; where Cilium's proxy reads HTTP (2-3's policy in place)",
      },
    ],
  },
  {
    id: '7-2',
    title: 'tail_sampling keeps every error and slow trace',
    labs: LABS,
    deviations: [],
    notes: [
      "the runner reads Grafana's Tempo screens through Grafana's API with the admin login; the ~10% of normal traffic is counted among the 20 /status/200 requests since the exercise started (at most 6, where 10% gives ~2)",
    ],
    steps: [
      {
        says: 'Kong traces the api route (the plugin the 5xx and slow requests pass)',
        run: kubectl('get', 'httproute', '-n', 'demo', 'demo-api', '-o', 'jsonpath={.metadata.annotations.konghq\\.com/plugins}'),
        expect: 'succeeds',
        output: /^tracing-demo-api$/,
        judge: 'API server',
        added: 'the producer of the traces the seed counts',
      },
      {
        says: '5 x 500 through Kong',
        run: ['curl', '-s', 'http://api.${DOMAIN}/status/500', '-o', '/dev/null', '-w', 'Error: HTTP %{http_code}\\n'],
        repeat: 5,
        expect: 'succeeds',
        output: /Error: HTTP 500/,
        judge: 'a dataplane',
      },
      {
        says: '5 x 503 through Kong',
        run: ['curl', '-s', 'http://api.${DOMAIN}/status/503', '-o', '/dev/null', '-w', 'Error: HTTP %{http_code}\\n'],
        repeat: 5,
        expect: 'succeeds',
        output: /Error: HTTP 503/,
        judge: 'a dataplane',
      },
      {
        says: 'a slow request (3 s)',
        run: ['curl', '-s', 'http://api.${DOMAIN}/delay/3', '-o', '/dev/null', '-w', 'Slow: HTTP %{http_code} (%{time_total}s)\\n'],
        expect: 'succeeds',
        output: /Slow: HTTP 200 \([3-9]\.\d+s\)/,
        judge: 'a dataplane',
      },
      {
        says: '20 normal requests',
        run: ['curl', '-s', 'http://api.${DOMAIN}/status/200', '-o', '/dev/null', '-w', 'Normal #${N}: HTTP %{http_code}\\n'],
        repeat: 20,
        expect: 'succeeds',
        output: /Normal #\d+: HTTP 200/,
        judge: 'a dataplane',
      },
      { ...GRAFANA_PASSWORD, added: "section 7-6's way to read the login the Explore screens need" },
      {
        says: 'Tempo kept every error trace (100%)',
        run: tempoSearch('{ resource.service.name = "backend" && span.http.response.status_code >= 500 }'),
        expect: 'succeeds',
        status: 200,
        json: (v) => (traces(v) >= 10 ? undefined : `${traces(v)} error traces, not the 10 sent`),
        within: 120,
        judge: 'a dataplane',
        added: "Explore -> Tempo, Status: Error, through Grafana's API",
      },
      {
        says: 'Tempo kept the slow trace (100%)',
        run: tempoSearch('{ resource.service.name = "backend" && duration >= 2s }'),
        expect: 'succeeds',
        status: 200,
        json: (v) => (traces(v) >= 1 ? undefined : 'no trace of 2 s or more'),
        within: 120,
        judge: 'a dataplane',
        added: "Explore -> Tempo, Min Duration 2s, through Grafana's API",
      },
      {
        says: 'Tempo kept about 10% of the normal ones (~2 of 20)',
        run: tempoSearch('{ resource.service.name = "backend" && span.http.url =~ ".*/status/200" }'),
        expect: 'succeeds',
        status: 200,
        json: (v) => (traces(v) <= 6 ? undefined : `${traces(v)} of 20 normal traces kept, not ~10%`),
        within: 60,
        judge: 'a dataplane',
        added: "Explore -> Tempo without filters, through Grafana's API",
      },
    ],
  },
  {
    id: '8-1',
    title: 'ResourceQuota exhausted',
    labs: LABS,
    deviations: [],
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
        output: /pods "quota-test-10" is forbidden: exceeded quota/,
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
        run: kubectl('delete', 'pods', '-n', 'demo', '-l', 'app=quota-test'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
      },
      {
        says: 'Used back where it was',
        run: kubectl('describe', 'resourcequota', '-n', 'demo'),
        expect: 'succeeds',
        output: /requests\.cpu/,
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
        says: 'the backend pods and their nodes',
        run: kubectl('get', 'pods', '-n', 'demo', '-l', 'app=backend', '-o', 'wide'),
        expect: 'succeeds',
        output: /backend-/,
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
        says: 'ALLOWED DISRUPTIONS 0 or 1, by the Running count',
        run: kubectl('get', 'pdb', '-n', 'demo', 'backend-pdb'),
        expect: 'succeeds',
        output: /backend-pdb\s+1\s+N\/A\s+[01]/,
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
        run: kubectl('get', 'deploy', '-n', 'demo', 'backend'),
        expect: 'succeeds',
        output: /\b${BACKEND_REPLICAS}\/${BACKEND_REPLICAS}\b/,
        within: 60,
        judge: 'API server',
      },
      {
        says: 'ALLOWED DISRUPTIONS back',
        run: kubectl('get', 'pdb', '-n', 'demo', 'backend-pdb'),
        expect: 'succeeds',
        output: /backend-pdb\s+1\s+N\/A\s+[1-9]/,
        within: 60,
        judge: 'API server',
      },
    ],
  },
  {
    id: '11-1',
    title: 'The demo-app chart: structure, helm template, helm lint',
    labs: LABS,
    deviations: [],
    notRun: [
      {
        command: 'tree lab/03-argocd/apps/demo-app/',
        why: "prints the chart's folder (tree, named in the README's prerequisites); the Helm test reads the same files",
      },
    ],
    steps: [
      {
        says: '_helpers.tpl: the labels Gatekeeper requires are defined in a helper',
        run: ['cat', '${CHART_DIR}/templates/_helpers.tpl'],
        expect: 'succeeds',
        output: /^(?=[\s\S]*define "demo-app\.labels")(?=[\s\S]*\bapp: )(?=[\s\S]*\benv: )(?=[\s\S]*\bteam: )/,
        judge: 'Helm',
      },
      {
        says: 'helm template renders',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}/'],
        expect: 'succeeds',
        output: /kind: Deployment/,
        judge: 'Helm',
      },
      {
        says: 'every object has app, env and team (the seed greps them)',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}/'],
        expect: 'succeeds',
        eachObject: (o) => {
          const missing = ['app', 'env', 'team'].filter((l) => !o.metadata?.labels?.[l]);
          return missing.length > 0 ? `${o.kind} ${o.metadata?.name} has no ${missing.join(', ')}` : undefined;
        },
        judge: 'Helm',
      },
      {
        says: '1 chart(s) linted, 0 chart(s) failed',
        run: ['helm', 'lint', '${CHART_DIR}/'],
        expect: 'succeeds',
        output: /^(?=[\s\S]*\[INFO\] Chart\.yaml: icon is recommended)(?=[\s\S]*1 chart\(s\) linted, 0 chart\(s\) failed)/,
        judge: 'Helm',
      },
    ],
  },
  {
    id: '11-2',
    title: 'helm install, upgrade, rollback',
    labs: LABS,
    deviations: [
      "the release goes into demo-helm, not demo: the demo Application owns demo's objects here (GitOps is what this lab is), and two owners of one Deployment undo each other; the release reaches its own backend (the chart names Services in the release's namespace)",
    ],
    notRun: [
      {
        command: 'kubectl delete -f lab/06-demo-app/namespace.yaml --ignore-not-found',
        why: 'would delete the demo namespace the namespaces Application owns (it puts it back); the release goes into demo-helm instead',
      },
    ],
    steps: [
      {
        says: 'installed, STATUS: deployed',
        run: ['helm', 'install', 'demo-app', '${CHART_DIR}/', '-n', 'demo-helm', '--create-namespace'],
        expect: 'succeeds',
        output: /STATUS: deployed/,
        judge: 'Helm',
        instead: { of: 'helm install demo-app lab/03-argocd/apps/demo-app/ -n demo --create-namespace', why: 'into demo-helm' },
      },
      {
        says: 'every object of the release',
        run: kubectl('get', 'all', '-n', 'demo-helm'),
        expect: 'succeeds',
        output: /deployment.apps\/backend/,
        judge: 'API server',
        instead: { of: 'kubectl get all -n demo', why: 'demo-helm' },
      },
      {
        says: 'its load generator completes: it calls the release’s own backend, and the API through Kong',
        run: kubectl('wait', '--for=condition=complete', 'job/load-generator', '-n', 'demo-helm', '--timeout=120s'),
        expect: 'succeeds',
        within: 150,
        judge: 'API server',
        added: "helm install does not wait for the chart's Job; a Job whose calls a policy refuses never completes",
      },
      {
        says: 'demo-app demo-helm 1 deployed demo-app-0.1.0 1.0.0',
        run: ['helm', 'list', '-n', 'demo-helm'],
        expect: 'succeeds',
        output: /demo-app\s+demo-helm\s+1\s+.*deployed\s+demo-app-0\.1\.0\s+1\.0\.0/,
        judge: 'Helm',
        instead: { of: 'helm list -n demo', why: 'demo-helm' },
      },
      {
        says: 'upgrade: backend.replicas=3',
        run: ['helm', 'upgrade', 'demo-app', '${CHART_DIR}/', '-n', 'demo-helm', '--set', 'backend.replicas=3'],
        expect: 'succeeds',
        output: /has been upgraded/,
        judge: 'Helm',
        instead: { of: 'helm upgrade demo-app lab/03-argocd/apps/demo-app/ -n demo --set backend.replicas=3', why: 'demo-helm' },
      },
      {
        says: '1 superseded, 2 deployed',
        run: ['helm', 'history', 'demo-app', '-n', 'demo-helm'],
        expect: 'succeeds',
        output: /1\s+.*superseded[\s\S]*2\s+.*deployed/,
        judge: 'Helm',
        instead: { of: 'helm history demo-app -n demo', why: 'demo-helm' },
      },
      {
        says: 'rollback to 1',
        run: ['helm', 'rollback', 'demo-app', '1', '-n', 'demo-helm'],
        expect: 'succeeds',
        output: /Rollback was a success/,
        judge: 'Helm',
        instead: { of: 'helm rollback demo-app 1 -n demo', why: 'demo-helm' },
      },
      {
        says: 'two backend pods again',
        run: kubectl('get', 'pods', '-n', 'demo-helm', '-l', 'app=backend'),
        expect: 'succeeds',
        // The header and exactly two pods: the third, of revision 2, is gone.
        output: /^NAME[^\n]*\n(?:backend-[^\n]*(?:\n|$)){2}$/,
        within: 60,
        judge: 'API server',
        instead: { of: 'kubectl get pods -n demo -l app=backend', why: 'demo-helm' },
      },
      {
        says: 'uninstall, so 11-4 finds no release in the namespace',
        run: ['helm', 'uninstall', 'demo-app', '-n', 'demo-helm', '--ignore-not-found'],
        expect: 'succeeds',
        judge: 'Helm',
        cleanup: true,
        added: "11-4's `helm list` must show what Argo CD adds: nothing",
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
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}/', '-f', '${CHART_DIR}/values-stg.yaml'],
        expect: 'succeeds',
        output: /cpu: "?400m"?/,
        judge: 'Helm',
      },
      {
        says: 'prod: replicas 4, a pinned image',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}/', '-f', '${CHART_DIR}/values-prod.yaml'],
        expect: 'succeeds',
        output: /^(?=[\s\S]*replicas: 4)(?=[\s\S]*image: "?[^\s"]+:v\d)/,
        judge: 'Helm',
      },
      {
        says: 'loadGenerator.enabled=true renders the Job',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}/', '--set', 'loadGenerator.enabled=true'],
        expect: 'succeeds',
        output: /kind: Job/,
        judge: 'Helm',
      },
      {
        says: 'and only then: enabled=false renders none',
        run: ['helm', 'template', 'demo-app', '${CHART_DIR}/', '--set', 'loadGenerator.enabled=false'],
        expect: 'succeeds',
        absent: /kind: Job/,
        judge: 'Helm',
        added: "dev's values enable the Job already: the seed's --set shows nothing without the opposite",
      },
    ],
  },
  {
    id: '11-4',
    title: 'Argo CD deploys the chart',
    labs: LABS,
    deviations: [
      "the Application reads this lab's own git source (the seed's <your-repo>/interview-prep is a placeholder) at the seed's path, into demo-helm with CreateNamespace=true (see 11-2)",
    ],
    notRun: [
      {
        command: 'argocd app get demo-app-helm',
        why: 'needs the argocd CLI logged in (argocd login); the next step reads the same Sync and Health with kubectl',
      },
    ],
    steps: [
      {
        says: 'the Application is created',
        run: kubectl('apply', '-f', '-'),
        stdin: DEMO_APP_HELM,
        expect: 'succeeds',
        judge: 'API server',
        instead: {
          of: 'kubectl apply -f -',
          why: "the seed's Application reads <your-repo>/interview-prep at main into demo; this one reads this lab's own git source into demo-helm",
        },
      },
      {
        says: 'Synced, Healthy: its PostSync load generator completed',
        run: kubectl('get', 'applications', '-n', 'argocd', 'demo-app-helm'),
        expect: 'succeeds',
        output: /Synced\s+Healthy/,
        within: 240,
        judge: 'Argo CD',
        added: "what the seed's argocd app get shows",
      },
      {
        says: 'the hook Job completed: its calls reach the release’s own backend',
        run: kubectl('get', 'job', '-n', 'demo-helm', 'load-generator', '-o', 'jsonpath={.status.succeeded}'),
        expect: 'succeeds',
        output: /^1$/,
        within: 120,
        judge: 'API server',
        added: 'a hook whose calls a policy refuses fails the sync on a lab',
      },
      {
        says: 'scale by hand to 5',
        run: kubectl('scale', 'deploy', '-n', 'demo-helm', 'backend', '--replicas=5'),
        expect: 'succeeds',
        judge: 'API server',
        instead: { of: 'kubectl scale deploy -n demo backend --replicas=5', why: 'demo-helm' },
      },
      {
        says: "selfHeal puts values.yaml's 2 back",
        run: kubectl('get', 'deploy', '-n', 'demo-helm', 'backend', '-o', 'jsonpath={.spec.replicas}'),
        expect: 'succeeds',
        output: /^2$/,
        within: 120,
        judge: 'Argo CD',
        added: "what the seed says happens 'a few seconds later'",
      },
      {
        says: 'helm list is empty: Argo CD renders with helm template',
        run: ['helm', 'list', '-n', 'demo-helm'],
        expect: 'succeeds',
        absent: /demo-app/,
        judge: 'Helm',
        instead: { of: 'helm list -n demo', why: 'demo-helm' },
      },
      {
        says: 'delete the Application',
        run: kubectl('delete', 'application', '-n', 'argocd', 'demo-app-helm', '--ignore-not-found'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
        added: 'the seed leaves it running',
      },
      {
        says: 'and what it left (no finalizer, as the seed writes it)',
        run: kubectl('delete', 'namespace', 'demo-helm', '--ignore-not-found', '--wait=false'),
        expect: 'succeeds',
        judge: 'API server',
        cleanup: true,
        added: 'the seed leaves it running',
      },
    ],
  },
  {
    id: '14',
    title: 'Troubleshooting checks',
    labs: LABS,
    deviations: [],
    notRun: [
      { command: 'kubectl describe pod -n <namespace> <pod-name>', why: "a template: the reader's own pod" },
      { command: 'kubectl logs -n <namespace> <pod-name> --previous', why: "a template: the reader's own pod" },
      {
        command: "kubectl get pod -n <namespace> <pod-name> -o jsonpath='{.status.containerStatuses[0].lastState.terminated}'",
        why: "a template: the reader's own pod",
      },
    ],
    steps: [
      {
        says: 'DNS from the frontend: backend.demo.svc resolves',
        run: kubectl('exec', '-n', 'demo', 'deploy/frontend', '--', 'nslookup', 'backend.demo.svc'),
        expect: 'succeeds',
        output: /backend\.demo\.svc/,
        judge: 'a dataplane',
      },
      {
        says: "Cilium's endpoints in demo",
        run: kubectl('get', 'ciliumendpoints', '-n', 'demo'),
        expect: 'succeeds',
        output: /backend-/,
        judge: 'a dataplane',
      },
      { says: 'Cilium policies in demo', run: kubectl('get', 'cnp', '-n', 'demo'), expect: 'succeeds', judge: 'API server' },
      {
        says: 'ztunnel logs: no error',
        run: kubectl('logs', '-n', 'istio-system', 'ds/ztunnel', '--tail=20'),
        expect: 'succeeds',
        absent: /\berror\b/i,
        labs: ['dev'],
        judge: 'a dataplane',
      },
      {
        says: 'Total Violations per Constraint',
        run: kubectl('describe', 'constraints'),
        expect: 'succeeds',
        output: /Total Violations:\s+\d+/,
        within: 120,
        judge: 'Gatekeeper',
      },
      {
        says: 'deny-privileged-container in detail',
        run: kubectl('describe', 'K8sDenyPrivileged', 'deny-privileged-container'),
        expect: 'succeeds',
        output: /Total Violations:\s+\d+/,
        within: 120,
        judge: 'Gatekeeper',
      },
      {
        says: "Gatekeeper's audit log",
        run: kubectl('logs', '-n', 'gatekeeper-system', 'deploy/gatekeeper-controller-manager', '--tail=50'),
        expect: 'succeeds',
        output: /audit/i,
        judge: 'a dataplane',
      },
      {
        says: 'the Gateway, Programmed=True',
        run: kubectl('describe', 'gateway', '-n', 'kong', 'kong-gateway'),
        expect: 'succeeds',
        output: /Status:\s+True\s+Type:\s+Programmed/,
        judge: 'a dataplane',
      },
      {
        says: 'the route demo-api, parentRef Accepted=True',
        run: kubectl('describe', 'httproute', '-n', 'demo', 'demo-api'),
        expect: 'succeeds',
        output: /Status:\s+True\s+Type:\s+Accepted/,
        judge: 'a dataplane',
      },
      {
        says: 'frontend -> Kong with the API host: 200',
        run: fromFrontend('-sf', '-H', 'Host: api.${DOMAIN}', 'http://kong-gateway-proxy.kong.svc/status/200'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: "Kong's own health",
        run: kubectl('exec', '-n', 'kong', 'deploy/kong-gateway', '-c', 'proxy', '--', 'kong', 'health'),
        expect: 'succeeds',
        output: /Kong is healthy/,
        judge: 'a dataplane',
      },
      { says: "Kong's log", run: kubectl('logs', '-n', 'kong', 'deploy/kong-gateway', '--tail=50'), expect: 'succeeds', judge: 'a dataplane' },
      {
        says: "the collector's log",
        run: kubectl('logs', '-n', 'monitoring', 'deploy/otel-collector', '--tail=50'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: "Mimir's distributor log",
        run: kubectl('logs', '-n', 'monitoring', '-l', 'app.kubernetes.io/component=distributor', '--tail=20'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: "Loki's log",
        run: kubectl('logs', '-n', 'monitoring', '-l', 'app.kubernetes.io/name=loki', '--tail=20'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      {
        says: "Tempo's log",
        run: kubectl('logs', '-n', 'monitoring', '-l', 'app.kubernetes.io/name=tempo', '--tail=20'),
        expect: 'succeeds',
        judge: 'a dataplane',
      },
      { ...GRAFANA_PASSWORD, says: "Grafana's admin password is in monitoring/grafana" },
      {
        says: "Grafana's datasources: Mimir, Loki, Tempo, AlertManager",
        run: ['curl', '-s', '-u', 'admin:${GRAFANA_PASS}', 'http://grafana.${DOMAIN}/api/datasources'],
        expect: 'succeeds',
        status: 200,
        json: (v) => {
          const names = ((v as Array<{ type?: string }>) ?? []).map((d) => d.type);
          const missing = ['prometheus', 'loki', 'tempo', 'alertmanager'].filter((t) => !names.includes(t));
          return missing.length > 0 ? `no datasource of type ${missing.join(', ')}` : undefined;
        },
        judge: 'a dataplane',
      },
    ],
  },
];

/** The namespaces the seed's exercises deploy into besides the platform's (5-1's test, 11-2's and 11-4's demo-helm). */
export const EXERCISE_NAMESPACES = ['test', 'demo-helm', NAMESPACES.demo] as const;
