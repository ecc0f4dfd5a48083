import { EnvironmentConfig } from '../config';
import { KONG_NODE_PORTS } from '../argocd/values/kong';

/** The subset of Kind's `kind.x-k8s.io/v1alpha4` Cluster config this lab uses. */
export interface KindClusterConfig {
  readonly kind: 'Cluster';
  readonly apiVersion: 'kind.x-k8s.io/v1alpha4';
  readonly name: string;
  readonly networking: { readonly disableDefaultCNI: boolean; readonly kubeProxyMode: 'none' | 'iptables' | 'ipvs' | 'nftables' };
  readonly nodes: readonly KindNode[];
}

export interface KindNode {
  readonly role: 'control-plane' | 'worker';
  readonly image: string;
  /** A relative hostPath is resolved against the folder kind runs in (kind's provider code, filepath.Abs); setup.sh runs it from the clone. */
  readonly extraMounts?: ReadonlyArray<{ readonly hostPath: string; readonly containerPath: string; readonly readOnly: boolean }>;
  readonly extraPortMappings?: ReadonlyArray<{
    readonly containerPort: number;
    readonly hostPort: number;
    readonly listenAddress: string;
    readonly protocol: 'TCP';
  }>;
}

/**
 * Seed step 1: no kube-proxy and no default CNI (Cilium replaces both), and
 * fix #6: host ports 80/443 land on Kong's NodePorts 30080/30443. Kind
 * listens on every interface by default; the lab answers this machine only,
 * on its own loopback address (cluster.hostAddress), so labs run side by side.
 */
/** The clone setup.sh runs from: kind runs there, so `.` is the clone. */
export const CLONE_HOST_PATH = '.';

export function kindConfig(env: EnvironmentConfig): KindClusterConfig {
  const clone = env.git.localClone;
  // Every node: the repo-server may be scheduled on any of them.
  const mounts = clone ? { extraMounts: [{ hostPath: CLONE_HOST_PATH, containerPath: clone.nodePath, readOnly: true }] } : {};
  const node = (role: KindNode['role']): KindNode => ({ role, image: env.cluster.nodeImage, ...mounts });
  const listenAddress = env.cluster.hostAddress;
  return {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: env.cluster.name,
    networking: { disableDefaultCNI: true, kubeProxyMode: 'none' },
    nodes: [
      {
        ...node('control-plane'),
        extraPortMappings: [
          { containerPort: KONG_NODE_PORTS.http, hostPort: 80, listenAddress, protocol: 'TCP' },
          { containerPort: KONG_NODE_PORTS.https, hostPort: 443, listenAddress, protocol: 'TCP' },
          ...(env.security.exposure.unauthenticatedUis
            ? [{ containerPort: KONG_NODE_PORTS.manager, hostPort: KONG_NODE_PORTS.manager, listenAddress, protocol: 'TCP' as const }]
            : []),
        ],
      },
      ...Array.from({ length: env.cluster.workers }, () => node('worker')),
    ],
  };
}
