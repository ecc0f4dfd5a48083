import { ValuesKeyException } from './values-keys';

/**
 * Values keys a chart accepts without listing them in values.yaml or
 * values.schema.json, each with the reason. The Helm tests fail on any key
 * that is neither documented nor listed here, and on an entry that no longer
 * matches a key we set.
 */
export const VALUES_KEY_EXCEPTIONS: readonly ValuesKeyException[] = [
  {
    chart: 'argo-cd',
    under: 'configs.cm',
    reason: 'argocd-cm data: the chart copies every key into the ConfigMap; resource.customizations.health.<group>_<kind> is an Argo CD setting',
  },
  {
    chart: 'argo-cd',
    under: 'configs.params',
    reason: 'argocd-cmd-params-cm data: the chart copies every key into the ConfigMap; values.yaml only shows a commented example',
  },
  {
    chart: 'cilium',
    under: 'socketLB',
    keys: ['hostNamespaceOnly'],
    reason:
      'commented out in values.yaml and absent from values.schema.json; the cilium-config template maps it to bpf-lb-sock-hostns-only, which Cilium needs beside Istio (seed fix #2)',
  },
  ...['gateway.proxy.http', 'gateway.proxy.tls', 'gateway.manager.http'].map((under): ValuesKeyException => ({
    chart: 'ingress',
    under,
    keys: ['nodePort'],
    reason: 'the kong subchart documents nodePort as a commented example; the service template sets it when the type is NodePort (seed fix #6)',
  })),
  {
    chart: 'ingress',
    under: 'gateway.env',
    keys: ['tracing_instrumentations', 'tracing_sampling_rate'],
    reason:
      'kong.conf settings: the kong subchart turns every gateway.env key into a KONG_<KEY> variable; values.yaml lists a few defaults, not every kong.conf key',
  },
  ...['datasources', 'dashboardProviders', 'dashboards'].map((under): ValuesKeyException => ({
    chart: 'grafana',
    under,
    reason: `a free-form map (values.yaml: ${under}: {}); the chart writes each entry as a provisioning file`,
  })),
  ...['loki.limits_config', 'loki.compactor', 'loki.schemaConfig'].map((under): ValuesKeyException => ({
    chart: 'loki',
    under,
    reason: `passed through into Loki's config file as the ${under.split('.')[1]} block; values.yaml documents only a few of its keys`,
  })),
  ...['tempo.ingester', 'tempo.overrides.defaults'].map((under): ValuesKeyException => ({
    chart: 'tempo',
    under,
    reason: `a free-form block (values.yaml: {}) passed through into Tempo's ${under === 'tempo.ingester' ? 'config' : 'overrides'} file`,
  })),
  ...['istiod', 'cni'].map((chart): ValuesKeyException => ({
    chart,
    under: '',
    keys: ['profile'],
    reason: 'read by templates/zzz_profile.yaml, which merges files/profile-<name>.yaml under the user values; values.yaml does not list it',
  })),
];
