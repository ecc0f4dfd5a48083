import { EnvironmentConfig } from '../types';
import {
  DENY_ALL,
  labCluster,
  LAB_CONTAINER_DEFAULTS,
  LAB_GIT,
  SEED_BACKEND_RESOURCES,
  SEED_CLIENT_RESOURCES,
  SEED_LOAD_GENERATOR_RESOURCES,
  SEED_REQUIRED_LABELS,
  times,
} from './defaults';

/** prod: 4 backend replicas, pinned tags, resources x4 (seed 11-3), production quota (seed 8). */
export const prod: EnvironmentConfig = {
  name: 'prod',
  domain: 'lab-prod.local',
  team: 'platform',
  git: LAB_GIT,
  features: { light: false, skipIstio: false },
  pinnedImagesOnly: true,
  cluster: labCluster('prod'),
  upstream: {
    ciliumOperatorReplicas: 2,
    argocdReplicas: 2,
    argocdServerInsecure: true,
    gatekeeperReplicas: 3,
    istiodReplicas: 2,
  },
  platform: {
    quota: { requestsCpu: '64', limitsCpu: '128', requestsMemory: '256Gi', limitsMemory: '512Gi', pods: 100 },
    containerDefaults: LAB_CONTAINER_DEFAULTS,
    backendPdbMinAvailable: 1,
  },
  security: {
    enforcementActions: DENY_ALL,
    requiredLabels: SEED_REQUIRED_LABELS,
    backendL3L4Policy: true,
    backendL7Policy: false,
  },
  observability: {
    replicas: { collector: 2, mimirDistributor: 3, mimirIngester: 3, mimirQuerier: 3, mimirQueryFrontend: 2, mimirStoreGateway: 3, mimirCompactor: 1, mimirRuler: 2, mimirGateway: 2, loki: 1, tempo: 1, grafana: 2 },
    zoneAwareReplication: true,
    mimirStorage: { kind: 's3', endpoint: 's3.dc.example.com', region: 'dc-1', bucketPrefix: 'lab-prod-mimir', credentialsSecret: 'mimir-s3-credentials' },
    lokiCaches: { enabled: true, chunksMemoryMb: 1024, resultsMemoryMb: 512 },
    onlineDashboards: true,
    retention: '7d',
  },
  demo: {
    backend: { replicas: 4, imageTag: 'v2.19.0', resources: times(4, SEED_BACKEND_RESOURCES) },
    frontend: { replicas: 1, imageTag: '8.5.0', resources: times(4, SEED_CLIENT_RESOURCES) },
    // Synthetic traffic has no place in production.
    loadGenerator: {
      enabled: false,
      imageTag: '8.5.0',
      eastWestRequests: 50,
      northSouthRequests: 50,
      resources: times(4, SEED_LOAD_GENERATOR_RESOURCES),
    },
  },
};
