import { defineEnvironment, labCluster } from '../define';
import { FleetCluster } from '../types';
import { VERSIONS } from '../versions';
import { LAB, LAB_LOCAL_GIT } from './lab';

/** An environment's Kind cluster (named as defineEnvironment names it) as the management Argo CD reaches it, over Docker's `kind` network. */
function kindCluster(environment: string): FleetCluster {
  const cluster = labCluster(environment, VERSIONS.kubernetesNode);
  return { name: cluster.name, environment, server: `https://${cluster.apiServerHost}:${cluster.apiServerPort}` };
}

/**
 * dev: the seed's default lab (`setup.sh --env dev --light`): Istio Ambient
 * with STRICT mTLS, the L3/L4 policy with HBONE allowed, backend x2, floating
 * demo tags. The lab base is exactly this, plus its source: the clone setup.sh
 * runs from (no fork, no push), where stg and prod track a remote. Its Argo CD
 * is the lab's management plane: it runs lab-stg and lab-prod too, once their
 * cluster Secrets exist (README: "One Argo CD, many clusters").
 */
export const dev = defineEnvironment('dev', LAB, {
  git: LAB_LOCAL_GIT,
  fleet: {
    clusters: [kindCluster('stg'), kindCluster('prod')],
    // What a cluster needs no upstream chart's CRDs for: its namespaces, guardrails and the demo app.
    components: ['namespaces', 'platform', 'demo'],
  },
});
