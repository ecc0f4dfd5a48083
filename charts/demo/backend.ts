// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { WorkloadSettings } from '../../config';
import { IMAGES } from '../../lib/images';
import { PlatformChart } from '../../lib/platform-chart';
import { WorkloadIdentity, selectorLabels, workloadLabels } from '../../lib/labels';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext, tokenlessServiceAccount } from '../../lib/security';
import { BACKEND_CONTAINER_PORT, BACKEND_SERVICE_PORT } from '../../lib/traffic';

export interface DemoBackendProps {
  readonly identity: WorkloadIdentity;
  readonly namespace: string;
  readonly settings: WorkloadSettings;
  /** Priority class of the backend; must exist in the platform chart. */
  readonly priorityClass: string;
}

/** Seed section 9: the httpbin backend, its ServiceAccount and its Service. */
export class DemoBackend extends Construct {
  /** Selector of the backend pods; the PDB and policies select the same labels. */
  public readonly selector: Record<string, string>;

  constructor(scope: Construct, id: string, props: DemoBackendProps) {
    super(scope, id);
    const ns = props.namespace;
    const labels = workloadLabels(props.identity);
    const backend = props.settings;
    this.selector = selectorLabels(props.identity.app);

    tokenlessServiceAccount(this, props.identity.app, ns, labels);

    const probe = (initialDelaySeconds: number): k8s.Probe => ({
      httpGet: { path: '/status/200', port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });

    new k8s.KubeDeployment(this, 'deployment', {
      metadata: { name: props.identity.app, namespace: ns, labels },
      spec: {
        replicas: backend.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.selector },
        // Never drop below the desired count during a rollout; the PDB guards drains.
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: props.identity.app,
            automountServiceAccountToken: false,
            priorityClassName: props.priorityClass,
            securityContext: restrictedPodSecurityContext(),
            // Spread replicas so a single node drain exercises the PDB (seed lab 8-2).
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: this.selector } } },
                ],
              },
            },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: this.selector },
              },
            ],
            containers: [
              {
                name: 'httpbin',
                image: PlatformChart.of(this).image(IMAGES.httpbin, backend.imageTag),
                imagePullPolicy: 'IfNotPresent',
                env: [{ name: 'PORT', value: String(BACKEND_CONTAINER_PORT) }],
                ports: [{ name: 'http', containerPort: BACKEND_CONTAINER_PORT, protocol: 'TCP' }],
                readinessProbe: probe(5),
                livenessProbe: probe(10),
                resources: containerResources(backend.resources),
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
          },
        },
      },
    });

    new k8s.KubeService(this, 'service', {
      metadata: { name: props.identity.app, namespace: ns, labels },
      spec: {
        type: 'ClusterIP',
        selector: this.selector,
        ports: [
          {
            name: 'http',
            port: BACKEND_SERVICE_PORT,
            targetPort: k8s.IntOrString.fromString('http'),
            protocol: 'TCP',
            appProtocol: 'http',
          },
        ],
      },
    });
  }
}
