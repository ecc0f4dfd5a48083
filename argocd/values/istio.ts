import { EnvironmentConfig } from '../../config';
import { mirroredRepository } from '../../lib/images';

/** Values shared by the Istio 1.29.0 charts (base, istiod, cni, ztunnel). */
export interface IstioGlobalValues {
  readonly global?: { readonly hub: string };
}

export interface IstioBaseValues extends IstioGlobalValues {
  readonly defaultRevision: string;
}

export interface IstiodValues extends IstioGlobalValues {
  readonly profile: 'ambient';
  readonly pilot: { readonly replicaCount: number };
}

export interface IstioCniValues extends IstioGlobalValues {
  readonly profile: 'ambient';
}

export interface ZtunnelValues {
  readonly hub?: string;
}

const hub = (env: EnvironmentConfig) => (env.registry ? { global: { hub: mirroredRepository('docker.io/istio', env.registry) } } : {});

export const istioBaseValues = (env: EnvironmentConfig): IstioBaseValues => ({ defaultRevision: 'default', ...hub(env) });
export const istiodValues = (env: EnvironmentConfig): IstiodValues => ({ profile: 'ambient', pilot: { replicaCount: env.features.light ? 1 : 2 }, ...hub(env) });
export const istioCniValues = (env: EnvironmentConfig): IstioCniValues => ({ profile: 'ambient', ...hub(env) });
export const ztunnelValues = (env: EnvironmentConfig): ZtunnelValues => (env.registry ? { hub: mirroredRepository('docker.io/istio', env.registry) } : {});
