import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config';
import { Application } from '../imports/argoproj.io';
import { PART_OF } from '../lib/labels';
import { IN_CLUSTER, SYNC_RETRY } from './app-of-apps';

export interface RootApplicationProps {
  readonly env: EnvironmentConfig;
  readonly argocdNamespace: string;
  /** Path in the git repository of the folder with the child Applications. */
  readonly appsPath: string;
}

/**
 * The one Application the bootstrap applies by hand. It has no cascade
 * finalizer: deleting it must not tear the platform down.
 */
export class RootApplication extends Chart {
  constructor(scope: Construct, id: string, props: RootApplicationProps) {
    super(scope, id);
    new Application(this, 'root', {
      metadata: {
        name: `root-${props.env.name}`,
        namespace: props.argocdNamespace,
        labels: { env: props.env.name, 'app.kubernetes.io/part-of': PART_OF },
      },
      spec: {
        project: 'default',
        source: { repoUrl: props.env.git.repoURL, targetRevision: props.env.git.targetRevision, path: props.appsPath },
        destination: { server: IN_CLUSTER, namespace: props.argocdNamespace },
        syncPolicy: { automated: { prune: true, selfHeal: true }, retry: SYNC_RETRY },
      },
    });
  }
}
