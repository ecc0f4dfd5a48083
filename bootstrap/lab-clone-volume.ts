// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { LocalClone } from '../config';

/** The PersistentVolume of the lab's clone (cluster-scoped, so named after the project). */
export const LAB_CLONE_VOLUME = 'kind-parity-platform-clone';

export interface LabCloneVolumeProps {
  readonly clone: LocalClone;
  /** The PersistentVolume's name (cluster-scoped). */
  readonly volumeName: string;
  /** The claim the repo-server mounts, in Argo CD's namespace. */
  readonly claim: { readonly namespace: string; readonly name: string };
}

/**
 * The lab's clone, mounted by Kind into every node, as a read-only
 * PersistentVolume bound to one claim in Argo CD's namespace. Through a claim,
 * the repo-server's pod names no hostPath, so its namespace keeps Pod Security
 * `restricted`. setup.sh applies both before it installs Argo CD.
 */
export class LabCloneVolume extends Construct {
  constructor(scope: Construct, id: string, props: LabCloneVolumeProps) {
    super(scope, id);
    // No storage class on either side: Kind's default class would provision an empty volume instead.
    const size = k8s.Quantity.fromString('1Gi');
    new k8s.KubePersistentVolume(this, 'volume', {
      metadata: { name: props.volumeName },
      spec: {
        capacity: { storage: size },
        accessModes: ['ReadOnlyMany'],
        persistentVolumeReclaimPolicy: 'Retain',
        storageClassName: '',
        hostPath: { path: props.clone.nodePath, type: 'Directory' },
        claimRef: { namespace: props.claim.namespace, name: props.claim.name },
      },
    });
    new k8s.KubePersistentVolumeClaim(this, 'claim', {
      metadata: { name: props.claim.name, namespace: props.claim.namespace },
      spec: {
        accessModes: ['ReadOnlyMany'],
        storageClassName: '',
        volumeName: props.volumeName,
        resources: { requests: { storage: size } },
      },
    });
  }
}
