// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { LoadGeneratorSettings } from '../../config';
import { IMAGES } from '../../lib/images';
import { PlatformChart } from '../../lib/platform-chart';
import { WorkloadIdentity, workloadLabels } from '../../lib/labels';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../../lib/security';

export interface LoadGeneratorProps {
  readonly identity: WorkloadIdentity;
  readonly namespace: string;
  readonly settings: LoadGeneratorSettings;
  /** The ServiceAccount it calls as: the frontend tier's, which the mesh policy admits. */
  readonly serviceAccount: string;
  /** East-west target: the backend Service and port. */
  readonly backend: { readonly name: string; readonly port: number };
  /** The Kong proxy Service that north-south traffic goes through (`<name>.<namespace>`). */
  readonly kongProxy: { readonly name: string; readonly namespace: string; readonly port: number };
  /** Host header of the north-south calls: the API route's host. */
  readonly northSouthHost: string;
}

/** Seed section 9: synthetic traffic after every sync, east-west and through Kong. */
export class LoadGenerator extends Construct {
  constructor(scope: Construct, id: string, props: LoadGeneratorProps) {
    super(scope, id);
    const ns = props.namespace;
    const labels = workloadLabels(props.identity);
    const loadGenerator = props.settings;
    const kong = props.kongProxy;
    new k8s.KubeJob(this, 'job', {
      metadata: {
        name: props.identity.app,
        namespace: ns,
        labels,
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
          metadata: { labels },
          spec: {
            restartPolicy: 'Never',
            // Calls east-west as the frontend tier, the identity the mesh policy admits.
            serviceAccountName: props.serviceAccount,
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            containers: [
              {
                name: 'load-generator',
                image: PlatformChart.of(this).image(IMAGES.curl, loadGenerator.imageTag),
                imagePullPolicy: 'IfNotPresent',
                env: [
                  { name: 'EAST_WEST_URL', value: `http://${props.backend.name}.${ns}.svc:${props.backend.port}/get` },
                  { name: 'EAST_WEST_REQUESTS', value: String(loadGenerator.eastWestRequests) },
                  { name: 'NORTH_SOUTH_URL', value: `http://${kong.name}.${kong.namespace}.svc:${kong.port}/get` },
                  { name: 'NORTH_SOUTH_HOST', value: props.northSouthHost },
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

/**
 * Seed section 9: E-W calls straight to the backend, N-S calls through Kong by Host header. Each N-S call starts
 * a W3C trace (Kong's tracing plugin extracts it and continues the trace to Tempo), and its log line begins with
 * `[<trace id>,<span id>]`, the form Grafana's derived field reads (seed 7-6, TRACE_ID_REGEX): "Logs for this span"
 * and the log line's link to Tempo find each other. E-W calls reach the uninstrumented backend alone: no trace.
 */
export const LOAD_GENERATOR_SCRIPT = `set -u
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
  trace=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \\n')
  span=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \\n')
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -H "Host: $NORTH_SOUTH_HOST" -H "traceparent: 00-$trace-$span-01" "$NORTH_SOUTH_URL") || true
  echo "[$trace,$span] N-S #$i: HTTP $code"
  [ "$code" = "200" ] || failed=$((failed + 1))
  i=$((i + 1))
done
echo "load-generator: $failed of $((EAST_WEST_REQUESTS + NORTH_SOUTH_REQUESTS)) requests failed"
[ "$failed" -eq 0 ]
`;
