import { Construct } from 'constructs';
import { PlatformChart, PlatformChartProps } from '../lib/platform-chart';
import { EnforcementAction, PolicyKey, ValidationAction } from '../config';
import { ApiServerGuardrail, GuardedConstraint } from './api-server-guardrail';
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
  /** What the API server's own policies do where a Constraint denies (every Constraint is also a ValidatingAdmissionPolicy). */
  readonly apiServerActions: readonly ValidationAction[];
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

    const namespaces = [...props.namespaces];
    const actions = props.enforcementActions;
    /** Each Constraint once, as both engines read it: Gatekeeper's typed Constraint and the API server's policy. */
    const constraints: Record<PolicyKey, GuardedConstraint> = {
      denyPrivileged: { name: CONSTRAINT_NAMES.denyPrivileged, kinds: [PODS], namespaces, enforcementAction: actions.denyPrivileged },
      requireLabels: {
        name: CONSTRAINT_NAMES.requireLabels,
        kinds: [PODS, POD_CONTROLLERS],
        namespaces,
        parameters: { labels: [...props.requiredLabels] },
        enforcementAction: actions.requireLabels,
      },
      requireNonRoot: { name: CONSTRAINT_NAMES.requireNonRoot, kinds: [PODS], namespaces, enforcementAction: actions.requireNonRoot },
      requireResourceLimits: {
        name: CONSTRAINT_NAMES.requireResourceLimits,
        kinds: [PODS],
        namespaces,
        enforcementAction: actions.requireResourceLimits,
      },
    };
    const registry: GuardedConstraint | undefined = props.allowedRegistries && {
      name: REGISTRY_CONSTRAINT_NAME,
      kinds: [PODS],
      excludedNamespaces: [...(props.registryExemptNamespaces ?? [])],
      parameters: { registries: [...props.allowedRegistries] },
      enforcementAction: 'deny',
    };
    const metadata = (c: GuardedConstraint) => ({ name: c.name, annotations: CONSTRAINT_ANNOTATIONS });
    const match = (c: GuardedConstraint) => ({
      kinds: c.kinds.map((k) => ({ apiGroups: [...k.apiGroups], kinds: [...k.kinds] })),
      ...(c.namespaces ? { namespaces: [...c.namespaces] } : {}),
      ...(c.excludedNamespaces ? { excludedNamespaces: [...c.excludedNamespaces] } : {}),
    });

    const privileged = constraints.denyPrivileged;
    new K8sDenyPrivileged(this, 'deny-privileged', {
      metadata: metadata(privileged),
      spec: { enforcementAction: enforcement(privileged.enforcementAction, K8SDenyPrivilegedSpecEnforcementAction), match: match(privileged) },
    });
    const labels = constraints.requireLabels;
    new K8sRequireLabels(this, 'require-labels', {
      metadata: metadata(labels),
      spec: {
        enforcementAction: enforcement(labels.enforcementAction, K8SRequireLabelsSpecEnforcementAction),
        match: match(labels),
        parameters: { labels: [...props.requiredLabels] },
      },
    });
    const nonRoot = constraints.requireNonRoot;
    new K8sRequireNonRoot(this, 'require-non-root', {
      metadata: metadata(nonRoot),
      spec: { enforcementAction: enforcement(nonRoot.enforcementAction, K8SRequireNonRootSpecEnforcementAction), match: match(nonRoot) },
    });
    const limits = constraints.requireResourceLimits;
    new K8sRequireResourceLimits(this, 'require-resource-limits', {
      metadata: metadata(limits),
      spec: { enforcementAction: enforcement(limits.enforcementAction, K8SRequireResourceLimitsSpecEnforcementAction), match: match(limits) },
    });
    if (registry && props.allowedRegistries) {
      new K8sAllowedRegistries(this, 'allowed-registries', {
        metadata: metadata(registry),
        spec: {
          enforcementAction: K8SAllowedRegistriesSpecEnforcementAction.DENY,
          match: match(registry),
          parameters: { registries: [...props.allowedRegistries] },
        },
      });
    }

    // The same rules in the API server itself: they hold while Gatekeeper's webhook is down.
    const guarded: Array<[PolicyTemplate, GuardedConstraint]> = [
      ...(Object.keys(constraints) as PolicyKey[]).map((key): [PolicyTemplate, GuardedConstraint] => [POLICY_TEMPLATES[key], constraints[key]]),
      ...(registry ? [[REGISTRY_POLICY_TEMPLATE, registry] as [PolicyTemplate, GuardedConstraint]] : []),
    ];
    for (const [template, constraint] of guarded)
      new ApiServerGuardrail(this, `api-server-${constraint.name}`, { template, constraint, validationActions: props.apiServerActions });
  }
}
