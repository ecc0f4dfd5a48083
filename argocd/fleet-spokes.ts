import { EnvironmentConfig, FleetCluster, UserError } from '../config';
import { GroupKind } from '../lib/component';
import { ChartComponent, groupOf, renderEnvironment } from '../lib/synth';

/** A registered cluster, with what its components render in its environment: what its AppProject allows. */
export interface FleetSpoke extends FleetCluster {
  readonly namespaces: readonly string[];
  readonly clusterKinds: readonly GroupKind[];
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The registered clusters of a management environment, each with what its components render
 * in its own environment (their namespaces and cluster-scoped kinds), which its AppProject
 * allows. A bad entry fails synth with one line that names it.
 */
export function fleetSpokes(
  env: EnvironmentConfig,
  components: readonly ChartComponent[],
  environmentByName: (name: string) => EnvironmentConfig,
): { readonly clusters: FleetSpoke[]; readonly destinationNamespace: string } {
  const fleet = env.fleet;
  if (!fleet || fleet.components.length === 0)
    throw new UserError(`${env.name}: fleet needs at least one component; fix config/environments/${env.name}.ts`);
  const bad = (what: string) => new UserError(`${env.name}: fleet ${what}; fix config/environments/${env.name}.ts`);
  const names = fleet.clusters.map((c) => c.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw bad(`registers '${duplicate}' twice`);
  const chosen = fleet.components.map((name) => {
    const component = components.find((c) => c.name === name && c.build);
    if (!component) throw bad(`component '${name}' is not one of our rendered components (components.ts)`);
    return component;
  });
  const clusters = fleet.clusters.map((cluster) => {
    if (!DNS_LABEL.test(cluster.name)) throw bad(`cluster name '${cluster.name}' must be a DNS label (it names an Application and an AppProject)`);
    if (!/^https:\/\/[^/\s]+$/.test(cluster.server))
      throw bad(`cluster '${cluster.name}': server must be https://host[:port] (got ${cluster.server})`);
    if (cluster.environment === env.name)
      throw bad(`cluster '${cluster.name}' runs ${env.name} itself; the management cluster runs its own root Application`);
    const target = environmentByName(cluster.environment);
    const off = chosen.filter((c) => !c.enabled(target)).map((c) => c.name);
    if (off.length > 0) throw bad(`cluster '${cluster.name}': ${cluster.environment} does not render ${off.join(', ')}`);
    const objects = renderEnvironment(target, chosen).files.map((f) => f.object);
    const kinds = new Map(
      objects.filter((o) => !o.metadata.namespace).map((o) => [`${groupOf(o.apiVersion)}/${o.kind}`, { group: groupOf(o.apiVersion), kind: o.kind }]),
    );
    return {
      ...cluster,
      namespaces: [
        ...new Set(objects.flatMap((o) => (o.metadata.namespace ? [o.metadata.namespace] : o.kind === 'Namespace' ? [o.metadata.name] : []))),
      ],
      clusterKinds: [...kinds.values()].sort((a, b) => a.group.localeCompare(b.group) || a.kind.localeCompare(b.kind)),
    };
  });
  // An Application's destination namespace must be one its project allows, though each object names its own: the last component's.
  return { clusters, destinationNamespace: chosen[chosen.length - 1].namespace };
}
