/**
 * Argo CD sync waves of the child Applications, in the seed's install order
 * (section 1): CNI, gateway and mesh, Argo CD, Gatekeeper, observability,
 * then the workloads. Two deliberate moves: platform guardrails come before
 * the demo app (quota and LimitRange defaults only apply to pods admitted
 * after them), and every policy that guards the demo pods (network, mesh,
 * routes) is in place before those pods start.
 */
export const SYNC_WAVES = {
  cilium: 0,
  gatewayApiCrds: 1,
  kong: 2,
  istio: 2,
  argocd: 3,
  gatekeeper: 4,
  gatekeeperPolicies: 5,
  observability: 6,
  platform: 7,
  networkSecurity: 8,
  meshSecurity: 8,
  gatewayRoutes: 8,
  demo: 9,
} as const;
