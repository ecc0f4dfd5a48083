import { groupOf, KubeObject } from '../../lib/synth';

/**
 * What Argo CD checks before it syncs a child: that its project allows the
 * child's source repository, its destination, every namespace it writes to
 * and every cluster-scoped kind it renders. Run over the objects the API
 * server admitted (which tells cluster-scoped from namespaced), it also finds
 * whitelist entries no child needs, so the list cannot grow stale.
 */

export interface AdmittedObject {
  readonly app: string;
  readonly object: KubeObject;
  /** As the API server's discovery says. */
  readonly namespaced: boolean;
}

interface ProjectSpec {
  readonly sourceRepos?: string[];
  readonly destinations?: Array<{ server?: string; namespace?: string }>;
  readonly clusterResourceWhitelist?: Array<{ group: string; kind: string }>;
  readonly namespaceResourceBlacklist?: Array<{ group: string; kind: string }>;
}

const matches = (pattern: string, value: string) => pattern === '*' || pattern === value;

export function projectFindings(apps: readonly KubeObject[], objects: readonly AdmittedObject[]): string[] {
  const projects = new Map(apps.filter((o) => o.kind === 'AppProject').map((p) => [p.metadata.name, (p as { spec?: ProjectSpec }).spec ?? {}]));
  const children = apps.filter((o) => o.kind === 'Application') as Array<
    KubeObject & { spec: { project: string; source: { repoURL: string }; destination: { namespace: string } } }
  >;
  const findings: string[] = [];
  const used = new Map<string, Set<string>>();
  for (const app of children) {
    const name = app.metadata.name;
    const projectName: string = app.spec.project;
    const project = projects.get(projectName);
    if (!project) {
      findings.push(`${name}: project ${projectName} is not rendered`);
      continue;
    }
    const repo: string = app.spec.source.repoURL;
    if (!(project.sourceRepos ?? []).some((r) => matches(r, repo)))
      findings.push(`${name}: source ${repo} is not permitted by project ${projectName}`);
    const allowsNamespace = (ns: string) => (project.destinations ?? []).some((d) => matches(d.namespace ?? '', ns));
    const namespaces = new Set<string>([app.spec.destination.namespace]);
    const kinds = used.get(projectName) ?? new Set<string>();
    used.set(projectName, kinds);
    for (const { object, namespaced } of objects.filter((o) => o.app === name)) {
      const group = groupOf(object.apiVersion);
      if (namespaced) {
        namespaces.add(object.metadata.namespace ?? app.spec.destination.namespace);
        if ((project.namespaceResourceBlacklist ?? []).some((b) => matches(b.group, group) && matches(b.kind, object.kind))) {
          findings.push(`${name}: ${object.kind} ${object.metadata.name} is blacklisted by project ${projectName}`);
        }
      } else {
        kinds.add(`${group}/${object.kind}`);
        if (!(project.clusterResourceWhitelist ?? []).some((w) => matches(w.group, group) && matches(w.kind, object.kind))) {
          findings.push(
            `${name}: cluster-scoped ${group || 'core'}/${object.kind} ${object.metadata.name} is not whitelisted by project ${projectName}`,
          );
        }
        if (object.kind === 'Namespace') namespaces.add(object.metadata.name);
      }
    }
    for (const ns of [...namespaces].sort())
      if (!allowsNamespace(ns)) findings.push(`${name}: namespace ${ns} is not a destination of project ${projectName}`);
  }
  for (const [projectName, kinds] of used) {
    for (const w of projects.get(projectName)?.clusterResourceWhitelist ?? []) {
      if (w.group === '*' || w.kind === '*') findings.push(`project ${projectName}: whitelists ${w.group}/${w.kind}, a wildcard; name the kinds`);
      else if (!kinds.has(`${w.group}/${w.kind}`))
        findings.push(`project ${projectName}: whitelists ${w.group || 'core'}/${w.kind}, which no child renders`);
    }
  }
  return findings;
}
