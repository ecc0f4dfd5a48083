/**
 * Which kinds are cluster-scoped: the render stamps a chart's namespace on
 * every other object (PlatformChart), and Argo CD sets the destination
 * namespace on every other object that has none. The control-plane test holds
 * both lists to what the API server's discovery says of every kind we render.
 */

/** Built-in cluster-scoped kinds of Kubernetes 1.35. */
export const CLUSTER_SCOPED_BUILTIN_KINDS: ReadonlySet<string> = new Set([
  'APIService',
  'CertificateSigningRequest',
  'ClusterRole',
  'ClusterRoleBinding',
  'ClusterTrustBundle',
  'ComponentStatus',
  'CSIDriver',
  'CSINode',
  'CustomResourceDefinition',
  'DeviceClass',
  'FlowSchema',
  'IngressClass',
  'IPAddress',
  'MutatingAdmissionPolicy',
  'MutatingAdmissionPolicyBinding',
  'MutatingWebhookConfiguration',
  'Namespace',
  'Node',
  'PersistentVolume',
  'PriorityClass',
  'PriorityLevelConfiguration',
  'ResourceSlice',
  'RuntimeClass',
  'ServiceCIDR',
  'StorageClass',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ValidatingWebhookConfiguration',
  'VolumeAttachment',
  'VolumeAttributesClass',
]);

/** Cluster-scoped kinds of the CRDs whose objects we render, `Kind.group`: their CRDs say `scope: Cluster`. */
export const CLUSTER_SCOPED_CUSTOM_KINDS: ReadonlySet<string> = new Set([
  'GatewayClass.gateway.networking.k8s.io',
  'ConstraintTemplate.templates.gatekeeper.sh',
]);

/** The group of the CRDs Gatekeeper generates from ConstraintTemplates, every one cluster-scoped. */
export const CONSTRAINTS_GROUP = 'constraints.gatekeeper.sh';

/** Whether objects of this apiVersion and kind are cluster-scoped, by the lists above. */
export function isClusterScopedKind(apiVersion: string, kind: string): boolean {
  const group = apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
  if (group === CONSTRAINTS_GROUP || CLUSTER_SCOPED_CUSTOM_KINDS.has(`${kind}.${group}`)) return true;
  // Kubernetes' own groups: the core group, unqualified groups (`apps`) and `*.k8s.io` (not a CRD group listed above).
  return (group === '' || !group.includes('.') || group.endsWith('.k8s.io')) && CLUSTER_SCOPED_BUILTIN_KINDS.has(kind);
}
