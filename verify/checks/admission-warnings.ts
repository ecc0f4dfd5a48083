/**
 * API server warnings that applying an environment may print, each with the
 * reason it is accepted. The control-plane test fails on any other warning,
 * and on an entry that no longer matches one.
 */
import { NAMESPACES } from '../../lib/namespaces';

export interface AcceptedWarning {
  /** `Kind namespace/name` of the object. */
  readonly object: RegExp;
  readonly warning: RegExp;
  readonly reason: string;
}

export const ACCEPTED_WARNINGS: readonly AcceptedWarning[] = [
  {
    object: /^CustomResourceDefinition cilium(clusterwide)?networkpolicies\.cilium\.io$/,
    warning: /unrecognized format "idn-hostname"/,
    reason:
      "Cilium 1.19.1's own CRD (from the mirror) uses JSON Schema's idn-hostname format, which the API server does not check; it notes it and accepts the CRD",
  },
  {
    object: new RegExp(`^DaemonSet ${NAMESPACES.istio}/istio-cni-node$`),
    warning: /annotations\[container\.apparmor\.security\.beta\.kubernetes\.io\/install-cni\]: deprecated/,
    reason:
      'the Istio 1.29.0 cni chart still sets the AppArmor annotation; Kubernetes 1.35 honours it and suggests the appArmorProfile field, which the chart does not expose',
  },
];
