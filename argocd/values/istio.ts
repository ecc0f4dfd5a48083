import { EnvironmentConfig } from '../../config';

/**
 * Istio's charts at ISTIO_VERSION (base, istiod, cni, ztunnel). Their values.yaml keeps
 * the defaults under `_internal_defaults_do_not_set`; users set the same keys
 * at the top level.
 */
export interface IstioBaseValues {
  readonly defaultRevision: string;
}

export interface IstiodValues {
  readonly profile: 'ambient';
  /** The 1.29 chart reads `replicaCount` at the top level (not `pilot.replicaCount`). */
  readonly replicaCount: number;
  /** Off: a fixed replica count per environment instead of an HPA with minimum 1. */
  readonly autoscaleEnabled: boolean;
}

export interface IstioCniValues {
  readonly profile: 'ambient';
}

export type ZtunnelValues = Record<string, never>;

export const istioBaseValues = (): IstioBaseValues => ({ defaultRevision: 'default' });
export const istiodValues = (env: EnvironmentConfig): IstiodValues => ({
  profile: 'ambient',
  replicaCount: env.upstream.istiodReplicas,
  autoscaleEnabled: false,
});
export const istioCniValues = (): IstioCniValues => ({ profile: 'ambient' });
export const ztunnelValues = (): ZtunnelValues => ({});
