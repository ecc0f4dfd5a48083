import { defineEnvironment } from '../define';
import { LAB } from './lab';

/**
 * dev: the seed's default lab (`setup.sh --env dev --light`): Istio Ambient
 * with STRICT mTLS, the L3/L4 policy with HBONE allowed, backend x2, floating
 * demo tags. The lab base is exactly this, so dev only names it.
 */
export const dev = defineEnvironment('dev', LAB);
