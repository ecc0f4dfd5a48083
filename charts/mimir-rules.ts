import { Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { PART_OF } from '../lib/labels';
import { toYaml } from '../lib/yaml';
import { RuleGroup } from '../observability/rollback-rules';

export interface MimirRulesProps {
  readonly env: string;
  readonly namespace: string;
  readonly groups: readonly RuleGroup[];
}

/** ConfigMap the Mimir ruler mounts as its local rule store, for the anonymous tenant. */
export const MIMIR_RULES = { configMap: 'mimir-rollback-rules', file: 'rollback.yaml', tenant: 'anonymous', directory: '/etc/mimir/rules' } as const;

/** Seed 10-3: the rollback criteria as Mimir ruler rules. */
export class MimirRules extends Chart {
  constructor(scope: Construct, id: string, props: MimirRulesProps) {
    super(scope, id);
    new k8s.KubeConfigMap(this, 'rules', {
      metadata: { name: MIMIR_RULES.configMap, namespace: props.namespace, labels: { env: props.env, 'app.kubernetes.io/part-of': PART_OF } },
      data: { [MIMIR_RULES.file]: toYaml({ groups: props.groups }) },
    });
  }
}
