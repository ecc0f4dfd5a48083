import { defineEnvironment } from '../define';
import { dev } from './dev';
import { labMigration } from './lab';

/**
 * dev-no-mesh: the seed's light lab without the Istio mesh
 * (`setup.sh --env dev --light --skip-istio`), for lab 2-3: Cilium's L7 HTTP
 * policy needs plaintext HTTP, which Istio's mTLS would hide. A rendered
 * variant of dev with its own dist/ folder and root Application, because
 * Argo CD renders from git.
 */
export const devNoMesh = defineEnvironment('dev-no-mesh', dev, {
  variantOf: 'dev',
  // The seed's --skip-istio lab keeps dev's hosts (api.lab-dev.local, ...): its commands name them.
  domain: dev.domain,
  // Its own host address, so it runs beside dev: the hosts line points dev's names at 127.0.0.2 for this lab.
  cluster: { hostAddress: '127.0.0.2' },
  features: { skipIstio: true },
  security: { backendL7Policy: true },
  demo: { migration: labMigration('dev-no-mesh') },
  // One management plane per cluster: dev's runs lab-stg and lab-prod, so its variant runs none.
  fleet: { clusters: [], components: [] },
});
