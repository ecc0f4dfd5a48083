import { EnvironmentConfig } from '../types';
import { LAB_CONTAINER_DEFAULTS, LAB_GIT, SEED_BACKEND_RESOURCES, SEED_CLIENT_RESOURCES, SEED_LOAD_GENERATOR_RESOURCES } from './defaults';

/** dev: the seed's lab as written (backend x2, floating demo tags). */
export const dev: EnvironmentConfig = {
  name: 'dev',
  domain: 'lab-dev.local',
  team: 'platform',
  git: LAB_GIT,
  features: { light: true, skipIstio: false },
  pinnedImagesOnly: false,
  platform: {
    quota: { requestsCpu: '4', limitsCpu: '8', requestsMemory: '8Gi', limitsMemory: '16Gi', pods: 20 },
    containerDefaults: LAB_CONTAINER_DEFAULTS,
    backendPdbMinAvailable: 1,
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
