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

/** stg: pre-production check of prod; demo resources doubled (seed 11-3). */
export const stg: EnvironmentConfig = {
  name: 'stg',
  domain: 'lab-stg.local',
  team: 'platform',
  git: LAB_GIT,
  features: { light: false, skipIstio: false },
  pinnedImagesOnly: false,
  cluster: labCluster('stg'),
  upstream: {
    ciliumOperatorReplicas: 2,
    argocdReplicas: 1,
    argocdServerInsecure: true,
    gatekeeperReplicas: 2,
    istiodReplicas: 2,
  },
  platform: {
    // Twice dev, so the doubled demo still fits with room for rollouts.
    quota: { requestsCpu: '8', limitsCpu: '16', requestsMemory: '16Gi', limitsMemory: '32Gi', pods: 40 },
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
    replicas: { collector: 2, mimirDistributor: 2, mimirIngester: 2, mimirQuerier: 2, mimirQueryFrontend: 1, mimirStoreGateway: 1, mimirCompactor: 1, mimirRuler: 1, mimirGateway: 1, loki: 1, tempo: 1, grafana: 1 },
    zoneAwareReplication: false,
    mimirStorage: { kind: 'minio' },
    lokiCaches: { enabled: true, chunksMemoryMb: 512, resultsMemoryMb: 256 },
    onlineDashboards: true,
    retention: '7d',
  },
  demo: {
    backend: { replicas: 2, imageTag: 'latest', resources: times(2, SEED_BACKEND_RESOURCES) },
    frontend: { replicas: 1, imageTag: 'latest', resources: times(2, SEED_CLIENT_RESOURCES) },
    loadGenerator: {
      enabled: true,
      imageTag: 'latest',
      eastWestRequests: 50,
      northSouthRequests: 50,
      resources: times(2, SEED_LOAD_GENERATOR_RESOURCES),
    },
  },
};
