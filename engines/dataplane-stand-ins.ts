/**
 * What a real dataplane would report, played by kwok as it plays the kubelet.
 * Kong's ingress controller (KIC) programs the Kong proxy and then writes the
 * Gateway API status; here there is no proxy to program, so kwok writes the
 * status KIC writes for an accepted configuration. Argo CD's own health checks
 * for Gateway and HTTPRoute (resource_customizations in Argo CD v3.3.2) then
 * read it as they would on Kind. Nothing here touches Application status.
 */

const GATEWAY_API = 'gateway.networking.k8s.io/v1';
const KIC = 'konghq.com/kic-gateway-controller';

/** `Accepted` and `Programmed` on every Gateway, as KIC sets them once the proxy is configured. */
const gatewayProgrammed = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'gateway-programmed-by-kic-stand-in' },
  spec: {
    resourceRef: { apiGroup: GATEWAY_API, kind: 'Gateway' },
    selector: {
      matchExpressions: [
        {
          cel: {
            expression:
              "!has(self.status) || !has(self.status.conditions) || !self.status.conditions.exists(c, c.type == 'Programmed' && c.status == 'True' && c.observedGeneration == self.metadata.generation)",
          },
        },
      ],
    },
    next: {
      statusTemplate: `conditions:
{{ $generation := .metadata.generation }}
{{ range list "Accepted" "Programmed" }}
- type: {{ . }}
  status: "True"
  reason: {{ . }}
  message: "kwok, standing in for ${KIC}"
  observedGeneration: {{ $generation }}
  lastTransitionTime: {{ Now | Quote }}
{{ end }}
`,
    },
  },
};

/** Every parentRef of an HTTPRoute `Accepted` with its refs resolved, for the route's current generation. */
const httpRouteAccepted = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'httproute-accepted-by-kic-stand-in' },
  spec: {
    resourceRef: { apiGroup: GATEWAY_API, kind: 'HTTPRoute' },
    selector: {
      matchExpressions: [
        {
          cel: {
            expression:
              '!has(self.status) || !has(self.status.parents) || size(self.status.parents) == 0 || !self.status.parents.all(p, p.conditions.exists(c, c.observedGeneration == self.metadata.generation))',
          },
        },
      ],
    },
    next: {
      statusTemplate: `parents:
{{ $generation := .metadata.generation }}
{{ range .spec.parentRefs }}
- controllerName: ${KIC}
  parentRef:
    group: gateway.networking.k8s.io
    kind: Gateway
    name: {{ .name }}
    namespace: {{ .namespace }}
  conditions:
{{ range list "Accepted" "ResolvedRefs" }}
  - type: {{ . }}
    status: "True"
    reason: {{ . }}
    message: "kwok, standing in for ${KIC}"
    observedGeneration: {{ $generation }}
    lastTransitionTime: {{ Now | Quote }}
{{ end }}
{{ end }}
`,
    },
  },
};

export const GATEWAY_CONTROLLER_STAND_IN: readonly object[] = [gatewayProgrammed, httpRouteAccepted];
