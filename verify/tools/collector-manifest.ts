import { CollectorConfig } from '../../observability/collector-config';
import { minorOf, VERSIONS } from '../../config/versions';

/**
 * What the otelcol-lab tool is built from: the OpenTelemetry Collector Builder's manifest,
 * with exactly the components the rendered configs use. Tool building only; the render
 * writes the configs themselves (observability/collector-config.ts).
 */

/**
 * Core's Go modules are tagged with the release itself; contrib's modules of a
 * release are its `x.y.0` (contrib tags no module patch releases).
 */
const core = (module: string) => `go.opentelemetry.io/collector/${module} v${VERSIONS.otelCollector}`;
const contrib = (module: string) => `github.com/open-telemetry/opentelemetry-collector-contrib/${module} v${minorOf(VERSIONS.otelCollector)}.0`;

/** Go modules of every component type the config can use, at the collector version we build. */
type ComponentKind = 'receivers' | 'processors' | 'exporters' | 'connectors';

export const COMPONENT_MODULES: Readonly<Record<string, { readonly kind: ComponentKind; readonly gomod: string }>> = {
  otlp: { kind: 'receivers', gomod: core('receiver/otlpreceiver') },
  memory_limiter: { kind: 'processors', gomod: core('processor/memorylimiterprocessor') },
  batch: { kind: 'processors', gomod: core('processor/batchprocessor') },
  resource: { kind: 'processors', gomod: contrib('processor/resourceprocessor') },
  transform: { kind: 'processors', gomod: contrib('processor/transformprocessor') },
  tail_sampling: { kind: 'processors', gomod: contrib('processor/tailsamplingprocessor') },
  filter: { kind: 'processors', gomod: contrib('processor/filterprocessor') },
  spanmetrics: { kind: 'connectors', gomod: contrib('connector/spanmetricsconnector') },
  'exporter:otlp': { kind: 'exporters', gomod: core('exporter/otlpexporter') },
  otlphttp: { kind: 'exporters', gomod: core('exporter/otlphttpexporter') },
};

/** Component types a config uses, e.g. `otlp/tempo` -> exporter `otlp`. */
export function componentTypes(config: CollectorConfig): Record<ComponentKind, string[]> {
  const type = (id: string) => id.split('/')[0];
  const of = (section: object) => [...new Set(Object.keys(section).map(type))].sort();
  return { receivers: of(config.receivers), processors: of(config.processors), exporters: of(config.exporters), connectors: of(config.connectors) };
}

/** The builder manifest for every given config (one per environment): the union of their components. */
export function builderManifest(configs: readonly CollectorConfig[], outputPath: string): Record<string, unknown> {
  const all = configs.map(componentTypes);
  const union = (kind: ComponentKind) => [...new Set(all.flatMap((t) => t[kind]))].sort();
  const modules = (kind: ComponentKind, names: string[]) =>
    names.map((name) => {
      const entry = COMPONENT_MODULES[kind === 'exporters' && name === 'otlp' ? 'exporter:otlp' : name];
      if (!entry || entry.kind !== kind) throw new Error(`no Go module known for ${kind} ${name}; add it to COMPONENT_MODULES`);
      return { gomod: entry.gomod };
    });
  return {
    dist: {
      name: 'otelcol-lab',
      description: 'Collector with exactly the components of the rendered config',
      output_path: outputPath,
      version: VERSIONS.otelCollector,
    },
    receivers: modules('receivers', union('receivers')),
    processors: modules('processors', union('processors')),
    exporters: modules('exporters', union('exporters')),
    connectors: modules('connectors', union('connectors')),
    // Only the providers we use; the proxy lacks httpprovider at this release.
    providers: ['envprovider', 'fileprovider', 'yamlprovider'].map((p) => ({ gomod: `go.opentelemetry.io/collector/confmap/provider/${p} v1.52.0` })),
  };
}
