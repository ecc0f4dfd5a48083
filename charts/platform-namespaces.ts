// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { NamespacePolicy, platformNamespaceMetadata } from '../lib/namespaces';

export interface PlatformNamespacesProps extends PlatformChartProps {
  readonly namespaces: readonly NamespacePolicy[];
}

/**
 * Every namespace the platform deploys into, labelled before any pod lands
 * there: Pod Security Admission only judges pods at creation. Argo CD never
 * deletes one (kube-system is among them): removing a namespace from the list
 * waits for a confirmed prune.
 */
export class PlatformNamespaces extends PlatformChart {
  constructor(scope: Construct, id: string, props: PlatformNamespacesProps) {
    super(scope, id, props);
    for (const policy of props.namespaces) {
      new k8s.KubeNamespace(this, policy.name, { metadata: platformNamespaceMetadata(policy) });
    }
  }
}
