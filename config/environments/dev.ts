import { EnvironmentConfig } from '../types';
import { DENY_ALL, labCluster, LAB_CONTAINER_DEFAULTS, LAB_GIT, SEED_BACKEND_RESOURCES, SEED_CLIENT_RESOURCES, SEED_LOAD_GENERATOR_RESOURCES, SEED_REQUIRED_LABELS } from './defaults';

/**
 * dev: the seed's light lab (`setup.sh --env dev --light --skip-istio`):
 * backend x2, floating demo tags, and the L7 HTTP policy of lab 2-3, which
 * needs plaintext HTTP and so runs without the Istio mesh.
 */
export const dev: EnvironmentConfig = {
  name: 'dev',
  domain: 'lab-dev.local',
  team: 'platform',
  git: LAB_GIT,
  features: { light: true, skipIstio: true },
  pinnedImagesOnly: false,
  cluster: labCluster('dev'),
  upstream: {
    ciliumOperatorReplicas: 2,
    argocdReplicas: 1,
    argocdServerInsecure: true,
    gatekeeperReplicas: 1,
    istiodReplicas: 1,
  },
  platform: {
    quota: { requestsCpu: '4', limitsCpu: '8', requestsMemory: '8Gi', limitsMemory: '16Gi', pods: 20 },
    containerDefaults: LAB_CONTAINER_DEFAULTS,
    backendPdbMinAvailable: 1,
  },
  security: {
    enforcementActions: DENY_ALL,
    requiredLabels: SEED_REQUIRED_LABELS,
    backendL3L4Policy: true,
    backendL7Policy: true,
  },
  observability: {
    replicas: { collector: 1, mimirDistributor: 1, mimirIngester: 1, mimirQuerier: 1, mimirQueryFrontend: 1, mimirStoreGateway: 1, mimirCompactor: 1, mimirRuler: 1, mimirGateway: 1, loki: 1, tempo: 1, grafana: 1 },
    zoneAwareReplication: false,
    mimirStorage: { kind: 'minio' },
    lokiCaches: { enabled: false, chunksMemoryMb: 256, resultsMemoryMb: 128 },
    onlineDashboards: true,
    retention: '7d',
  },
  demo: {
    backend: { replicas: 2, imageTag: 'latest', resources: SEED_BACKEND_RESOURCES },
    frontend: { replicas: 1, imageTag: 'latest', resources: SEED_CLIENT_RESOURCES },
    loadGenerator: {
      enabled: true,
      imageTag: 'latest',
      eastWestRequests: 50,
      northSouthRequests: 50,
      resources: SEED_LOAD_GENERATOR_RESOURCES,
    },
  },
};
