import { Construct } from 'constructs';
import { GitSource } from '../config';
import { ApplicationSet, AppProject } from '../imports/argoproj.io';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { distFolder } from '../lib/sources';
import { FleetSpoke } from '../argocd/fleet-spokes';
import { SYNC_RETRY } from '../argocd/sync-policy';

/** Its namespace is Argo CD's, where the ApplicationSet, the generated Applications and their AppProjects live. */
export interface FleetProps extends PlatformChartProps {
  readonly clusters: readonly FleetSpoke[];
  /** Our components each cluster syncs: the folders of dist/<environment>/. */
  readonly components: readonly string[];
  /** The repository the management Argo CD reads every cluster's dist/ from. */
  readonly git: GitSource;
  /** The generated Applications' destination namespace: every object names its own, but the project checks this one too. */
  readonly destinationNamespace: string;
}

/** The label on a cluster Secret (created outside git) that names the registered cluster it holds the credentials of. */
export const FLEET_CLUSTER_LABEL = 'kind-parity-platform/cluster';

/**
 * One Argo CD, many clusters. The ApplicationSet's cluster generators select the Argo CD cluster
 * Secrets of the registered clusters, one generator per entry, each carrying the entry's
 * environment: the cluster's credentials stay outside git, and which dist/ it runs stays in it.
 * A Secret without an entry generates nothing; removing an entry removes its Application and
 * leaves the cluster's workloads running (preserveResourcesOnDeletion). Each generated Application
 * names its cluster's own AppProject, which allows that cluster's API server and the namespaces and
 * cluster-scoped kinds its components render, and nothing else.
 */
export class Fleet extends PlatformChart {
  constructor(scope: Construct, id: string, props: FleetProps) {
    super(scope, id, props);
    for (const cluster of props.clusters) {
      if (!cluster.namespaces.includes(props.destinationNamespace))
        throw new Error(`fleet: ${cluster.name} renders nothing in ${props.destinationNamespace}, the Applications' destination namespace`);
      new AppProject(this, `project-${cluster.name}`, {
        // Before the ApplicationSet: an Application generated for a project not yet there fails, and waits for the controller's requeue.
        metadata: { name: projectOf(cluster.name), annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
        spec: {
          description: `${cluster.name}: ${props.components.join(', ')} of dist/${cluster.environment}/, on this cluster's API server only.`.slice(
            0,
            255,
          ),
          sourceRepos: [props.git.repoURL],
          destinations: [...cluster.namespaces].sort().map((namespace) => ({ server: cluster.server, namespace })),
          clusterResourceWhitelist: [...cluster.clusterKinds],
        },
      });
    }
    new ApplicationSet(this, 'fleet', {
      metadata: { name: 'fleet' },
      spec: {
        goTemplate: true,
        // A Secret without the fields the template reads fails its generation instead of rendering an empty path.
        goTemplateOptions: ['missingkey=error'],
        generators: props.clusters.map((cluster) => ({
          clusters: { selector: { matchLabels: { [FLEET_CLUSTER_LABEL]: cluster.name } }, values: { environment: cluster.environment } },
        })),
        syncPolicy: { preserveResourcesOnDeletion: true },
        template: {
          metadata: { name: '{{.name}}', labels: { [FLEET_CLUSTER_LABEL]: '{{.name}}' } },
          spec: {
            project: projectOf('{{.name}}'),
            sources: props.components.map((component) => ({
              repoUrl: props.git.repoURL,
              targetRevision: props.git.targetRevision,
              path: distFolder('{{.values.environment}}', component),
            })),
            destination: { server: '{{.server}}', namespace: props.destinationNamespace },
            syncPolicy: { automated: { prune: true, selfHeal: true }, retry: SYNC_RETRY },
          },
        },
      },
    });
  }
}

/** The AppProject of a registered cluster's Application. */
export const projectOf = (cluster: string): string => `fleet-${cluster}`;
