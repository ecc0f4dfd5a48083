import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { Application, AppProject } from '../imports/argoproj.io';
import { IN_CLUSTER, SYNC_RETRY } from './sync-policy';

/** Its namespace is Argo CD's, where the root Application and its AppProject live. */
export interface RootApplicationProps extends PlatformChartProps {
  /** Path in the git repository of the folder with the child Applications. */
  readonly appsPath: string;
  /** The root's own project: it may only manage Applications and AppProjects in the Argo CD namespace. */
  readonly project: string;
}

/**
 * The one Application the bootstrap applies by hand. It has no cascade
 * finalizer: deleting it must not tear the platform down.
 */
export class RootApplication extends PlatformChart {
  constructor(scope: Construct, id: string, props: RootApplicationProps) {
    super(scope, id, props);
    new AppProject(this, 'project', {
      metadata: { name: props.project },
      spec: {
        description: `The root of ${props.env.name}: the child Applications and their AppProjects, from this repository only.`,
        sourceRepos: [props.env.git.repoURL],
        destinations: [{ server: IN_CLUSTER, namespace: props.namespace }],
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: [
          { group: 'argoproj.io', kind: 'Application' },
          { group: 'argoproj.io', kind: 'AppProject' },
        ],
      },
    });
    new Application(this, 'root', {
      metadata: {
        name: `root-${props.env.name}`,
      },
      spec: {
        project: props.project,
        source: { repoUrl: props.env.git.repoURL, targetRevision: props.env.git.targetRevision, path: props.appsPath },
        destination: { server: IN_CLUSTER, namespace: props.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true },
          // A push that changes one child re-applies that child alone. Without it every root sync
          // re-applies all children wave by wave, waiting for each wave's health: 30-40 s per push.
          // The first sync applies them all, in wave order, as before.
          syncOptions: ['ApplyOutOfSyncOnly=true'],
          retry: SYNC_RETRY,
        },
      },
    });
  }
}
