/**
 * Argo CD sync waves of the child Applications, in the seed's install order
 * (section 1): CNI, gateway and mesh, Argo CD, Gatekeeper, observability,
 * then the workloads. Two deliberate moves: platform guardrails come before
 * the demo app (quota and LimitRange defaults only apply to pods admitted
 * after them), and every policy that guards the demo pods (network, mesh,
 * routes) is in place before those pods start.
 */
export const SYNC_WAVES = {
  namespaces: 0,
  cilium: 0,
  gatewayApiCrds: 1,
  istioBase: 1,
  kong: 2,
  istiod: 2,
  istioCni: 3,
  ztunnel: 3,
  argocd: 4,
  gatekeeper: 5,
  gatekeeperPolicies: 6,
  observability: 7,
  platform: 8,
  networkSecurity: 9,
  meshSecurity: 9,
  gatewayRoutes: 9,
  demo: 10,
  /** The other clusters' Applications, once this cluster's own platform is in place. */
  fleet: 11,
} as const;
