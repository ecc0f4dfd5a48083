import { defineEnvironment } from '../define';
import { LAB, SEED_BACKEND_RESOURCES, SEED_CLIENT_RESOURCES, SEED_LOAD_GENERATOR_RESOURCES, times } from './lab';

/** prod: 4 backend replicas, pinned tags, resources x4 (seed 11-3), the production quota (seed 8), HA everywhere. */
export const prod = defineEnvironment('prod', LAB, {
  features: { light: false },
  pinnedImagesOnly: true,
  upstream: { argocdReplicas: 2, gatekeeperReplicas: 3, istiodReplicas: 2 },
  platform: { quota: { requestsCpu: '64', limitsCpu: '128', requestsMemory: '256Gi', limitsMemory: '512Gi', pods: 100 } },
  observability: {
    replicas: { collector: 2, mimirDistributor: 3, mimirIngester: 3, mimirQuerier: 3, mimirQueryFrontend: 2, mimirStoreGateway: 3, mimirRuler: 2, mimirGateway: 2, grafana: 2 },
    zoneAwareReplication: true,
    mimirStorage: { kind: 's3', endpoint: 's3.dc.example.com', region: 'dc-1', bucketPrefix: 'lab-prod-mimir', credentialsSecret: 'mimir-s3-credentials' },
    lokiCaches: { enabled: true, chunksMemoryMb: 1024, resultsMemoryMb: 512 },
  },
  demo: {
    backend: { replicas: 4, imageTag: 'v2.19.0', resources: times(4, SEED_BACKEND_RESOURCES) },
    frontend: { imageTag: '8.5.0', resources: times(4, SEED_CLIENT_RESOURCES) },
    // Synthetic traffic has no place in production.
    loadGenerator: { enabled: false, imageTag: '8.5.0', resources: times(4, SEED_LOAD_GENERATOR_RESOURCES) },
  },
});
