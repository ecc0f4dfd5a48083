import { EnvironmentConfig } from '../config';

/** `https://charts.konghq.com/` -> `charts.konghq.com`: the path of a repository under a mirror. */
export const repoFolder = (repoURL: string): string => repoURL.replace(/^[a-z]+:\/\//, '').replace(/\/+$/, '');

/**
 * An upstream repository URL as the environment reaches it: through its
 * mirror when one is set (seed section 12: Harbor serves the charts, an
 * internal git server the repositories), else the public URL.
 */
export function sourceURL(env: EnvironmentConfig, repoURL: string, kind: 'chart' | 'git'): string {
  const mirror = kind === 'chart' ? env.mirrors?.charts : env.mirrors?.git;
  return mirror ? `${mirror.replace(/\/+$/, '')}/${repoFolder(repoURL)}` : repoURL;
}

/** Where a component of ours lives in git: `dist/<env>/<component>`. */
export function distPath(env: EnvironmentConfig, component: string): string {
  return distFolder(env.name, component);
}

/** The same folder by the environment's name, or a template's placeholder for it (the fleet's ApplicationSet). */
export const distFolder = (envName: string, component: string): string => `dist/${envName}/${component}`;
