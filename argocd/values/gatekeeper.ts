import { EnvironmentConfig } from '../../config';
import { mirroredRepository } from '../../lib/images';

/** Gatekeeper 3.21.1 chart values. */
export interface GatekeeperValues {
  readonly replicas: number;
  /** Seed Q&A: Ignore, so a Gatekeeper outage never blocks the cluster. */
  readonly validatingWebhookFailurePolicy: 'Ignore' | 'Fail';
  readonly image?: { readonly repository: string; readonly crdRepository: string };
  readonly postInstall?: { readonly labelNamespace: { readonly image: { readonly repository: string } } };
}

export function gatekeeperValues(env: EnvironmentConfig): GatekeeperValues {
  return {
    replicas: env.upstream.gatekeeperReplicas,
    validatingWebhookFailurePolicy: 'Ignore',
    ...(env.registry
      ? {
          image: {
            repository: mirroredRepository('docker.io/openpolicyagent/gatekeeper', env.registry),
            crdRepository: mirroredRepository('docker.io/openpolicyagent/gatekeeper-crds', env.registry),
          },
        }
      : {}),
  };
}
