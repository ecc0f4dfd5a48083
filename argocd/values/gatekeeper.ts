import { EnvironmentConfig } from '../../config';

/** The values this project sets on the Gatekeeper chart (the version argocd/upstream-components.ts pins). */
export interface GatekeeperValues {
  readonly replicas: number;
  /** Seed Q&A: Ignore, so a Gatekeeper outage never blocks the cluster. */
  readonly validatingWebhookFailurePolicy: 'Ignore';
  /** The namespace-label webhook; the chart's default `Fail` would block namespace changes during an outage. */
  readonly validatingWebhookCheckIgnoreFailurePolicy: 'Ignore';
  readonly mutatingWebhookFailurePolicy: 'Ignore';
}

export function gatekeeperValues(env: EnvironmentConfig): GatekeeperValues {
  return {
    replicas: env.upstream.gatekeeperReplicas,
    validatingWebhookFailurePolicy: 'Ignore',
    validatingWebhookCheckIgnoreFailurePolicy: 'Ignore',
    mutatingWebhookFailurePolicy: 'Ignore',
  };
}
