import { Chart } from 'cdk8s';
// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PART_OF } from '../lib/labels';
import { namespaceLabels, NamespacePolicy } from '../lib/namespaces';

export interface PlatformNamespacesProps {
  readonly env: string;
  readonly namespaces: readonly NamespacePolicy[];
}

/**
 * Every namespace the platform deploys into, labelled before any pod lands
 * there: Pod Security Admission only judges pods at creation. Argo CD never
 * deletes one (kube-system is among them): removing a namespace from the list
 * waits for a confirmed prune.
 */
/** The one definition of a platform namespace's metadata: the bootstrap creates kong and monitoring with the same. */
export function platformNamespaceMetadata(env: string, policy: NamespacePolicy): k8s.ObjectMeta {
  return {
    name: policy.name,
    labels: { env, 'app.kubernetes.io/part-of': PART_OF, ...namespaceLabels(policy) },
    annotations: { 'argocd.argoproj.io/sync-options': 'Delete=false,Prune=confirm' },
  };
}

export class PlatformNamespaces extends Chart {
  constructor(scope: Construct, id: string, props: PlatformNamespacesProps) {
    super(scope, id);
    for (const policy of props.namespaces) {
      new k8s.KubeNamespace(this, policy.name, { metadata: platformNamespaceMetadata(props.env, policy) });
    }
  }
}
