import { KubeObject } from '../../lib/synth';
import { ClusterState, ConnectionVerdict, configuredRequests, judgeRequests } from './connections';
import { HarnessEndpoint } from './cilium-policy';
import { podTemplateOf } from './pods';
import { StepConnection } from '../exercises/runner';
import { KubeClient } from './kube-client';

/**
 * The dataplane's answer to a connection, where kwok plays the nodes and no
 * packet moves: the cluster as the API server holds it now (its policies,
 * namespace labels, Istio objects, Services, routes and Running pods), judged
 * by Cilium's policy engine behind the mesh's rule (verify/checks). Two uses:
 *
 * - a seed step's curl (`kubectl exec ... -- curl`), whose expected outcome
 *   must be this verdict on the cluster as the earlier steps left it;
 * - a Job's pod, which kwok would complete at once: kwok's own pod-complete
 *   stage now waits for this judge's annotation, and a pod any of whose
 *   configured calls (URLs in its env and args) is refused fails, as the
 *   Job's curl would on a lab, so a hook the policy refuses fails its sync.
 */

/** The annotation the judge writes on a Job's pod: `allowed`, or `refused`; kwok's stages read it. */
export const CONNECTIONS_ANNOTATION = 'kind-parity-platform.io/connections';
/** Why the judge refused: the call, and the layer that refused it. */
export const REFUSED_CALL_ANNOTATION = 'kind-parity-platform.io/refused-call';

/** The kinds whose objects decide a connection. */
const KINDS: ReadonlyArray<[string, string]> = [
  ['v1', 'Namespace'],
  ['v1', 'Service'],
  ['v1', 'Pod'],
  ['discovery.k8s.io/v1', 'EndpointSlice'],
  ['networking.k8s.io/v1', 'NetworkPolicy'],
  ['cilium.io/v2', 'CiliumNetworkPolicy'],
  ['cilium.io/v2', 'CiliumClusterwideNetworkPolicy'],
  ['security.istio.io/v1', 'PeerAuthentication'],
  ['security.istio.io/v1', 'AuthorizationPolicy'],
  ['gateway.networking.k8s.io/v1', 'HTTPRoute'],
];

/**
 * kwok's pod-complete stage split in two by the judge's annotation: a Job's pod completes once its calls are
 * judged allowed, and fails, with the refused call as its message, once one is refused.
 */
export function judgedJobStages(podComplete: { spec: { selector: { matchExpressions: unknown[] }; next: unknown } }): object[] {
  const when = (verdict: string) => ({ key: `.metadata.annotations["${CONNECTIONS_ANNOTATION}"]`, operator: 'In', values: [verdict] });
  return [
    {
      ...podComplete,
      metadata: { name: 'pod-complete-when-its-calls-are-allowed' },
      spec: { ...podComplete.spec, selector: { matchExpressions: [...podComplete.spec.selector.matchExpressions, when('allowed')] } },
    },
    {
      ...podComplete,
      metadata: { name: 'pod-fail-when-a-call-is-refused' },
      spec: {
        ...podComplete.spec,
        selector: { matchExpressions: [...podComplete.spec.selector.matchExpressions, when('refused')] },
        next: {
          statusTemplate: `{{ $now := Now }}
{{ $message := index .metadata.annotations "${REFUSED_CALL_ANNOTATION}" }}
containerStatuses:
{{ range $index, $item := .spec.containers }}
- image: {{ $item.image | Quote }}
  name: {{ $item.name | Quote }}
  ready: false
  restartCount: 0
  started: false
  state:
    terminated:
      exitCode: 1
      finishedAt: {{ $now | Quote }}
      reason: Error
      message: {{ $message | Quote }}
      startedAt: {{ $now | Quote }}
{{ end }}
phase: Failed
message: {{ $message | Quote }}
reason: RefusedByPolicy
`,
        },
      },
    },
  ];
}

const running = (o: KubeObject) => {
  const status = o.status as { phase?: string } | undefined;
  return !o.metadata.deletionTimestamp && status?.phase === 'Running';
};

export class LiveConnections {
  private discovered = 0;
  private timer?: NodeJS.Timeout;
  private busy = false;
  /** Every judged Job pod: its name, and the verdict with the calls it judged. */
  readonly judgedPods: Array<{ pod: string; verdict: 'allowed' | 'refused'; calls: readonly string[] }> = [];

  constructor(
    private readonly client: KubeClient,
    private readonly harness: string,
    private readonly log: (line: string) => void = () => undefined,
  ) {}

