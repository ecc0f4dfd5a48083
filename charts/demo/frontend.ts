// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { WorkloadSettings } from '../../config';
import { IMAGES } from '../../lib/images';
import { PlatformChart } from '../../lib/platform-chart';
import { WorkloadIdentity, selectorLabels, workloadLabels } from '../../lib/labels';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext, tokenlessServiceAccount } from '../../lib/security';

export interface DemoFrontendProps {
  readonly identity: WorkloadIdentity;
  readonly namespace: string;
  readonly settings: WorkloadSettings;
}

/** Seed section 9: the curl client that east-west tests exec into, with its ServiceAccount. */
export class DemoFrontend extends Construct {
  constructor(scope: Construct, id: string, props: DemoFrontendProps) {
    super(scope, id);
    const ns = props.namespace;
    const labels = workloadLabels(props.identity);
    const frontend = props.settings;

    tokenlessServiceAccount(this, props.identity.app, ns, labels);

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: props.identity.app, namespace: ns, labels },
      spec: {
        replicas: frontend.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels(props.identity.app) },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: props.identity.app,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'curl',
                image: PlatformChart.of(this).image(IMAGES.curl, frontend.imageTag),
                imagePullPolicy: 'IfNotPresent',
                // An idle client for `kubectl exec deploy/frontend -- curl ...` (east-west tests).
                command: ['sleep', 'infinity'],
                resources: containerResources(frontend.resources),
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
          },
        },
      },
    });
  }
}
