// A leaf with no imports: the upstream facts (lib/upstream.ts) read the names without the Pod Security model.

/**
 * Every namespace the platform uses, each name written only here: the
 * cluster's own (kube-system), the upstream charts' and ours. topology/ says
 * what each one admits; the charts, the Applications and bootstrap.env read the
 * names from this table.
 */
export const NAMESPACES = {
  kubeSystem: 'kube-system',
  kong: 'kong',
  istio: 'istio-system',
  argocd: 'argocd',
  gatekeeper: 'gatekeeper-system',
  monitoring: 'monitoring',
  /** Node agents that need host access, kept apart so that monitoring itself stays at a stricter Pod Security level. */
  monitoringAgents: 'monitoring-agents',
  /** The seed's demo app and its guardrails. */
  demo: 'demo',
} as const;
