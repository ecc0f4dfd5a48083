import * as fs from 'fs';
import * as path from 'path';
import { Override } from '../../config/define';
import { EnvironmentConfig } from '../../config';
import { Exercise } from '../exercises/types';

/**
 * Seeded breaks of the seed's exercises: for each, a change under which the
 * exercise must fail, so that its passing run means something. Most are
 * config changes pushed through git, as a regression would arrive; the rest
 * change what the exercise is given (its chart, its route's host) or drop the
 * README's pause from it.
 */
export interface ExerciseBreak {
  readonly ids: readonly string[];
  /** In a line: what is broken. */
  readonly what: string;
  /** Pushed before the broken run, reverted after. */
  readonly config?: Override<EnvironmentConfig>;
  /** Parameters the broken run gets instead. */
  /** Parameters the broken run gets instead, given the lab's folder (its clone is `work/`, never written here: a push would commit it). */
  readonly params?: (labRoot: string) => Record<string, string>;
  /** The exercise as the broken run gets it. */
  readonly exercise?: (exercise: Exercise) => Exercise;
}

/** The demo-app chart with a template Helm cannot parse (11-1 to 11-3). */
function brokenChart(labRoot: string): string {
  const copy = path.join(labRoot, 'broken-chart', 'demo-app');
  fs.rmSync(copy, { recursive: true, force: true });
  fs.cpSync(path.join(labRoot, 'work', 'helm', 'demo-app'), copy, { recursive: true });
  const file = path.join(copy, 'templates', 'backend-deployment.yaml');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('{{ .Values.backend.replicas }}', '{{ .Values.backend.replicas'));
  return copy;
}

export const EXERCISE_BREAKS: readonly ExerciseBreak[] = [
  { ids: ['2-1', '14'], what: 'security.backendL3L4Policy off: no backend-allow-frontend-only', config: { security: { backendL3L4Policy: false } } },
  { ids: ['2-3'], what: 'security.backendL7Policy off: no backend-l7-http-policy', config: { security: { backendL7Policy: false } } },
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
  { ids: ['3-1'], what: 'a route host the HTTPRoute schema refuses', params: () => ({ DOMAIN: 'Not_A.Host' }) },
  {
    ids: ['4-1'],
    what: "the README's pause left out: selfHeal puts the ambient label back",
    exercise: (e) => ({ ...e, steps: e.steps.filter((s) => !/^(pause|resume)|sync policy|selfHeal back/.test(s.says)) }),
  },
  { ids: ['11-1', '11-2', '11-3'], what: 'a chart template Helm cannot parse', params: (labRoot) => ({ CHART_DIR: brokenChart(labRoot) }) },
];