  /** The cluster now: the objects that decide a connection; only Running pods stand behind Services. */
  async state(): Promise<ClusterState> {
    if (KINDS.some(([v, k]) => !this.client.resourceFor(v, k)) && Date.now() - this.discovered > 30_000) {
      await this.client.discover();
      this.discovered = Date.now();
    }
    const lists = await Promise.all(
      KINDS.map(async ([apiVersion, kind]) => {
        if (!this.client.resourceFor(apiVersion, kind)) return [];
        const r = await this.client.list<KubeObject>(apiVersion, kind);
        return r.status === 200 ? r.body.items.map((o) => ({ ...o, apiVersion, kind })) : [];
      }),
    );
    const objects = lists.flat().filter((o) => o.kind !== 'Pod' || running(o));
    const namespaces = new Map(
      objects.filter((o) => o.kind === 'Namespace').map((o) => [o.metadata.name, { ...((o.metadata.labels as Record<string, string>) ?? {}) }]),
    );
    return { objects, namespaces };
  }

  /** A Running pod as the harness names it. */
  private caller(pod: KubeObject): HarnessEndpoint {
    const template = podTemplateOf(pod)!;
    return {
      name: `pod/${pod.metadata.name} (${pod.metadata.namespace})`,
      namespace: pod.metadata.namespace,
      labels: { ...(template.metadata.labels ?? {}) },
      serviceAccount: template.spec.serviceAccountName ?? 'default',
    };
  }

  /** A seed step's curl, judged on the cluster as it is now. */
  async judgeStep(connection: StepConnection): Promise<ConnectionVerdict> {
    const state = await this.state();
    let from: ConnectionVerdict['request']['from'];
    if (connection.from === 'this machine') from = { name: 'this machine', host: true };
    else {
      const { namespace, target } = connection.from;
      const [kind, name] = target.includes('/') ? target.split('/') : ['pod', target];
      const pods = state.objects.filter((o) => o.kind === 'Pod' && o.metadata.namespace === namespace);
      const pod =
        kind === 'pod'
          ? pods.find((p) => p.metadata.name === name)
          : pods.find((p) =>
              (p.metadata.ownerReferences as Array<{ kind: string; name: string }> | undefined)?.some(
                (r) => r.name.startsWith(`${name}-`) || r.name === name,
              ),
            );
      if (!pod) {
        const request = { from: { name: target, host: true as const }, url: connection.url, where: target };
        return { request, hops: [], allowed: false, refusal: 'unresolved', text: `no Running pod of ${target} in ${namespace}` };
      }
      from = this.caller(pod);
    }
    const [verdict] = judgeRequests(this.harness, state, [
      {
        from,
        url: connection.url,
        method: connection.method,
        ...(connection.hostHeader ? { hostHeader: connection.hostHeader } : {}),
        where: 'a seed step',
      },
    ]);
    return verdict;
  }

  /** Judges every Running Job pod not judged yet, and writes the verdict kwok's stages read. */
  async judgeJobPods(): Promise<void> {
    const pods = (await this.client.list<KubeObject>('v1', 'Pod')).body.items
      .map((p) => ({ ...p, apiVersion: 'v1', kind: 'Pod' }))
      .filter(
        (p) =>
          running(p) &&
          (p.metadata.ownerReferences as Array<{ kind: string }> | undefined)?.some((r) => r.kind === 'Job') &&
          !(p.metadata.annotations as Record<string, string> | undefined)?.[CONNECTIONS_ANNOTATION],
      );
    if (pods.length === 0) return;
    const state = await this.state();
    for (const pod of pods) {
      const owner = (pod.metadata.ownerReferences as Array<{ name: string }>)[0].name;
      const requests = configuredRequests(this.caller(pod), podTemplateOf(pod)!, `Job ${pod.metadata.namespace}/${owner}`);
      const verdicts = requests.length > 0 ? judgeRequests(this.harness, state, requests) : [];
      const refused = verdicts.find((v) => !v.allowed);
      const verdict = refused ? 'refused' : 'allowed';
      const message = refused ? `${refused.request.where} calls ${refused.request.url}: ${refused.text}`.slice(0, 1000) : '';
      this.judgedPods.push({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, verdict, calls: requests.map((r) => r.url) });
      if (refused) this.log(`connections: ${pod.metadata.namespace}/${pod.metadata.name} fails, as on a lab: ${message}`);
      await this.client.mergePatch('v1', 'Pod', pod.metadata.name, pod.metadata.namespace, {
        metadata: { annotations: { [CONNECTIONS_ANNOTATION]: verdict, ...(refused ? { [REFUSED_CALL_ANNOTATION]: message } : {}) } },
      });
    }
  }

  /** Judges Job pods as they start, every second, until stopped. */
  start(): void {
    const tick = async () => {
      if (this.busy) return;
      this.busy = true;
      try {
        await this.judgeJobPods();
      } catch (error) {
        this.log(`connections: judging Job pods failed: ${(error as Error).message}`);
      } finally {
        this.busy = false;
      }
    };
    this.timer = setInterval(() => void tick(), 1000);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
