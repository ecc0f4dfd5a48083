import { Construct } from 'constructs';
// The generated Kubernetes API classes of cdk8s-plus-30 alone.
import * as k8s from 'cdk8s-plus-30/lib/imports/k8s';
import { EnforcementAction, ValidationAction } from '../config';
import { NAMESPACES } from '../lib/namespaces';
import { PolicyTemplate, templateName } from '../policies/templates';

export interface ApiServerGuardrailProps {
  /** The Gatekeeper template whose CEL rule (policies/templates.ts) the API server evaluates. */
  readonly template: PolicyTemplate;
  /** The Constraint it mirrors: its name, what it matches, its parameters and its action. */
  readonly constraint: GuardedConstraint;
  /** What the environment's bindings do where the Constraint denies (security.apiServerGuardrails). */
  readonly validationActions: readonly ValidationAction[];
}

/** A Constraint as both engines read it. */
export interface GuardedConstraint {
  readonly name: string;
  readonly kinds: ReadonlyArray<{ readonly apiGroups: readonly string[]; readonly kinds: readonly string[] }>;
  /** `match.namespaces`: only these; else every namespace but `excludedNamespaces`. */
  readonly namespaces?: readonly string[];
  readonly excludedNamespaces?: readonly string[];
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly enforcementAction: EnforcementAction;
}

/** Between the violations of one message: the API server refuses a message with a line break. */
export const VIOLATION_SEPARATOR = '; ';

/** The label with which a namespace opts out of Gatekeeper's webhook; the API server's policies honour it too. */
const GATEKEEPER_IGNORE_LABEL = 'admission.gatekeeper.sh/ignore';

/** A Constraint set to warn or dryrun is never enforced harder by the API server. */
const ACTIONS_BELOW_DENY: Readonly<Record<Exclude<EnforcementAction, 'deny'>, readonly ValidationAction[]>> = {
  warn: ['Warn'],
  dryrun: ['Audit'],
};

/** A JSON value as a CEL literal: the Constraint's parameters, fixed in the policy where Gatekeeper passes them at run time. */
const celLiteral = (value: unknown): string => JSON.stringify(value ?? {});

/**
 * One Gatekeeper Constraint enforced by the API server itself: a ValidatingAdmissionPolicy that evaluates
 * the template's CEL rule with the Constraint's parameters, and a binding that matches what the Constraint
 * and Gatekeeper's webhook match (the Constraint's namespaces, never Gatekeeper's own namespace or one
 * labelled to be ignored). Its message is the Rego's violations, joined by `; `.
 */
export class ApiServerGuardrail extends Construct {
  /** The policy's and the binding's name. */
  static nameOf(constraint: Pick<GuardedConstraint, 'name'>): string {
    return `gatekeeper-${constraint.name}`;
  }

  constructor(scope: Construct, id: string, props: ApiServerGuardrailProps) {
    super(scope, id);
    const { template, constraint } = props;
    const name = ApiServerGuardrail.nameOf(constraint);
    const resourceRules = constraint.kinds.map((k) => ({
      apiGroups: [...k.apiGroups],
      apiVersions: ['*'],
      operations: ['CREATE', 'UPDATE'],
      // Gatekeeper's webhook reviews the Pod when an ephemeral container is added, and so do these.
      resources: k.kinds.flatMap((kind) => (kind === 'Pod' ? ['pods', 'pods/ephemeralcontainers'] : [`${kind.toLowerCase()}s`])),
    }));
    new k8s.KubeValidatingAdmissionPolicy(this, 'policy', {
      metadata: { name, annotations: { description: `${template.description} (ConstraintTemplate ${templateName(template)})` } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules },
        variables: [{ name: 'params', expression: celLiteral(constraint.parameters) }, ...template.cel.variables.map((v) => ({ ...v }))],
        validations: [
          {
            expression: 'size(variables.violations) == 0',
            messageExpression: `variables.violations.join('${VIOLATION_SEPARATOR}')`,
            reason: 'Forbidden',
          },
        ],
      },
    });
    const scoped = constraint.namespaces
      ? [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [...constraint.namespaces] }]
      : [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...(constraint.excludedNamespaces ?? []), NAMESPACES.gatekeeper].sort() }];
    new k8s.KubeValidatingAdmissionPolicyBinding(this, 'binding', {
      metadata: { name },
      spec: {
        policyName: name,
        validationActions: [
          ...(constraint.enforcementAction === 'deny' ? props.validationActions : ACTIONS_BELOW_DENY[constraint.enforcementAction]),
        ],
        matchResources: { namespaceSelector: { matchExpressions: [{ key: GATEKEEPER_IGNORE_LABEL, operator: 'DoesNotExist' }, ...scoped] } },
      },
    });
  }
}
