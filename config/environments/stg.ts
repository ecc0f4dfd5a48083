import { defineEnvironment } from '../define';
import { LAB, labMigration, SEED_BACKEND_RESOURCES, SEED_CLIENT_RESOURCES, SEED_LOAD_GENERATOR_RESOURCES, times } from './lab';
import { prod } from './prod';
import { pinnedRelease } from '../releases';

const RELEASE = pinnedRelease('stg');

/** stg: the pre-production check of prod, full footprint, prod's replicas; demo resources doubled (seed 11-3). */
export const stg = defineEnvironment('stg', LAB, {
  features: { light: false },
  // Its own host address: the lab's stg Kind cluster runs beside dev's.
  cluster: { hostAddress: '127.0.0.3' },
  // Seed 10-2: STG runs the release promoted from dev, before prod may have it, with prod's pinned tags.
  release: RELEASE,
  pinnedImagesOnly: true,
  upstream: { gatekeeperReplicas: 2, istiodReplicas: 2 },
  // Live's pre-check runs Live's admission.
  security: {
    backendPolicies: { appliedBy: 'argocd', why: "as prod: stg is Live's pre-check" },
    handEdits: { argocd: 'reverts', why: "as prod: stg is Live's pre-check" },
    apiServerGuardrails: { validationActions: ['Deny'], why: "as prod: stg is Live's pre-check" },
    demoPodSecurity: { enforce: 'restricted', why: "as prod: stg is Live's pre-check" },
    defaultProject: { admits: 'nothing', why: "as prod: stg is Live's pre-check" },
  },
  // Twice dev, so the doubled demo still fits with room for rollouts.
  platform: { quota: { requestsCpu: '8', limitsCpu: '16', requestsMemory: '16Gi', limitsMemory: '32Gi', pods: 40 } },
  observability: {
    replicas: { collector: 2, mimirDistributor: 2, mimirIngester: 2, mimirQuerier: 2 },
    lokiCaches: { enabled: true, chunksMemoryMb: 512, resultsMemoryMb: 256 },
  },
  demo: {
    // Seed 10-2: STG is Live's pre-check, so its pod replicas equal Live's.
    // Its app versions are its release's: what prod runs once promoted.
    backend: { replicas: prod.demo.backend.replicas, imageTag: RELEASE.images.httpbin, resources: times(2, SEED_BACKEND_RESOURCES) },
    frontend: { imageTag: RELEASE.images.curl, resources: times(2, SEED_CLIENT_RESOURCES) },
    loadGenerator: { imageTag: RELEASE.images.curl, resources: times(2, SEED_LOAD_GENERATOR_RESOURCES) },
    migration: labMigration('stg'),
  },
});
