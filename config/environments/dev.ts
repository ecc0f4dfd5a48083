import { defineEnvironment } from '../define';
import { LAB } from './lab';

/**
 * dev: the seed's light lab (`setup.sh --env dev --light --skip-istio`):
 * backend x2, floating demo tags, and the L7 HTTP policy of lab 2-3, which
 * needs plaintext HTTP and so runs without the Istio mesh.
 */
export const dev = defineEnvironment('dev', LAB, {
  features: { skipIstio: true },
  security: { backendL7Policy: true },
});
