import { NAMESPACES } from '../../lib/namespace-names';
import { ARGOCD_PODS, CLUSTER_DNS_POD, GRAFANA_POD, KONG_PROXY_POD_LABELS } from '../../lib/upstream';

/**
 * Pods created by upstream charts that our policies select, by namespace: what the reference
 * check and the Helm test hold our selectors against. Verification only; the render reads the
 * labels themselves from lib/upstream.ts.
 */
export const UPSTREAM_PODS: ReadonlyArray<{ readonly chart: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> }> =
  [
    { chart: 'kong/ingress', namespace: NAMESPACES.kong, labels: KONG_PROXY_POD_LABELS },
    { chart: 'grafana/grafana', namespace: NAMESPACES.monitoring, labels: GRAFANA_POD.labels },
    ...Object.values(ARGOCD_PODS).map((p) => ({ chart: 'argo/argo-cd', namespace: NAMESPACES.argocd, labels: p.labels })),
    // Not a chart: the cluster DNS that Kind (kubeadm) deploys.
    { chart: 'kind/coredns', namespace: CLUSTER_DNS_POD.namespace, labels: CLUSTER_DNS_POD.labels },
  ];
