// The generated Kubernetes API classes of cdk8s-plus-30 alone: its higher-level constructs cost 50 ms of every synth to load.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { IMAGES } from '../lib/images';
import { imageTagsOf } from '../config/releases';
import { platformLabels } from '../lib/labels';
import { containerResources, restrictedContainerSecurityContext, restrictedPodSecurityContext } from '../lib/security';
import { MIMIR_RULES } from '../lib/upstream';
import { toYaml } from '../lib/yaml';
import { RuleGroup } from '../observability/rollback-rules';

export interface MimirRulesProps extends PlatformChartProps {
  readonly groups: readonly RuleGroup[];
  /**
   * Mimir's ruler configuration API when Mimir runs outside the cluster
   * (seed 10-1): a PostSync Job posts each group there after every sync.
   * Without it, the in-cluster ruler mounts the ConfigMap as its rule store.
   */
  readonly externalRulerApi?: string;
}

/** The Job's script: one POST per rule group file, failing on the first group Mimir refuses. */
export const RULES_SYNC_SCRIPT = `set -eu
for file in /rules/*.yaml; do
  curl --fail-with-body --silent --show-error --max-time 20 -X POST \\
    -H 'Content-Type: application/yaml' -H "X-Scope-OrgID: $TENANT" \\
    --data-binary "@$file" "$RULER_API/$RULES_NAMESPACE"
  echo "mimir-rules-sync: posted $(basename "$file")"
done
`;

/** Seed 10-3: the rollback criteria as Mimir ruler rules, wherever Mimir runs. */
export class MimirRules extends PlatformChart {
  constructor(scope: Construct, id: string, props: MimirRulesProps) {
    super(scope, id, props);
    // The local rule store reads one rule file; the ruler API takes one group per request.
    const data = props.externalRulerApi
      ? Object.fromEntries(props.groups.map((g) => [`${g.name}.yaml`, toYaml(g)]))
      : { [MIMIR_RULES.file]: toYaml({ groups: props.groups }) };
    new k8s.KubeConfigMap(this, 'rules', { metadata: { name: MIMIR_RULES.configMap }, data });
    if (!props.externalRulerApi) return;

    const jobLabels = { ...platformLabels(props.env.name), app: 'mimir-rules-sync', 'app.kubernetes.io/name': 'mimir-rules-sync' };
    new k8s.KubeJob(this, 'sync', {
      metadata: {
        name: 'mimir-rules-sync',
        labels: jobLabels,
        // Re-run after every sync, so the external ruler always holds what git says.
        annotations: { 'argocd.argoproj.io/hook': 'PostSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' },
      },
      spec: {
        backoffLimit: 3,
        activeDeadlineSeconds: 300,
        template: {
          metadata: { labels: jobLabels },
          spec: {
            restartPolicy: 'Never',
            automountServiceAccountToken: false,
            securityContext: restrictedPodSecurityContext(),
            volumes: [{ name: 'rules', configMap: { name: MIMIR_RULES.configMap } }],
            containers: [
              {
                name: 'sync',
                image: this.image(IMAGES.curl, imageTagsOf(this.env).curl),
                imagePullPolicy: 'IfNotPresent',
                command: ['/bin/sh', '-c', RULES_SYNC_SCRIPT],
                env: [
                  { name: 'RULER_API', value: props.externalRulerApi },
                  { name: 'RULES_NAMESPACE', value: MIMIR_RULES.namespace },
                  { name: 'TENANT', value: MIMIR_RULES.tenant },
                ],
                volumeMounts: [{ name: 'rules', mountPath: '/rules', readOnly: true }],
                resources: containerResources({ requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '100m', memory: '64Mi' } }),
                securityContext: restrictedContainerSecurityContext(),
              },
            ],
          },
        },
      },
    });
  }
}
