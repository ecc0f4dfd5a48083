import { PROJECT_NAME } from '../config/project';

/** Labels every object carries, so `kubectl get -l` and cost reports can find them. */
export const PART_OF = PROJECT_NAME;

/** The labels every object of an environment carries: which environment, and that it is ours. */
export function platformLabels(env: string): Record<string, string> {
  return { env, 'app.kubernetes.io/part-of': PART_OF };
}

export interface WorkloadIdentity {
  /** The `app` label, also the selector key. */
  readonly app: string;
  readonly env: string;
  readonly team: string;
}

/** The three labels the K8sRequireLabels policy demands, plus the recommended ones. */
export function workloadLabels(id: WorkloadIdentity): Record<string, string> {
  return {
    app: id.app,
    env: id.env,
    team: id.team,
    'app.kubernetes.io/name': id.app,
    ...platformLabels(id.env),
  };
}

/** Selector labels stay minimal: they are immutable on Deployments. */
export function selectorLabels(app: string): Record<string, string> {
  return { app };
}
