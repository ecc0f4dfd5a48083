import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { EnvironmentConfig } from '../config';
import { AppProject, AppProjectProps, Application, ApplicationSpecIgnoreDifferences, ApplicationSpecSource } from '../imports/argoproj.io';
import { GroupKind } from '../lib/component';
import { IN_CLUSTER, RESOURCES_FINALIZER, SYNC_RETRY } from './sync-policy';

/** One child Application: the same shape for our charts and for upstream ones. */
export interface ChildApp {
  readonly name: string;
  readonly namespace: string;
  readonly wave: number;
  readonly source: ApplicationSpecSource;
  readonly serverSideApply: boolean;
  readonly skipDryRunOnMissingResource: boolean;
  readonly ignoreDifferences?: readonly ApplicationSpecIgnoreDifferences[];
  /** Namespaces besides `namespace` that its objects go to: declared for upstream charts, read from the render for ours. */
  readonly otherNamespaces?: readonly string[];
  /** Cluster-scoped kinds it renders: declared for upstream charts, read from the render for ours. */
  readonly clusterKinds: readonly GroupKind[];
}

/** Its namespace is Argo CD's, where every Application and AppProject lives. */
export interface AppOfAppsProps extends PlatformChartProps {
  /**
   * The children's projects: `system` for those that reach into the cluster's
   * own namespaces (`systemNamespaces`), `platform` for the rest, so that no
   * ordinary child may deploy into kube-system or argocd.
   */
  readonly projects: { readonly system: string; readonly platform: string };
  readonly systemNamespaces: readonly string[];
  readonly children: readonly ChildApp[];
}

/** A child with what its project must allow, read from its render where it is ours. */
interface ResolvedChild extends ChildApp {
  readonly namespaces: readonly string[];
  readonly kinds: readonly GroupKind[];
  readonly project: string;
}

const byKey = (a: GroupKind, b: GroupKind) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind);
const uniqueKinds = (kinds: readonly GroupKind[]): GroupKind[] =>
  [...new Map(kinds.map((k) => [`${k.group}/${k.kind}`, { group: k.group, kind: k.kind }])).values()].sort(byKey);

/**
 * Argo CD creates `default` unrestricted. Locked, it admits nothing, so a child
 * that names it cannot sync; in the lab it admits the seed's exercise
 * Applications (5-1, 5-2, 11-4): their repositories and namespaces, and no
 * cluster-scoped object but those namespaces.
 */
function defaultProject(env: EnvironmentConfig, argocdNamespace: string): AppProjectProps {
  const setting = env.security.defaultProject;
  const metadata = { name: 'default', namespace: argocdNamespace, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } };
  if (setting.admits === 'nothing')
    return {
      metadata,
      spec: {
        description: 'Locked: every Application names its project; this one allows no source, no destination and no kind.',
        sourceRepos: [],
        destinations: [],
        clusterResourceWhitelist: [],
        namespaceResourceBlacklist: [{ group: '*', kind: '*' }],
      },
    };
  return {
    metadata,
    spec: {
      description: `The seed's exercise Applications only: ${setting.why}.`.slice(0, 255),
      sourceRepos: [...new Set([...setting.repositories, env.git.repoURL])].sort(),
      destinations: [...setting.namespaces].sort().map((namespace) => ({ server: IN_CLUSTER, namespace })),
      // CreateNamespace=true creates the destination, and Argo CD checks that Namespace against this list: each by its name only.
      clusterResourceWhitelist: [...setting.namespaces].sort().map((name) => ({ group: '', kind: 'Namespace', name })),
    },
  };
}

/**
 * The source of the root Application: the AppProject and one child
 * Application per component, all rendered through the same template so no
 * child drifts from the others (argocd-example-apps' apps pattern).
 */
export class AppOfApps extends PlatformChart {
  constructor(scope: Construct, id: string, props: AppOfAppsProps) {
    super(scope, id, props);
    const children = [...props.children].sort((a, b) => a.wave - b.wave || a.name.localeCompare(b.name)).map((c) => this.resolve(c, props));

    for (const project of [props.projects.system, props.projects.platform]) {
      const members = children.filter((c) => c.project === project);
      new AppProject(this, `project-${project}`, {
        metadata: { name: project, annotations: { 'argocd.argoproj.io/sync-wave': '-1' } },
        spec: {
          // At most 255 bytes (the CRD's limit), so it does not list the members.
          description: `${props.env.name}: ${members.length} ${project} Applications; only their pinned sources, namespaces and cluster-scoped kinds.`,
          sourceRepos: [...new Set(members.map((c) => c.source.repoUrl))].sort(),
          destinations: [...new Set(members.flatMap((c) => c.namespaces))].sort().map((namespace) => ({ server: IN_CLUSTER, namespace })),
          // Exactly the cluster-scoped kinds the members render, never `*`.
          clusterResourceWhitelist: uniqueKinds(members.flatMap((c) => c.kinds)),
        },
      });
    }
    new AppProject(this, 'project-default', defaultProject(props.env, props.namespace));

    for (const child of children) {
      const syncOptions = [
        'CreateNamespace=true',
        ...(child.serverSideApply ? ['ServerSideApply=true'] : []),
        ...(child.skipDryRunOnMissingResource ? ['SkipDryRunOnMissingResource=true'] : []),
        ...(child.ignoreDifferences?.length ? ['RespectIgnoreDifferences=true'] : []),
      ];
      new Application(this, `app-${child.name}`, {
        metadata: {
          name: child.name,
          annotations: { 'argocd.argoproj.io/sync-wave': String(child.wave) },
          finalizers: [RESOURCES_FINALIZER],
        },
        spec: {
          project: child.project,
          source: child.source,
          destination: { server: IN_CLUSTER, namespace: child.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true },
            syncOptions,
            retry: SYNC_RETRY,
          },
          ...(child.ignoreDifferences?.length ? { ignoreDifferences: [...child.ignoreDifferences] } : {}),
        },
      });
    }
  }

  /** The namespaces a child's project must allow, and the project that allows them. */
  private resolve(child: ChildApp, props: AppOfAppsProps): ResolvedChild {
    const namespaces = [...new Set([child.namespace, ...(child.otherNamespaces ?? [])])].sort();
    const project = namespaces.some((ns) => props.systemNamespaces.includes(ns)) ? props.projects.system : props.projects.platform;
    return { ...child, namespaces, kinds: uniqueKinds(child.clusterKinds), project };
  }
}
