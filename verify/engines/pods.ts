// The generated Kubernetes API classes of cdk8s-plus-30 alone, for the PodSpec type.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { KubeObject } from '../../lib/synth';

/** The pod a workload runs: its labels and spec. */
export interface PodTemplate {
  readonly metadata: { readonly labels?: Record<string, string> };
  readonly spec: k8s.PodSpec;
}

/** A Pod itself, or the pod template of a Deployment, StatefulSet, DaemonSet, Job or CronJob. */
export function podTemplateOf(object: KubeObject): PodTemplate | undefined {
  type Template = { metadata?: PodTemplate['metadata']; spec?: k8s.PodSpec };
  const spec = object.spec as { template?: Template; jobTemplate?: { spec?: { template?: Template } } } | undefined;
  if (object.kind === 'Pod') return spec ? { metadata: object.metadata as PodTemplate['metadata'], spec: spec as k8s.PodSpec } : undefined;
  const template = spec?.template ?? spec?.jobTemplate?.spec?.template;
  // Only a pod spec has containers: an ApplicationSet's `template.spec` is an Application's.
  return Array.isArray(template?.spec?.containers) ? { metadata: template.metadata ?? {}, spec: template.spec } : undefined;
}

/** Every image a workload's pods run: init, regular and ephemeral containers. */
export function podImages(object: KubeObject): string[] {
  const spec = podTemplateOf(object)?.spec as
    | { initContainers?: Array<{ image?: string }>; containers?: Array<{ image?: string }>; ephemeralContainers?: Array<{ image?: string }> }
    | undefined;
  if (!spec) return [];
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])]
    .map((c) => c.image)
    .filter((i): i is string => !!i);
}
