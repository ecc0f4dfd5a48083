// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { NamespacePolicy, platformNamespaceMetadata } from '../lib/namespaces';

export interface BootstrapNamespaceProps {
  /** The platform namespace, created exactly as the namespaces Application will keep it. */
  readonly policy: NamespacePolicy;
}

/**
 * A namespace the bootstrap creates before Argo CD exists, because a Secret
 * that never enters git has to go somewhere: the lab's TLS certificate for the
 * Gateway (kong) and Grafana's admin login (monitoring).
 */
export class BootstrapNamespace extends Construct {
  constructor(scope: Construct, id: string, props: BootstrapNamespaceProps) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', { metadata: platformNamespaceMetadata(props.policy) });
  }
}
