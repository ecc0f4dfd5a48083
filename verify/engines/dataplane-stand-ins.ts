/**
 * What a real dataplane would report, played by kwok as it plays the kubelet.
 * Kong's ingress controller (KIC) programs the Kong proxy and then writes the
 * Gateway API status; here there is no proxy to program, so kwok writes the
 * status KIC writes for an accepted configuration. Argo CD's own health checks
 * for Gateway and HTTPRoute (resource_customizations in the pinned Argo CD) then
 * read it as they would on Kind. Nothing here touches Application status.
 */

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
const KIC = 'konghq.com/kic-gateway-controller';

/**
 * A kwok Stage that writes `statusTemplate` on every `kind` object for which
 * `pending` (a CEL expression over `self`) holds, as KIC would once it has
 * programmed the proxy for that object's generation.
 */
function kicStatusStage(name: string, kind: string, pending: string, statusTemplate: string): object {
  return {
    apiVersion: 'kwok.x-k8s.io/v1alpha1',
    kind: 'Stage',
    metadata: { name },
    spec: {
      resourceRef: { apiGroup: GATEWAY_API, kind },
      selector: { matchExpressions: [{ cel: { expression: pending } }] },
      next: { statusTemplate },
    },
  };
}

/** The conditions KIC sets, one per type, for the object's current generation (a Go template; `indent` spaces deep). */
const conditions = (types: readonly string[], indent: string) => `{{ range list ${types.map((t) => `"${t}"`).join(' ')} }}
${indent}- type: {{ . }}
${indent}  status: "True"
${indent}  reason: {{ . }}
${indent}  message: "kwok, standing in for ${KIC}"
${indent}  observedGeneration: {{ $generation }}
${indent}  lastTransitionTime: {{ Now | Quote }}
{{ end }}`;

/** `Accepted` and `Programmed` on every Gateway, as KIC sets them once the proxy is configured. */
const gatewayProgrammed = kicStatusStage(
  'gateway-programmed-by-kic-stand-in',
  'Gateway',
  "!has(self.status) || !has(self.status.conditions) || !self.status.conditions.exists(c, c.type == 'Programmed' && c.status == 'True' && c.observedGeneration == self.metadata.generation)",
  `conditions:
{{ $generation := .metadata.generation }}
${conditions(['Accepted', 'Programmed'], '')}
`,
);

/** Every parentRef of an HTTPRoute `Accepted` with its refs resolved, for the route's current generation. */
const httpRouteAccepted = kicStatusStage(
  'httproute-accepted-by-kic-stand-in',
  'HTTPRoute',
  '!has(self.status) || !has(self.status.parents) || size(self.status.parents) == 0 || !self.status.parents.all(p, p.conditions.exists(c, c.observedGeneration == self.metadata.generation))',
  `parents:
{{ $generation := .metadata.generation }}
{{ range .spec.parentRefs }}
- controllerName: ${KIC}
  parentRef:
    group: gateway.networking.k8s.io
    kind: Gateway
    name: {{ .name }}
    namespace: {{ .namespace }}
  conditions:
${conditions(['Accepted', 'ResolvedRefs'], '  ')}
{{ end }}
`,
);

export const GATEWAY_CONTROLLER_STAND_IN: readonly object[] = [gatewayProgrammed, httpRouteAccepted];

/** What every e2e report says of the stand-in: what it is, and what only a running Kong would prove. */
export const GATEWAY_STAND_IN_NOTE =
  'stand-in: a kwok stage, not Kong, writes the Gateway and HTTPRoute status (Kong is OpenResty, which no registry here ships); only a running Kong would prove routing (api.<domain> reaches the backend), the DC/Kubernetes weights of a migrated route, and TLS on the HTTPS listener';
