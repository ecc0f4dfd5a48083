import * as fs from 'fs';
import * as path from 'path';
import { Override } from '../../config/define';
import { EnvironmentConfig } from '../../config';
import { DEMO_APP_CHART } from '../../seed-lab';
import { SEED_2_3_POLICY_FILE } from '../exercises/seed-manifests';
import { Exercise, Step } from '../exercises/types';

/**
 * Seeded breaks of the seed's exercises: for each, a change under which the
 * exercise must fail, so that its passing run means something. Most are
 * config changes pushed through git, as a regression would arrive; the rest
 * commit a broken file into the lab's clone (a chart, a policy file the reader
 * applies), change what the exercise is given (its route's host), or flip one
 * of the catalog's own expectations, which the engines must then contradict.
 */
export interface ExerciseBreak {
  readonly ids: readonly string[];
  /** In a line: what is broken. */
  readonly what: string;
  /** Pushed before the broken run, reverted after. */
  readonly config?: Override<EnvironmentConfig>;
  /** Files written into the lab's clone (path inside it -> content, from the clone as it is), committed with the config, removed after. */
  readonly intoClone?: (work: string) => Readonly<Record<string, string>>;
  /** Parameters the broken run gets instead. */
  readonly params?: Readonly<Record<string, string>>;
  /** The exercise as the broken run gets it. */
  readonly exercise?: (exercise: Exercise) => Exercise;
}

/** Where broken copies go in the clone: never a path the project renders. */
const BROKEN = 'lab/broken';

/** Every file of a folder of the clone, path inside the clone -> content, each passed through `edit`. */
function copied(work: string, from: string, to: string, edit: (file: string, text: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(path.join(work, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(rel);
      else out[path.join(to, path.relative(from, rel))] = edit(rel, fs.readFileSync(path.join(work, rel), 'utf8'));
    }
  };
  walk(from);
  return out;
}

/** `text` with `pattern` replaced; a break whose edit no longer matches would break nothing, so it stops the run. */
function edited(text: string, pattern: string | RegExp, replacement: string, where: string): string {
  const out = text.replace(pattern, replacement);
  if (out === text) throw new Error(`seeded break: ${where} has no ${String(pattern)} to break: update the break to the file`);
  return out;
}

/** One step of an exercise with its expectation turned around: the catalog contradicting what decides it. */
const flipped =
  (says: RegExp) =>
  (exercise: Exercise): Exercise => {
    const flip = (s: Step): Step => ({ ...s, expect: s.expect === 'succeeds' ? 'fails' : 'succeeds', refusal: undefined });
    const steps = exercise.steps.map((s) => (says.test(s.says) ? flip(s) : s));
    if (steps.every((s, i) => s === exercise.steps[i])) throw new Error(`${exercise.id}: no step says ${says}`);
    return { ...exercise, steps };
  };

export const EXERCISE_BREAKS: readonly ExerciseBreak[] = [
  {
    ids: ['2-1'],
    what: "security.backendPolicies synced by Argo CD: the backend is closed from the start, so seed 2-1's test pod never reaches it",
    config: { security: { backendPolicies: { appliedBy: 'argocd', why: 'a seeded break of the e2e' } } },
  },
  {
    // 14, not 2-1: 2-1's run shares the config break above, which fails it earlier.
    ids: ['14'],
    what: "a catalog expectation that contradicts Cilium: a call the policy allows, expected to fail (the engines' verdict must fail it)",
    exercise: flipped(/^frontend -> Kong with the API host/),
  },
  {
    ids: ['2-3'],
    what: 'the L7 policy file lets the frontend POST /post: the proxy admits it',
    intoClone: (work) => ({
      [`${BROKEN}/backend-l7-policy.yaml`]: edited(
        fs.readFileSync(path.join(work, SEED_2_3_POLICY_FILE), 'utf8'),
        /- method: GET\n(\s+)path: \/get\n/,
        '- method: GET|POST\n$1path: /get|/post\n',
        SEED_2_3_POLICY_FILE,
      ),
    }),
    params: { HTTP_POLICY_FILE: `${BROKEN}/backend-l7-policy.yaml` },
  },
  {
    ids: ['3-2'],
    what: 'security.exposure.unauthenticatedUis off: no hubble-ui route',
    config: { security: { exposure: { unauthenticatedUis: false } } },
  },
  {
    ids: ['5-1', '5-2', '11-4'],
    what: "security.defaultProject locked: Argo CD refuses the seed's Applications",
    config: { security: { defaultProject: { admits: 'nothing', why: 'a seeded break of the e2e' } } },
  },
  {
    ids: ['6-1', '6-2'],
    what: 'security.enforcementActions.denyPrivileged dryrun: privileged pods pass',
    config: { security: { enforcementActions: { denyPrivileged: 'dryrun' } } },
  },
  {
    ids: ['8-1'],
    what: 'platform.quota.requestsCpu 64: the quota never runs out',
    config: { platform: { quota: { requestsCpu: '64', limitsCpu: '128' } } },
  },
  { ids: ['8-2'], what: 'platform.backendPdbMinAvailable 0: the PDB keeps nothing', config: { platform: { backendPdbMinAvailable: 0 } } },
  {
    ids: ['7-1', '7-2'],
    what: 'observability.gatewayTraces off: Kong traces no route',
    config: { observability: { gatewayTraces: false } },
  },
  { ids: ['3-1'], what: 'a route host the HTTPRoute schema refuses', params: { DOMAIN: 'Not_A.Host' } },
  {
    ids: ['4-1'],
    what: "security.handEdits reverts: selfHeal puts the ambient label back before the reader's curl",
    config: { security: { handEdits: { argocd: 'reverts', why: 'a seeded break of the e2e' } } },
  },
  {
    ids: ['11-1', '11-2', '11-3'],
    what: 'a chart template Helm cannot parse',
    intoClone: (work) =>
      copied(work, DEMO_APP_CHART.path, `${BROKEN}/unparsable/demo-app`, (file, text) =>
        file.endsWith('backend-deployment.yaml') ? edited(text, '{{ .Values.backend.replicas }}', '{{ .Values.backend.replicas', file) : text,
      ),
    params: { CHART_DIR: `${BROKEN}/unparsable/demo-app` },
  },
  {
    ids: ['11-2', '11-4'],
    what: "the chart as it was: its load generator calls backend.demo.svc from the release's namespace, which the mesh refuses (plaintext to STRICT)",
    intoClone: (work) =>
      copied(work, DEMO_APP_CHART.path, `${BROKEN}/cross-namespace/demo-app`, (_, text) =>
        text.replaceAll('.{{ .Release.Namespace }}.svc', '.demo.svc'),
      ),
    params: { CHART_DIR: `${BROKEN}/cross-namespace/demo-app` },
  },
];
