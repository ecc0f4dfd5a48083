import { EnvironmentConfig } from '../../config';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as YAML from 'yaml';
import { manifestFiles } from './schema-validation';

/**
 * kube-score over our rendered workloads, compared with the reviewed list
 * of accepted findings. Anything new fails; so does an exception that no
 * longer matches anything, so the list cannot rot.
 */
export interface Finding {
  readonly env: string;
  readonly check: string;
  /** `Kind namespace/name`. */
  readonly object: string;
  readonly summary: string;
}

export interface AcceptedFinding {
  readonly check: string;
  readonly object: string;
  /**
   * The setting that makes the finding acceptable, as a dotted path into the
   * environment config (`features.light`), `!` for its negation; every
   * environment when absent. Never a list of names: a new environment gets the
   * same judgement as the ones like it.
   */
  readonly when?: string;
  readonly reason: string;
}

/** Whether `when` holds for `env`; an unknown path is an error, not a silent false. */
export function holds(when: string | undefined, env: EnvironmentConfig): boolean {
  if (when === undefined) return true;
  const negated = when.startsWith('!');
  // `path` (true), `!path` (false), or `path=value` (a setting that is a name, such as who applies a policy).
  const [setting, expected] = (negated ? when.slice(1) : when).split('=');
  let value: unknown = env;
  for (const key of setting.split('.')) {
    if (!value || typeof value !== 'object' || !(key in value))
      throw new Error(`security exceptions: when: ${when} is not a setting of EnvironmentConfig`);
    value = (value as Record<string, unknown>)[key];
  }
  const held = expected === undefined ? !!value : String(value) === expected;
  return negated ? !held : held;
}

export function scanEnvironment(kubeScore: string, env: string, files: readonly string[]): Finding[] {
  const result = spawnSync(kubeScore, ['score', '--output-format', 'json', ...files], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (!result.stdout) throw new Error(`kube-score produced no output: ${result.stderr}`);
  const report = JSON.parse(result.stdout) as Array<{
    type_meta: { kind: string };
    object_meta: { name: string; namespace?: string };
    checks: Array<{ check: { id: string }; grade: number; skipped: boolean; comments: Array<{ summary: string; path?: string }> | null }>;
  }>;
  const findings: Finding[] = [];
  for (const object of report) {
    for (const c of object.checks) {
      // Grade 10 is "all OK"; 5 is a warning, 1 is critical.
      if (c.skipped || c.grade >= 10) continue;
      findings.push({
        env,
        check: c.check.id,
        object: `${object.type_meta.kind} ${object.object_meta.namespace ?? ''}/${object.object_meta.name}`,
        summary: (c.comments ?? []).map((x) => x.summary).join('; '),
      });
    }
  }
  return findings.sort((a, b) => `${a.object} ${a.check}`.localeCompare(`${b.object} ${b.check}`));
}

/**
 * checkov's Kubernetes checks over one rendered environment folder. Its
 * resource ids read `Kind.namespace.name`; the object is named as kube-score's are.
 */
export function checkovEnvironment(checkov: string, env: string, dir: string): Finding[] {
  const result = spawnSync(
    checkov,
    ['--directory', dir, '--framework', 'kubernetes', '--quiet', '--compact', '--output', 'json', '--skip-download'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (!result.stdout) throw new Error(`checkov produced no output: ${result.stderr.trim().split('\n').pop()}`);
  const parsed = JSON.parse(result.stdout) as CheckovReport | CheckovReport[];
  const reports = Array.isArray(parsed) ? parsed : [parsed];
  const findings: Finding[] = [];
  for (const report of reports) {
    for (const f of report.results?.failed_checks ?? []) {
      const [kind, namespace, name] = f.resource.split('.');
      findings.push({ env, check: f.check_id, object: `${kind} ${namespace ?? ''}/${name ?? ''}`, summary: f.check_name });
    }
  }
  return findings.sort((a, b) => `${a.object} ${a.check}`.localeCompare(`${b.object} ${b.check}`));
}

interface CheckovReport {
  readonly results?: {
    readonly failed_checks?: ReadonlyArray<{ readonly check_id: string; readonly check_name: string; readonly resource: string }>;
  };
}

/** `Kind namespace/name` of every object rendered into a dist/<env> folder, as findings name them. */
export function renderedObjects(dir: string): Set<string> {
  const out = new Set<string>();
  for (const file of manifestFiles(dir)) {
    const o = YAML.parse(fs.readFileSync(file, 'utf8')) as { kind?: string; metadata?: { name?: string; namespace?: string } };
    if (o?.kind) out.add(`${o.kind} ${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`);
  }
  return out;
}

export function loadAcceptedFindings(file: string): AcceptedFinding[] {
  const entries = YAML.parse(fs.readFileSync(file, 'utf8')) as AcceptedFinding[];
  for (const e of entries) {
    if (!e.check || !e.object || !e.reason || e.reason.trim().length < 20) {
      throw new Error(`${file}: every entry needs check, object and a real reason (got ${JSON.stringify(e)})`);
    }
  }
  return entries;
}

/**
 * Findings no entry accepts, and entries that accept nothing in the environments where they hold.
 * `renders` says whether an environment has the entry's object at all (the load generator is not
 * in prod); an entry is only stale where its object exists.
 */
export function compareWithAccepted(
  findings: readonly Finding[],
  accepted: readonly AcceptedFinding[],
  envs: readonly EnvironmentConfig[],
  renders: (env: string, object: string) => boolean = () => true,
) {
  const byName = new Map(envs.map((e) => [e.name, e]));
  const covers = (a: AcceptedFinding, f: Finding) =>
    a.check === f.check && a.object === f.object && byName.has(f.env) && holds(a.when, byName.get(f.env)!);
  const unlisted = findings.filter((f) => !accepted.some((a) => covers(a, f)));
  const stale = accepted.filter((a) => envs.some((e) => holds(a.when, e) && renders(e.name, a.object)) && !findings.some((f) => covers(a, f)));
  return { unlisted, stale };
}
