import { EnvironmentConfig, LocalClone } from '../../config';

/** The values this project sets on the Argo CD chart (the version ARGOCD pins). */
export interface ArgoCdValues {
  readonly configs: {
    readonly params: { readonly 'server.insecure': boolean };
    readonly cm: Readonly<Record<string, string>>;
  };
  readonly server: { readonly replicas: number };
  /** More than one shards the managed clusters; with the one in-cluster cluster, the second replica stands by. */
  readonly controller: { readonly replicas: number };
  readonly repoServer: {
    readonly replicas: number;
    /** The lab's clone (GitSource.localClone), through its PersistentVolumeClaim; absent elsewhere. */
    readonly volumes?: ReadonlyArray<{
      readonly name: string;
      readonly persistentVolumeClaim: { readonly claimName: string; readonly readOnly: true };
    }>;
    readonly volumeMounts?: ReadonlyArray<{ readonly name: string; readonly mountPath: string; readonly readOnly: true }>;
    readonly env?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
  };
  readonly applicationSet: { readonly replicas: number };
}

/**
 * Argo CD 1.8 removed the health check of Application resources, so an
 * App-of-Apps would not wait for one wave before starting the next. This
 * restores it (Argo CD docs, "App of Apps" sync waves).
 */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

/** The PersistentVolumeClaim through which the repo-server reads the lab's clone (bootstrap/lab-clone-volume.ts). */
export const LAB_CLONE_CLAIM = 'lab-clone';

/**
 * The repo-server reads the clone at the path Kind mounts it. The clone belongs to
 * the user who runs setup.sh, not to the repo-server's uid, so git is told that this
 * one directory is safe (command-scope config, which git honours for safe.directory).
 */
function labCloneMount(clone: LocalClone): Pick<ArgoCdValues['repoServer'], 'volumes' | 'volumeMounts' | 'env'> {
  return {
    volumes: [{ name: LAB_CLONE_CLAIM, persistentVolumeClaim: { claimName: LAB_CLONE_CLAIM, readOnly: true } }],
    volumeMounts: [{ name: LAB_CLONE_CLAIM, mountPath: clone.nodePath, readOnly: true }],
    env: [
      { name: 'GIT_CONFIG_COUNT', value: '1' },
      { name: 'GIT_CONFIG_KEY_0', value: 'safe.directory' },
      { name: 'GIT_CONFIG_VALUE_0', value: clone.nodePath },
    ],
  };
}

export function argocdValues(env: EnvironmentConfig): ArgoCdValues {
  const replicas = env.upstream.argocdReplicas;
  return {
    configs: {
      // TLS terminates at the Kong Gateway; the server behind it speaks plain HTTP.
      params: { 'server.insecure': env.upstream.argocdServerInsecure },
      cm: {
        'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
        'timeout.reconciliation': env.upstream.argocdReconciliationTimeout,
        // Without the local admin, logins go through SSO (dex.config or oidc.config, which name no secret in git).
        'admin.enabled': String(env.security.exposure.argocdAdminAccount),
      },
    },
    server: { replicas },
    controller: { replicas },
    repoServer: { replicas, ...(env.git.localClone ? labCloneMount(env.git.localClone) : {}) },
    applicationSet: { replicas },
  };
}
