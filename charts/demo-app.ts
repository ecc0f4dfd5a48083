import { Chart } from 'cdk8s';
// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { DemoSettings } from '../config';
import { IMAGES, imageRef } from '../lib/images';
import { selectorLabels, workloadLabels, WorkloadIdentity } from '../lib/labels';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../lib/security';

export interface DemoAppProps {
  readonly env: string;
  readonly team: string;
  readonly domain: string;
  readonly namespace: string;
  readonly settings: DemoSettings;
  readonly registry?: string;
  /** Priority class of the backend; must exist in the platform chart. */
  readonly backendPriorityClass: string;
  /** The Kong proxy Service that north-south traffic goes through (`<name>.<namespace>`). */
  readonly kongProxy: { readonly name: string; readonly namespace: string; readonly port: number };
}

/** Where the backend listens: an unprivileged port, so it runs as non-root. */
export const BACKEND_CONTAINER_PORT = 8080;
export const BACKEND_SERVICE_PORT = 80;

/**
 * Seed sections 9 and 11: httpbin backend, curl frontend, the backend
 * Service and the load generator. Every workload passes the four
 * Gatekeeper rules: labels, non-root, not privileged, resource limits.
 */
export class DemoApp extends Chart {
  /** Selector of the backend pods; the PDB and policies select the same labels. */
  public readonly backendSelector: Record<string, string>;

  constructor(scope: Construct, id: string, props: DemoAppProps) {
    super(scope, id);
    const ns = props.namespace;
    const identity = (app: string): WorkloadIdentity => ({ app, env: props.env, team: props.team });
    const { backend, frontend, loadGenerator } = props.settings;
    this.backendSelector = selectorLabels('backend');

    new k8s.KubeServiceAccount(this, 'backend-sa', {
      metadata: { name: 'backend', namespace: ns, labels: workloadLabels(identity('backend')) },
      automountServiceAccountToken: false,
    });
    new k8s.KubeServiceAccount(this, 'frontend-sa', {
      metadata: { name: 'frontend', namespace: ns, labels: workloadLabels(identity('frontend')) },
      automountServiceAccountToken: false,
    });

    const probe = (initialDelaySeconds: number): k8s.Probe => ({
      httpGet: { path: '/status/200', port: k8s.IntOrString.fromString('http') },
      initialDelaySeconds,
      periodSeconds: 10,
      timeoutSeconds: 2,
      failureThreshold: 3,
    });

    new k8s.KubeDeployment(this, 'backend', {
      metadata: { name: 'backend', namespace: ns, labels: workloadLabels(identity('backend')) },
      spec: {
        replicas: backend.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: this.backendSelector },
        // Never drop below the desired count during a rollout; the PDB guards drains.
        strategy: {
          type: 'RollingUpdate',
          rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) },
        },
        template: {
          metadata: { labels: workloadLabels(identity('backend')) },
          spec: {
            serviceAccountName: 'backend',
            automountServiceAccountToken: false,
            priorityClassName: props.backendPriorityClass,
            securityContext: restrictedPodSecurityContext(),
            // Spread replicas so a single node drain exercises the PDB (seed lab 8-2).
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [
                  { weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: this.backendSelector } } },
                ],
              },
            },
            topologySpreadConstraints: [
              {
                maxSkew: 1,
                topologyKey: 'kubernetes.io/hostname',
                whenUnsatisfiable: 'ScheduleAnyway',
                labelSelector: { matchLabels: this.backendSelector },
              },
            ],
            containers: [
              {
                name: 'httpbin',
                image: imageRef(IMAGES.httpbin, backend.imageTag, props.registry),
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

    new k8s.KubeService(this, 'backend-service', {
      metadata: { name: 'backend', namespace: ns, labels: workloadLabels(identity('backend')) },
      spec: {
        type: 'ClusterIP',
        selector: this.backendSelector,
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

    new k8s.KubeDeployment(this, 'frontend', {
      metadata: { name: 'frontend', namespace: ns, labels: workloadLabels(identity('frontend')) },
      spec: {
        replicas: frontend.replicas,
        revisionHistoryLimit: 5,
        selector: { matchLabels: selectorLabels('frontend') },
        template: {
          metadata: { labels: workloadLabels(identity('frontend')) },
          spec: {
            serviceAccountName: 'frontend',
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            terminationGracePeriodSeconds: 5,
            containers: [
              {
                name: 'curl',
                image: imageRef(IMAGES.curl, frontend.imageTag, props.registry),
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

    if (loadGenerator.enabled) {
      const kong = props.kongProxy;
      new k8s.KubeJob(this, 'load-generator', {
        metadata: {
          name: 'load-generator',
          namespace: ns,
          labels: workloadLabels(identity('load-generator')),
          annotations: {
            // A hook re-runs the traffic after every sync and sidesteps the Job's immutable template.
            'argocd.argoproj.io/hook': 'PostSync',
            'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
          },
        },
        spec: {
          backoffLimit: 1,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels: workloadLabels(identity('load-generator')) },
            spec: {
              restartPolicy: 'Never',
              // Calls east-west as the frontend tier, the identity the mesh policy admits.
              serviceAccountName: 'frontend',
              automountServiceAccountToken: false,
              securityContext: restrictedPodSecurityContext(),
              containers: [
                {
                  name: 'load-generator',
                  image: imageRef(IMAGES.curl, loadGenerator.imageTag, props.registry),
                  imagePullPolicy: 'IfNotPresent',
                  env: [
                    { name: 'EAST_WEST_URL', value: `http://backend.${ns}.svc:${BACKEND_SERVICE_PORT}/get` },
                    { name: 'EAST_WEST_REQUESTS', value: String(loadGenerator.eastWestRequests) },
                    { name: 'NORTH_SOUTH_URL', value: `http://${kong.name}.${kong.namespace}.svc:${kong.port}/get` },
                    { name: 'NORTH_SOUTH_HOST', value: `api.${props.domain}` },
                    { name: 'NORTH_SOUTH_REQUESTS', value: String(loadGenerator.northSouthRequests) },
                  ],
                  command: ['/bin/sh', '-c', LOAD_GENERATOR_SCRIPT],
                  resources: containerResources(loadGenerator.resources),
                  securityContext: restrictedContainerSecurityContext(),
                },
              ],
            },
          },
        },
      });
    }
  }
}

/** Seed section 9: E-W calls straight to the backend, N-S calls through Kong by Host header. */
const LOAD_GENERATOR_SCRIPT = `set -u
failed=0
i=1
while [ "$i" -le "$EAST_WEST_REQUESTS" ]; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$EAST_WEST_URL") || true
  echo "E-W #$i: HTTP $code"
  [ "$code" = "200" ] || failed=$((failed + 1))
  i=$((i + 1))
done
i=1
while [ "$i" -le "$NORTH_SOUTH_REQUESTS" ]; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $NORTH_SOUTH_HOST" "$NORTH_SOUTH_URL") || true
  echo "N-S #$i: HTTP $code"
  [ "$code" = "200" ] || failed=$((failed + 1))
  i=$((i + 1))
done
echo "load-generator: $failed of $((EAST_WEST_REQUESTS + NORTH_SOUTH_REQUESTS)) requests failed"
[ "$failed" -eq 0 ]
`;
