/**
 * Renovate's own code judging renovate.json, offline: its preset resolution
 * expands `extends`, and its package-rule matcher gives each extracted
 * dependency the config it would be looked up with. Run with the Node of the
 * pinned renovate tool (verify/engines/renovate.ts): argv[2] is Renovate's
 * dist/ folder, stdin `{ config, deps }`, stdout one `{ groupName }` per dep.
 */
import { readFileSync } from 'fs';
import { pathToFileURL } from 'url';

const dist = process.argv[2];
const load = (file) => import(pathToFileURL(`${dist}/${file}`).href);
const { resolveConfigPresets } = await load('config/presets/index.js');
const { applyPackageRules } = await load('util/package-rules/index.js');

const { config, deps } = JSON.parse(readFileSync(0, 'utf8'));
const resolved = await resolveConfigPresets(config);
const packageRules = (resolved.config ?? resolved).packageRules ?? [];
const out = [];
for (const dep of deps) {
  // What Renovate merges before its rules run: the manager and file of the dependency, and its names.
  const applied = await applyPackageRules({ ...dep, packageName: dep.packageName ?? dep.depName, packageRules }, 'pre-lookup');
  out.push({ groupName: applied.groupName ?? null });
}
process.stdout.write(JSON.stringify(out));
