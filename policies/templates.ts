/**
 * The four Gatekeeper policies of seed section 6, as data: the chart renders
 * ConstraintTemplates from it, the import script turns it into typed
 * Constraint classes, and the gator suites test the same Rego files.
 */

/** The subset of OpenAPI v3 that constraint parameters use. */
export interface ParameterSchema {
  readonly type: 'object' | 'array' | 'string' | 'boolean' | 'integer';
  readonly description?: string;
  readonly properties?: Readonly<Record<string, ParameterSchema>>;
  readonly items?: ParameterSchema;
  readonly required?: readonly string[];
  readonly minItems?: number;
}

export interface PolicyTemplate {
  /** Constraint kind, e.g. `K8sDenyPrivileged`; the template's name is its lower-case form. */
  readonly kind: string;
  /** Rego source next to this file, embedded at synth time. */
  readonly regoFile: string;
  readonly description: string;
  readonly parameters?: ParameterSchema;
}

export const POLICY_TEMPLATES = {
  denyPrivileged: {
    kind: 'K8sDenyPrivileged',
    regoFile: 'k8sdenyprivileged.rego',
    description: 'Denies containers, init containers and ephemeral containers that run privileged.',
  },
  requireLabels: {
    kind: 'K8sRequireLabels',
    regoFile: 'k8srequirelabels.rego',
    description: 'Requires the listed labels on the object (seed: app, env, team).',
    parameters: {
      type: 'object',
      properties: {
        labels: {
          type: 'array',
          description: 'Label keys every matched object must carry.',
          items: { type: 'string' },
          minItems: 1,
        },
      },
      required: ['labels'],
    },
  },
  requireNonRoot: {
    kind: 'K8sRequireNonRoot',
    regoFile: 'k8srequirenonroot.rego',
    description: 'Requires runAsNonRoot: true in the pod securityContext; no container may override it with false or run as UID 0.',
  },
  requireResourceLimits: {
    kind: 'K8sRequireResourceLimits',
    regoFile: 'k8srequireresourcelimits.rego',
    description: 'Requires cpu and memory limits on every container and init container.',
  },
} as const satisfies Record<string, PolicyTemplate>;

/**
 * Seed section 10-1 for production: images only from the Harbor registry.
 * Not one of the four seed lab policies: it exists where an environment sets
 * `registry`, and always denies.
 */
export const REGISTRY_POLICY_TEMPLATE = {
  kind: 'K8sAllowedRegistries',
  regoFile: 'k8sallowedregistries.rego',
  description: 'Requires every container, init container and ephemeral container image to come from one of the listed registries.',
  parameters: {
    type: 'object',
    properties: {
      registries: {
        type: 'array',
        description: 'Registry prefixes such as harbor.example.com/platform; an image must start with one of them followed by "/".',
        items: { type: 'string' },
        minItems: 1,
      },
    },
    required: ['registries'],
  },
} as const satisfies PolicyTemplate;

export const ALL_POLICY_TEMPLATES: readonly PolicyTemplate[] = [...Object.values(POLICY_TEMPLATES), REGISTRY_POLICY_TEMPLATE];

export function templateName(template: PolicyTemplate): string {
  return template.kind.toLowerCase();
}
