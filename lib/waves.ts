/**
 * Argo CD sync waves, in the seed's install order (section 1). Platform
 * guardrails move ahead of the demo app: quota and LimitRange defaults only
 * apply to pods admitted after they exist.
 */
export const SYNC_WAVES = {
  cilium: 0,
  gatewayApiCrds: 1,
  kong: 2,
  istio: 2,
  argocd: 3,
  gatekeeper: 4,
  gatekeeperPolicies: 5,
  networkSecurity: 6,
  observability: 7,
  platform: 8,
  demo: 9,
} as const;
