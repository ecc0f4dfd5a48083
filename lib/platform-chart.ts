import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { EnvironmentConfig } from '../config';
import { imageRef, ImageSource, PinnedImage } from './images';
import { platformLabels } from './labels';
import { isClusterScopedKind } from './scope';

/** What every chart of ours knows from its component: synth passes it, so no registry entry writes it by hand. */
export interface PlatformChartProps {
  /** The environment the chart renders for: its name labels every object, its registry moves every image. */
  readonly env: EnvironmentConfig;
  /**
   * The component's namespace: its Application's destination, and where the
   * chart's namespaced objects go. Not cdk8s's ChartProps.namespace, which would
   * stamp cluster-scoped objects too.
   */
  readonly namespace: string;
}

/** What a chart's objects are to the namespace stamp: their kind and metadata (lib/synth.ts types them in full). */
interface ChartObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata?: { readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

/** Marks the instances of PlatformChart; a symbol, so no chart's own property can collide with it. */
const PLATFORM_CHART = Symbol.for('kind-parity-platform.PlatformChart');

/**
 * The base of every chart we render: cdk8s puts the common labels
 * (`platformLabels`) on every object's metadata through `ChartProps.labels`,
 * so no chart writes them by hand. Pod templates are not objects of the chart;
 * workloads still label their pods with `workloadLabels`.
 */
export class PlatformChart extends Chart {
  /** cdk8s answers `instanceof` for any Chart (Chart[Symbol.hasInstance]), so the base class marks its own. */
  static isPlatformChart(x: unknown): x is PlatformChart {
    return typeof x === 'object' && x !== null && PLATFORM_CHART in x;
  }

  /** The PlatformChart a construct belongs to: where a workload inside a chart finds its environment. */
  static of(construct: IConstruct): PlatformChart {
    const chart = Chart.of(construct);
    if (!PlatformChart.isPlatformChart(chart)) throw new Error(`${construct.node.path} is not inside a PlatformChart`);
    return chart;
  }

  readonly env: EnvironmentConfig;
  /**
   * The component's namespace, which every namespaced object of the chart that names none is put in.
   * Not cdk8s's own `Chart.namespace`, which ApiObject stamps on cluster-scoped objects too.
   */
  readonly componentNamespace: string;

  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    super(scope, id, { labels: platformLabels(props.env.name) });
    Object.defineProperty(this, PLATFORM_CHART, { value: true });
    this.env = props.env;
    this.componentNamespace = props.namespace;
  }

  /**
   * The chart's objects, each namespaced one that names no namespace put in the component's: so no
   * chart stamps `namespace` by hand, and a cluster-scoped kind (lib/scope.ts) is never given one.
   * An object that names another namespace keeps it (a policy the chart puts beside a workload elsewhere).
   */
  override toJson(): ChartObject[] {
    return (super.toJson() as ChartObject[]).map((o) =>
      o.metadata?.namespace || isClusterScopedKind(o.apiVersion, o.kind)
        ? o
        : { ...o, metadata: { ...o.metadata, namespace: this.componentNamespace } },
    );
  }

  /** An image of ours as this environment pulls it: from its mirror (seed 12) when it has one. A pinned image brings its tag. */
  image(source: ImageSource | PinnedImage, tag = 'tag' in source ? source.tag : undefined): string {
    if (!tag) throw new Error(`${this.node.id}: no tag for ${source.registry}/${source.repository}`);
    return imageRef(source, tag, this.env.registry);
  }
}
