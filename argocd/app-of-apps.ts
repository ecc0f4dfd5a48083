import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { EnvironmentConfig } from '../config';
import { AppProject, Application, ApplicationSpecIgnoreDifferences, ApplicationSpecSource } from '../imports/argoproj.io';
import { PART_OF } from '../lib/labels';

/** One child Application: the same shape for our charts and for upstream ones. */
export interface ChildApp {
  readonly name: string;
  readonly namespace: string;
  readonly wave: number;
  readonly source: ApplicationSpecSource;
  readonly serverSideApply: boolean;
  readonly skipDryRunOnMissingResource: boolean;
  readonly ignoreDifferences?: readonly ApplicationSpecIgnoreDifferences[];
  readonly namespaceLabels?: Record<string, string>;
  /** Namespaces besides `namespace` that its objects go to. */
  readonly otherNamespaces?: readonly string[];
}

export interface AppOfAppsProps {
  readonly env: EnvironmentConfig;
  readonly argocdNamespace: string;
  readonly projectName: string;
  readonly children: readonly ChildApp[];
}

export const IN_CLUSTER = 'https://kubernetes.default.svc';
/**
 * Deleting a child deletes what it manages, in the foreground. The path form is
 * what Argo CD v3 writes itself; the bare name draws an API server warning
 * (finalizers should be domain-qualified with a path).
 */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io/foreground';

/** Retry with backoff: 10s, 20s, 40s ... capped at 5 minutes, so waves can wait for CRDs and webhooks. */
export const SYNC_RETRY = { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } };

/**
 * The source of the root Application: the AppProject and one child
 * Application per component, all rendered through the same template so no
 * child drifts from the others (argocd-example-apps' apps pattern).
 */
export class AppOfApps extends Chart {
  constructor(scope: Construct, id: string, props: AppOfAppsProps) {
    super(scope, id);
    const labels = { env: props.env.name, 'app.kubernetes.io/part-of': PART_OF };
    const children = [...props.children].sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name));

    const sourceRepos = [...new Set(children.map((c) => c.source.repoUrl))].sort();
    const namespaces = [...new Set([props.argocdNamespace, ...children.flatMap((c) => [c.namespace, ...(c.otherNamespaces ?? [])])])].sort();
    new AppProject(this, 'project', {
      metadata: {
        name: props.projectName,
        namespace: props.argocdNamespace,
        labels,
        annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      },
      spec: {
        description: `The ${props.env.name} platform: only the pinned sources and the platform namespaces.`,
        sourceRepos,
        destinations: namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
        // CRDs, webhooks, PriorityClasses, GatewayClasses and Constraints are cluster-scoped.
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    });

    for (const child of children) {
      const syncOptions = [
        'CreateNamespace=true',
        ...(child.serverSideApply ? ['ServerSideApply=true'] : []),
        ...(child.skipDryRunOnMissingResource ? ['SkipDryRunOnMissingResource=true'] : []),
        ...(child.ignoreDifferences?.length ? ['RespectIgnoreDifferences=true'] : []),
      ];
      const namespaceLabels = child.namespaceLabels && Object.keys(child.namespaceLabels).length > 0 ? child.namespaceLabels : undefined;
      new Application(this, `app-${child.name}`, {
        metadata: {
          name: child.name,
          namespace: props.argocdNamespace,
          labels,
          annotations: { 'argocd.argoproj.io/sync-wave': String(child.wave) },
          finalizers: [RESOURCES_FINALIZER],
        },
        spec: {
          project: props.projectName,
          source: child.source,
          destination: { server: IN_CLUSTER, namespace: child.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions,
            retry: SYNC_RETRY,
            ...(namespaceLabels ? { managedNamespaceMetadata: { labels: namespaceLabels } } : {}),
          },
          ...(child.ignoreDifferences?.length ? { ignoreDifferences: [...child.ignoreDifferences] } : {}),
        },
      });
    }
  }
}
