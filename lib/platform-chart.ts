import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { platformLabels } from './labels';

export interface PlatformChartProps {
  /** The environment the chart renders for: its name goes into the common labels. */
  readonly env: string;
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

  constructor(scope: Construct, id: string, props: PlatformChartProps) {
    super(scope, id, { labels: platformLabels(props.env) });
    Object.defineProperty(this, PLATFORM_CHART, { value: true });
  }
}
