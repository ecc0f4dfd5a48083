import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { EnforcementAction, PolicyKey } from '../config';
import {
  K8sAllowedRegistries,
  K8SAllowedRegistriesSpecEnforcementAction,
  K8sDenyPrivileged,
  K8SDenyPrivilegedSpecEnforcementAction,
  K8sRequireLabels,
  K8SRequireLabelsSpecEnforcementAction,
  K8sRequireNonRoot,
  K8SRequireNonRootSpecEnforcementAction,
  K8sRequireResourceLimits,
  K8SRequireResourceLimitsSpecEnforcementAction,
} from '../imports/constraints.gatekeeper.sh';
import { ConstraintTemplate } from '../imports/templates.gatekeeper.sh';
import { readProjectFile } from '../lib/project';
import { POLICY_TEMPLATES, PolicyTemplate, REGISTRY_POLICY_TEMPLATE, templateName } from '../policies/templates';

export interface GatekeeperPoliciesProps extends PlatformChartProps {
  /** Namespaces the Constraints apply to (seed: demo). */
  readonly namespaces: readonly string[];
  readonly enforcementActions: Readonly<Record<PolicyKey, EnforcementAction>>;
  readonly requiredLabels: readonly string[];
  /**
   * Registries every pod image must come from (seed 10-1, production: Harbor),
   * in every namespace but `registryExemptNamespaces`. Unset: no restriction.
   */
  readonly allowedRegistries?: readonly string[];
  /** Namespaces whose pods the registry rule skips, each for a reason the caller gives. */
  readonly registryExemptNamespaces?: readonly string[];
}

/** The registry rule's Constraint name. */
export const REGISTRY_CONSTRAINT_NAME = 'allowed-registries';

/** Constraint names as the seed's `kubectl get constraints` lists them. */
export const CONSTRAINT_NAMES: Readonly<Record<PolicyKey, string>> = {
  denyPrivileged: 'deny-privileged-container',
  requireLabels: 'require-labels',
  requireNonRoot: 'require-non-root',
  requireResourceLimits: 'require-resource-limits',
};

const PODS = { apiGroups: [''], kinds: ['Pod'] };
const POD_CONTROLLERS = { apiGroups: ['apps'], kinds: ['Deployment', 'StatefulSet', 'DaemonSet'] };

/** Constraints need their template's CRD first: a later wave, and no dry run before the CRD exists. */
const CONSTRAINT_ANNOTATIONS = {
  'argocd.argoproj.io/sync-wave': '1',
  'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true',
};

/** Picks the generated enum member for an action, so a typo cannot slip through as a string. */
function enforcement<E extends string>(action: EnforcementAction, members: Record<string, E>): E {
  const member = Object.values(members).find((value) => value === action);
  if (!member) throw new Error(`enforcementAction '${action}' is not one of ${Object.values(members).join(', ')}`);
  return member;
}

/**
 * Seed section 6: four ConstraintTemplates with their Rego embedded from
 * policies/*.rego at synth time, and one typed Constraint per template.
 */
export class GatekeeperPolicies extends PlatformChart {
  constructor(scope: Construct, id: string, props: GatekeeperPoliciesProps) {
    super(scope, id, props);

    const templates: PolicyTemplate[] = [...Object.values(POLICY_TEMPLATES), ...(props.allowedRegistries ? [REGISTRY_POLICY_TEMPLATE] : [])];
    for (const template of templates) {
      new ConstraintTemplate(this, `template-${templateName(template)}`, {
        metadata: {
          name: templateName(template),
          annotations: { 'argocd.argoproj.io/sync-wave': '0', description: template.description },
        },
        spec: {
          crd: {
            spec: {
              names: { kind: template.kind },
              ...(template.parameters ? { validation: { openApiv3Schema: template.parameters } } : {}),
            },
          },
          targets: [{ target: 'admission.k8s.gatekeeper.sh', rego: readProjectFile(`policies/${template.regoFile}`) }],
        },
      });
    }

    const metadata = (key: PolicyKey) => ({ name: CONSTRAINT_NAMES[key], annotations: CONSTRAINT_ANNOTATIONS });
    const namespaces = [...props.namespaces];
    const actions = props.enforcementActions;

    new K8sDenyPrivileged(this, 'deny-privileged', {
      metadata: metadata('denyPrivileged'),
      spec: {
        enforcementAction: enforcement(actions.denyPrivileged, K8SDenyPrivilegedSpecEnforcementAction),
        match: { kinds: [PODS], namespaces },
      },
    });
    new K8sRequireLabels(this, 'require-labels', {
      metadata: metadata('requireLabels'),
      spec: {
        enforcementAction: enforcement(actions.requireLabels, K8SRequireLabelsSpecEnforcementAction),
        match: { kinds: [PODS, POD_CONTROLLERS], namespaces },
        parameters: { labels: [...props.requiredLabels] },
      },
    });
    new K8sRequireNonRoot(this, 'require-non-root', {
      metadata: metadata('requireNonRoot'),
      spec: {
        enforcementAction: enforcement(actions.requireNonRoot, K8SRequireNonRootSpecEnforcementAction),
        match: { kinds: [PODS], namespaces },
      },
    });
    new K8sRequireResourceLimits(this, 'require-resource-limits', {
      metadata: metadata('requireResourceLimits'),
      spec: {
        enforcementAction: enforcement(actions.requireResourceLimits, K8SRequireResourceLimitsSpecEnforcementAction),
        match: { kinds: [PODS], namespaces },
      },
    });
    if (props.allowedRegistries) {
      new K8sAllowedRegistries(this, 'allowed-registries', {
        metadata: { name: REGISTRY_CONSTRAINT_NAME, annotations: CONSTRAINT_ANNOTATIONS },
        spec: {
          enforcementAction: K8SAllowedRegistriesSpecEnforcementAction.DENY,
          match: { kinds: [PODS], excludedNamespaces: [...(props.registryExemptNamespaces ?? [])] },
          parameters: { registries: [...props.allowedRegistries] },
        },
      });
    }
  }
}
