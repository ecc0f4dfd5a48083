import { defineEnvironment } from '../define';
import { pinnedRelease } from '../releases';
import { LAB, labMigration, SEED_BACKEND_RESOURCES, SEED_CLIENT_RESOURCES, SEED_LOAD_GENERATOR_RESOURCES, times } from './lab';

const RELEASE = pinnedRelease('prod');

/** prod: 4 backend replicas, pinned tags, resources x4 (seed 11-3), the production quota (seed 8), HA everywhere. */
export const prod = defineEnvironment('prod', LAB, {
  features: { light: false },
  // Its own host address: the lab's prod Kind cluster runs beside dev's.
  cluster: { hostAddress: '127.0.0.4' },
  pinnedImagesOnly: true,
  // Seed 10-2: LIVE runs only what STG checked, promoted to it (npm run promote -- --from stg --to prod).
  release: RELEASE,
  // Seed 10-1 and 12-6: production pulls every image from the Harbor mirror, and Gatekeeper admits no other.
  registry: 'registry.example.com',
  upstream: { argocdReplicas: 2, kongReplicas: 2, gatekeeperReplicas: 3, istiodReplicas: 2 },
  // Logins only over TLS, no UI without a login of its own, and SSO instead of a shared admin password.
  security: {
    exposure: { httpsOnly: true, unauthenticatedUis: false, argocdAdminAccount: false },
    backendPolicies: { appliedBy: 'argocd', why: 'production admits only the callers the policy names, from the first sync' },
    handEdits: { argocd: 'reverts', why: 'production changes only through git: selfHeal undoes any hand edit' },
    apiServerGuardrails: {
      validationActions: ['Deny'],
      why: "production's guardrails hold while Gatekeeper's webhook is down: the API server refuses what its policies refuse",
    },
    demoPodSecurity: { enforce: 'restricted', why: 'production admits only pods that pass restricted; Gatekeeper stands behind it' },
    defaultProject: { admits: 'nothing', why: 'every production Application names a project that allows only its own sources and namespaces' },
  },
  platform: { quota: { requestsCpu: '64', limitsCpu: '128', requestsMemory: '256Gi', limitsMemory: '512Gi', pods: 100 } },
  observability: {
    // Seed 10-1 and 10-3: production monitoring lives outside the cluster, so it survives a cluster outage.
    backends: {
      location: 'external',
      mimir: 'https://mimir.dc.example.com',
      loki: 'https://loki.dc.example.com',
      tempoOtlpGrpc: 'tempo.dc.example.com:4317',
      tempoQuery: 'https://tempo.dc.example.com',
    },
    // Mimir, Loki and Tempo run outside, so only the in-cluster agents and Grafana are sized here.
    replicas: { collector: 2, grafana: 2 },
    // Behind the air gap, grafana.com is out of reach; our own dashboards are rendered in.
    onlineDashboards: false,
    // The receiver runs on the operations network beside the git server, behind TLS (TEST-NET-2 here: put yours).
    rollbackReceiver: { url: 'https://rollback.ops.example.com:9443/alerts', cidr: '198.51.100.20/32' },
  },
  // The demo's app versions are the release's: what stg ran before it reached prod.
  demo: {
    backend: { replicas: 4, imageTag: RELEASE.images.httpbin, resources: times(4, SEED_BACKEND_RESOURCES) },
    frontend: { imageTag: RELEASE.images.curl, resources: times(4, SEED_CLIENT_RESOURCES) },
    // Synthetic traffic has no place in production.
    loadGenerator: { enabled: false, imageTag: RELEASE.images.curl, resources: times(4, SEED_LOAD_GENERATOR_RESOURCES) },
    migration: labMigration('prod'),
  },
});
