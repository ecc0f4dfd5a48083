// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { PlatformSettings } from '../config';
import { resourceRequirements } from '../lib/security';

export interface PlatformGuardrailsProps extends PlatformChartProps {
  readonly settings: PlatformSettings;
  /** Namespace that gets the quota, the LimitRange and the backend PDB. */
  /** Labels of the pods the backend PDB protects; must match the demo backend. */
  readonly backendSelector: Record<string, string>;
}

/** Seed section 8 priority classes. lab-normal is the cluster default. */
export const PRIORITY_CLASSES = {
  critical: { name: 'lab-critical', value: 1_000_000, globalDefault: false },
  high: { name: 'lab-high', value: 100_000, globalDefault: false },
  normal: { name: 'lab-normal', value: 10_000, globalDefault: true },
} as const;

/**
 * Seed section 8: PriorityClass, ResourceQuota, LimitRange and PDB. It syncs
 * before the demo app, because quota and LimitRange defaults only apply to
 * pods admitted after they exist.
 */
export class PlatformGuardrails extends PlatformChart {
  constructor(scope: Construct, id: string, props: PlatformGuardrailsProps) {
    super(scope, id, props);

    for (const pc of Object.values(PRIORITY_CLASSES)) {
      new k8s.KubePriorityClass(this, `priority-${pc.name}`, {
        metadata: { name: pc.name },
        value: pc.value,
        globalDefault: pc.globalDefault,
        preemptionPolicy: 'PreemptLowerPriority',
        description: `Seed section 8 priority class ${pc.name} (${pc.value}).`,
      });
    }

    const quota = props.settings.quota;
    new k8s.KubeResourceQuota(this, 'quota', {
      metadata: { name: `${props.namespace}-quota` },
      spec: {
        hard: {
          'requests.cpu': k8s.Quantity.fromString(quota.requestsCpu),
          'limits.cpu': k8s.Quantity.fromString(quota.limitsCpu),
          'requests.memory': k8s.Quantity.fromString(quota.requestsMemory),
          'limits.memory': k8s.Quantity.fromString(quota.limitsMemory),
          pods: k8s.Quantity.fromNumber(quota.pods),
        },
      },
    });

    const defaults = resourceRequirements(props.settings.containerDefaults);
    new k8s.KubeLimitRange(this, 'limit-range', {
      metadata: { name: `${props.namespace}-limits` },
      spec: {
        limits: [{ type: 'Container', default: defaults.limits, defaultRequest: defaults.requests }],
      },
    });

    new k8s.KubePodDisruptionBudget(this, 'backend-pdb', {
      metadata: { name: 'backend-pdb' },
      spec: {
        minAvailable: k8s.IntOrString.fromNumber(props.settings.backendPdbMinAvailable),
        selector: { matchLabels: props.backendSelector },
      },
    });
  }
}
