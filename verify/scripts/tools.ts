/**
 * npm run tools -- [name...] | --list | --stamps
 * Verifies every pinned tool in the per-user cache (checksum recorded at build
 * time and version output), builds what is missing or corrupt, links it into
 * .tools/bin and prints one `binary=path` line per binary.
 */
import { collectorSettings } from '../../topology/index';
import { ENVIRONMENT_LIST } from '../../config/environments';
import { runCommand } from '../../lib/command';
import { toYaml } from '../../lib/yaml';
import { collectorConfig } from '../../observability/collector-config';
import { builderManifest } from '../tools/collector-manifest';
import { cacheRoot, ensureTools, linkDir, stampOf } from '../tools/cache';
import { providedNames, Tool, toolByName, toolProviding, TOOLS } from '../tools/catalog';

/** The collector is built from our own config: its builder manifest is part of what decides its build. */
const hooks = {
  collectorManifest: (sources: string) =>
    toYaml(
      builderManifest(
        ENVIRONMENT_LIST.map((env) => collectorConfig(collectorSettings(env))),
        sources,
      ),
    ),
};

const names = () => [...TOOLS.map((t) => t.name), ...TOOLS.flatMap(providedNames)].filter((n, i, all) => all.indexOf(n) === i);

runCommand(
  {
    name: 'tools',
    invocation: 'npm run tools --',
    summary: `Builds the pinned tools once per version into ${cacheRoot()} and links them into .tools/bin.`,
    flags: {
      list: { kind: 'boolean', help: 'print each tool, its version and why it is pinned there, and build nothing' },
      stamps: {
        kind: 'boolean',
        help: "print each tool's build stamp (its version and a hash of the inputs it is built from) and build nothing: what a CI cache key needs",
      },
    },
    positional: { name: 'tool', help: 'a tool or binary name (default: every tool)', oneOf: names },
  },
  async ({ flags, positional }) => {
    if (flags.list) {
      for (const t of TOOLS)
        process.stdout.write(
          `${t.name.padEnd(12)} ${t.version.padEnd(10)} ${t.binaries.map((b) => b.name).join(', ')}${t.note ? `  (${t.note})` : ''}\n`,
        );
      return 0;
    }
    if (flags.stamps) {
      for (const t of TOOLS) process.stdout.write(`${t.name} ${stampOf(t, hooks)}\n`);
      return 0;
    }
    const wanted: Tool[] = positional.length === 0 ? [...TOOLS] : positional.map((n) => toolByName(n) ?? toolProviding(n)!);
    const unique = wanted.filter((t, i) => wanted.indexOf(t) === i);
    const started = Date.now();
    const ensured = await ensureTools(unique, hooks);
    // One line per name linked, links of multi-call binaries included: callers (verify/tools/tools.ts) look their name up here.
    for (const { tool } of ensured) for (const name of providedNames(tool)) process.stdout.write(`${name}=${linkDir()}/${name}\n`);
    const built = ensured.filter((e) => e.built > 0);
    process.stderr.write(
      `tools: ${ensured.length} tool(s) ready in ${Math.round((Date.now() - started) / 1000)} s; ` +
        `${built.length} built (${built.map((e) => `${e.tool.name} ${e.built} s`).join(', ') || 'none'}), ${ensured.length - built.length} verified from the cache\n`,
    );
    return 0;
  },
);
