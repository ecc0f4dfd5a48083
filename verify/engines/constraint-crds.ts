import { ALL_POLICY_TEMPLATES, ParameterSchema, PolicyTemplate } from '../../policies/templates';

/**
 * The CRD Gatekeeper creates for each ConstraintTemplate, rebuilt from our
 * template data so `cdk8s import` can generate a typed class per Constraint
 * kind, with `parameters` typed from the template rather than `any`.
 */
const STRING_LIST = { type: 'array', items: { type: 'string' } };
const LABEL_SELECTOR = {
  type: 'object',
  properties: {
    matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
    matchExpressions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['key', 'operator'],
        properties: {
          key: { type: 'string' },
          operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
          values: STRING_LIST,
        },
      },
    },
  },
};

/** Gatekeeper's `match` block (pkg/mutation/match), as documented for Constraints. */
export const MATCH_SCHEMA = {
  type: 'object',
  properties: {
    kinds: {
      type: 'array',
      items: { type: 'object', properties: { apiGroups: STRING_LIST, kinds: STRING_LIST } },
    },
    namespaces: STRING_LIST,
    excludedNamespaces: STRING_LIST,
    labelSelector: LABEL_SELECTOR,
    namespaceSelector: LABEL_SELECTOR,
    scope: { type: 'string', enum: ['*', 'Cluster', 'Namespaced'] },
    source: { type: 'string', enum: ['All', 'Generated', 'Original'] },
    name: { type: 'string' },
  },
};

export const ENFORCEMENT_ACTIONS = ['deny', 'warn', 'dryrun'] as const;

function toOpenApi(schema: ParameterSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>;
}

export function constraintCrd(template: PolicyTemplate): Record<string, unknown> {
  return constraintCrdFor(template.kind, template.parameters ? toOpenApi(template.parameters) : undefined);
}

/**
 * The CRD for one Constraint kind, from the kind and the template's
 * parameters schema: what Gatekeeper creates when the template is applied.
 */
export function constraintCrdFor(kind: string, parameters?: Record<string, unknown>): Record<string, unknown> {
  const plural = kind.toLowerCase();
  const template = { kind };
  const spec: Record<string, unknown> = {
    type: 'object',
    properties: {
      match: MATCH_SCHEMA,
      enforcementAction: { type: 'string', enum: [...ENFORCEMENT_ACTIONS] },
      ...(parameters ? { parameters } : {}),
    },
  };
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.constraints.gatekeeper.sh` },
    spec: {
      group: 'constraints.gatekeeper.sh',
      names: { kind: template.kind, plural, singular: plural, listKind: `${template.kind}List`, categories: ['constraint', 'constraints'] },
      scope: 'Cluster',
      versions: [
        {
          name: 'v1beta1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, spec },
            },
          },
        },
      ],
    },
  };
}

export function constraintCrds(): Array<Record<string, unknown>> {
  return ALL_POLICY_TEMPLATES.map(constraintCrd);
}
