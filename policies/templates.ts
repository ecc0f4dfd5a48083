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

/**
 * The same rule in CEL, as the API server's ValidatingAdmissionPolicy (and Gatekeeper's K8sNativeValidation engine)
 * evaluates it: named variables in order, the last of which, `violations`, is the list of messages the Rego's
 * `violation` set holds, word for word. `object` is the admitted object, `variables.params` the Constraint's parameters.
 * One validation then says `size(variables.violations) == 0` and joins the messages, since a policy reports one message
 * where Rego reports one per violation.
 */
export interface CelRule {
  readonly variables: ReadonlyArray<{ readonly name: string; readonly expression: string }>;
}

export interface PolicyTemplate {
  /** Constraint kind, e.g. `K8sDenyPrivileged`; the template's name is its lower-case form. */
  readonly kind: string;
  /** Rego source next to this file, embedded at synth time. */
  readonly regoFile: string;
  /** The rule in CEL, saying what the Rego says (test/control-plane.test.ts proves it, fixture by fixture). */
  readonly cel: CelRule;
  readonly description: string;
  readonly parameters?: ParameterSchema;
}

/** `has()` of a field path that may be missing at any step, as CEL needs it spelled out. */
const containersOf = (field: string) => `has(object.spec.${field}) ? object.spec.${field} : []`;

/** Every container kind of a pod, ephemeral ones too, as the Rego's `input_containers`. */
const ALL_CONTAINERS = [
  { name: 'containers', expression: containersOf('containers') },
  { name: 'initContainers', expression: containersOf('initContainers') },
  { name: 'ephemeralContainers', expression: containersOf('ephemeralContainers') },
  { name: 'allContainers', expression: 'variables.containers + variables.initContainers + variables.ephemeralContainers' },
] as const;

/** A container's securityContext field, or the given default when it or the context is unset. */
const securityField = (field: string, otherwise: string) =>
  `has(c.securityContext) && has(c.securityContext.${field}) ? c.securityContext.${field} : ${otherwise}`;

/** A container's missing limits, memory first, as the Rego lists them. */
const MISSING_LIMITS = '["memory", "cpu"].filter(r, !has(c.resources) || !has(c.resources.limits) || !(r in c.resources.limits))';

export const POLICY_TEMPLATES = {
  denyPrivileged: {
    kind: 'K8sDenyPrivileged',
    regoFile: 'k8sdenyprivileged.rego',
    description: 'Denies containers, init containers and ephemeral containers that run privileged.',
    cel: {
      variables: [
        ...ALL_CONTAINERS,
        {
          name: 'violations',
          expression: `variables.allContainers.filter(c, (${securityField('privileged', 'false')}) == true).map(c, "컨테이너 '" + c.name + "'가 privileged 모드로 실행됩니다.")`,
        },
      ],
    },
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
    cel: {
      variables: [
        {
          name: 'violations',
          // An empty value counts as missing, as in the Rego.
          expression: `variables.params.labels.filter(l, !has(object.metadata.labels) || !(l in object.metadata.labels) || object.metadata.labels[l] == "").map(l, "필수 라벨 '" + l + "'이(가) 없습니다.")`,
        },
      ],
    },
  },
  requireNonRoot: {
    kind: 'K8sRequireNonRoot',
    regoFile: 'k8srequirenonroot.rego',
    description: 'Requires runAsNonRoot: true in the pod securityContext; no container may override it with false or run as UID 0.',
    cel: {
      variables: [
        ...ALL_CONTAINERS,
        {
          name: 'podRunAsNonRoot',
          expression:
            'has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot) && object.spec.securityContext.runAsNonRoot == true',
        },
        {
          name: 'podRunAsUser',
          expression: 'has(object.spec.securityContext) && has(object.spec.securityContext.runAsUser) ? object.spec.securityContext.runAsUser : -1',
        },
        {
          name: 'violations',
          // The Rego's first rule has no details, so its set holds the message once however many containers break it.
          expression: [
            `(!variables.podRunAsNonRoot && variables.allContainers.exists(c, (${securityField('runAsNonRoot', 'false')}) != true) ? ["Pod securityContext에 runAsNonRoot: true가 설정되지 않았습니다."] : [])`,
            `variables.allContainers.filter(c, (${securityField('runAsNonRoot', 'true')}) == false).map(c, "컨테이너 '" + c.name + "'가 runAsNonRoot: false로 root 실행을 허용합니다.")`,
            `variables.allContainers.filter(c, (${securityField('runAsUser', 'variables.podRunAsUser')}) == 0).map(c, "컨테이너 '" + c.name + "'가 UID 0(root)으로 실행됩니다.")`,
          ].join(' + '),
        },
      ],
    },
  },
  requireResourceLimits: {
    kind: 'K8sRequireResourceLimits',
    regoFile: 'k8srequireresourcelimits.rego',
    description: 'Requires cpu and memory limits on every container and init container.',
    cel: {
      variables: [
        ...ALL_CONTAINERS.slice(0, 2),
        {
          name: 'violations',
          // Ephemeral containers cannot declare resources, so they are not counted, as in the Rego.
          expression: `(variables.containers + variables.initContainers).filter(c, ${MISSING_LIMITS}.size() > 0).map(c, "컨테이너 '" + c.name + "'에 " + ${MISSING_LIMITS}.join("/") + " limits가 설정되지 않았습니다.")`,
        },
      ],
    },
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
  cel: {
    variables: [
      ...ALL_CONTAINERS,
      {
        name: 'violations',
        expression: `variables.allContainers.filter(c, !variables.params.registries.exists(r, has(c.image) && c.image.startsWith(r + "/"))).map(c, "컨테이너 '" + c.name + "'의 이미지 '" + (has(c.image) ? c.image : "") + "'는 허용된 레지스트리(" + variables.params.registries.join(", ") + ")의 것이 아닙니다.")`,
      },
    ],
  },
} as const satisfies PolicyTemplate;

export const ALL_POLICY_TEMPLATES: readonly PolicyTemplate[] = [...Object.values(POLICY_TEMPLATES), REGISTRY_POLICY_TEMPLATE];

export function templateName(template: PolicyTemplate): string {
  return template.kind.toLowerCase();
}
