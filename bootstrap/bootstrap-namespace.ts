import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config';
import { PART_OF } from '../lib/labels';

export interface KongNamespaceProps {
  readonly env: EnvironmentConfig;
  readonly name: string;
  /** The same labels the Kong Application sets through managedNamespaceMetadata. */
  readonly labels: Record<string, string>;
}

/**
 * The bootstrap creates the Kong namespace before Argo CD exists, because the
 * lab's TLS Secret for the Gateway's HTTPS listener has to go somewhere.
 */
export class KongNamespace extends Construct {
  constructor(scope: Construct, id: string, props: KongNamespaceProps) {
    super(scope, id);
    new k8s.KubeNamespace(this, 'namespace', {
      metadata: { name: props.name, labels: { env: props.env.name, 'app.kubernetes.io/part-of': PART_OF, ...props.labels } },
    });
  }
}
