/**
 * Prints the OpenTelemetry Collector Builder manifest for exactly the
 * components of our rendered collector config (used by scripts/tools.sh).
 *   node scripts/run-ts.js scripts/collector-manifest.ts <output path for the sources>
 */
import { COLLECTOR_SETTINGS } from '../components';
import { toYaml } from '../lib/yaml';
import { builderManifest, collectorConfig } from '../observability/collector-config';

const output = process.argv[2];
if (!output) {
  console.error('usage: collector-manifest.ts <output path>');
  process.exit(2);
}
process.stdout.write(toYaml(builderManifest(collectorConfig(COLLECTOR_SETTINGS), output)));
