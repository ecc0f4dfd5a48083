import { defineEnvironment } from '../define';
import { LAB, LAB_LOCAL_GIT } from './lab';

/**
 * dev: the seed's default lab (`setup.sh --env dev --light`): Istio Ambient
 * with STRICT mTLS, the L3/L4 policy with HBONE allowed, backend x2, floating
 * demo tags. The lab base is exactly this, plus its source: the clone setup.sh
 * runs from (no fork, no push), where stg and prod track a remote.
 */
export const dev = defineEnvironment('dev', LAB, { git: LAB_LOCAL_GIT });
