import { HBONE_PORT } from '../../lib/traffic';
import { AMBIENT_LABEL, NAMESPACES } from '../../lib/namespaces';
import { KubeObject } from '../../lib/synth';

/**
 * The mesh's rule for one connection, as Istio ambient applies it: which port
 * Cilium sees it on, and whether ztunnel takes it. Istio has no engine that
 * judges a flow offline (istioctl's analyzers check objects, not connections),
 * so this is our reading of Istio's documented semantics, kept to the shapes
 * this platform renders; any other shape is refused by name, never guessed:
 *
 * - a pod is in the mesh when its namespace carries `istio.io/dataplane-mode=ambient`
 *   (and the pod does not opt out with the same label set to `none`);
 * - meshed to meshed, ztunnel carries the connection in HBONE: Cilium sees the
 *   destination pod's port 15008, and the destination's AuthorizationPolicies
 *   judge the source's SPIFFE identity (`<trust domain>/ns/<ns>/sa/<sa>`);
 * - anything else to a meshed pod arrives in plaintext on the app port: a
 *   STRICT PeerAuthentication refuses it (ztunnel resets it), PERMISSIVE takes
 *   it, and an ALLOW AuthorizationPolicy naming principals refuses it, having
 *   no identity to match; the kubelet's probes, which ztunnel itself SNATs to
 *   169.254.7.127, are exempt;
 * - to a pod out of the mesh, the mesh does nothing.
 */

/** What the mesh needs of an end of a connection: a pod's namespace, labels and ServiceAccount, or an address. */
export interface MeshEnd {
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly serviceAccount?: string;
  readonly address?: string;
  readonly entity?: string;
}

export interface MeshPath {
  /** The destination port Cilium's policy sees: 15008 inside HBONE, else the app port. */
  readonly port: number;
  /** Carried in HBONE: Cilium's L7 proxy cannot read the HTTP inside. */
  readonly tunnelled: boolean;
  /** Why the mesh refuses it, where it does. */
  readonly refused?: string;
}

/** Istio ambient SNATs the kubelet's probes of a meshed pod to this link-local address. */
export const AMBIENT_PROBE_ADDRESS = '169.254.7.127';
const TRUST_DOMAIN = 'cluster.local';
export const ROOT_NAMESPACE = NAMESPACES.istio;

const selects = (selector: unknown, labels: Readonly<Record<string, string>>): boolean => {
  const match = (selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels;
  return !match || Object.entries(match).every(([k, v]) => labels[k] === v);
};

type Mode = 'STRICT' | 'PERMISSIVE' | 'DISABLE';

/** The Istio objects and namespace labels the mesh reads, and the answers it gives. */
export class MeshRules {
  private readonly peerAuthentications: KubeObject[];
  private readonly authorizationPolicies: KubeObject[];

  constructor(
    objects: readonly KubeObject[],
    private readonly namespaces: ReadonlyMap<string, Readonly<Record<string, string>>>,
  ) {
    this.peerAuthentications = objects.filter((o) => o.apiVersion.startsWith('security.istio.io/') && o.kind === 'PeerAuthentication');
    this.authorizationPolicies = objects.filter((o) => o.apiVersion.startsWith('security.istio.io/') && o.kind === 'AuthorizationPolicy');
  }

  /** Whether ztunnel captures this pod's traffic. */
  inMesh(end: MeshEnd): boolean {
    if (!end.namespace || end.address || end.entity) return false;
    if (end.labels?.[AMBIENT_LABEL.key] === 'none') return false;
    return this.namespaces.get(end.namespace)?.[AMBIENT_LABEL.key] === AMBIENT_LABEL.value;
  }

  /** The connection from `from` to `to`'s app port `port`, as the mesh carries it. */
  path(from: MeshEnd, to: MeshEnd, port: number): MeshPath {
    if (!this.inMesh(to)) return { port, tunnelled: false };
    if (this.inMesh(from)) {
      const principal = `${TRUST_DOMAIN}/ns/${from.namespace}/sa/${from.serviceAccount ?? 'default'}`;
      const denied = this.authorization(to, port, principal, from.namespace);
      return { port: HBONE_PORT, tunnelled: true, ...(denied ? { refused: denied } : {}) };
    }
    if (from.address === AMBIENT_PROBE_ADDRESS) return { port, tunnelled: false };
    const mode = this.mtlsMode(to, port);
    if (mode === 'STRICT')
      return {
        port,
        tunnelled: false,
        refused: `plaintext to a meshed pod whose PeerAuthentication is STRICT on port ${port}: ztunnel resets it`,
      };
    const denied = this.authorization(to, port, undefined, from.namespace);
    return { port, tunnelled: false, ...(denied ? { refused: denied } : {}) };
  }

  /** PeerAuthentication: the workload's, else the namespace's, else the mesh's; a port-level mode wins on its port. */
  private mtlsMode(to: MeshEnd, port: number): Mode {
    const labels = to.labels ?? {};
    const scopes = [
      this.peerAuthentications.filter((p) => p.metadata.namespace === to.namespace && (p.spec as { selector?: unknown })?.selector !== undefined),
      this.peerAuthentications.filter((p) => p.metadata.namespace === to.namespace && !(p.spec as { selector?: unknown })?.selector),
      this.peerAuthentications.filter((p) => p.metadata.namespace === ROOT_NAMESPACE && !(p.spec as { selector?: unknown })?.selector),
    ];
    for (const scope of scopes) {
      for (const policy of scope) {
        const spec = (policy.spec ?? {}) as { selector?: unknown; mtls?: { mode?: string }; portLevelMtls?: Record<string, { mode?: string }> };
        if (!selects(spec.selector, labels)) continue;
        const known = (m: string | undefined): Mode | undefined => {
          if (m === undefined || m === 'UNSET') return undefined;
          if (m === 'STRICT' || m === 'PERMISSIVE' || m === 'DISABLE') return m;
          throw new Error(`PeerAuthentication ${policy.metadata.namespace}/${policy.metadata.name}: mode ${m} is not one the mesh rule reads`);
        };
        const atPort = known(spec.portLevelMtls?.[String(port)]?.mode);
        if (atPort) return atPort;
        const mode = known(spec.mtls?.mode);
        if (mode) return mode;
      }
    }
    // Istio's default without any PeerAuthentication.
    return 'PERMISSIVE';
  }

  /** ALLOW AuthorizationPolicies that select the destination: none admits everything; else one rule must match. */
  private authorization(to: MeshEnd, port: number, principal: string | undefined, fromNamespace: string | undefined): string | undefined {
    const labels = to.labels ?? {};
    const applying = this.authorizationPolicies.filter((p) => {
      const spec = (p.spec ?? {}) as { selector?: unknown };
      if (p.metadata.namespace === ROOT_NAMESPACE) return !spec.selector || selects(spec.selector, labels);
      return p.metadata.namespace === to.namespace && selects(spec.selector, labels);
    });
    if (applying.length === 0) return undefined;
    for (const policy of applying) {
      const spec = policy.spec as { action?: string; rules?: Array<Record<string, unknown>> };
      const name = `AuthorizationPolicy ${policy.metadata.namespace}/${policy.metadata.name}`;
      if ((spec.action ?? 'ALLOW') !== 'ALLOW') throw new Error(`${name}: action ${spec.action} is not one the mesh rule reads`);
      for (const rule of spec.rules ?? []) {
        const unread = Object.keys(rule).filter((k) => k !== 'from' && k !== 'to');
        if (unread.length > 0) throw new Error(`${name}: ${unread.join(', ')} of a rule is not what the mesh rule reads`);
        const froms = (rule.from as Array<{ source?: Record<string, unknown> }> | undefined) ?? [];
        const tos = (rule.to as Array<{ operation?: Record<string, unknown> }> | undefined) ?? [];
        const toMatches =
          tos.length === 0 ||
          tos.some(({ operation = {} }) => {
            const extra = Object.keys(operation).filter((k) => k !== 'ports');
            if (extra.length > 0) throw new Error(`${name}: operation ${extra.join(', ')} is not what the mesh rule reads (ztunnel judges L4 only)`);
            const ports = operation.ports as string[] | undefined;
            return !ports || ports.includes(String(port));
          });
        const matches =
          toMatches &&
          (froms.length === 0 ||
            froms.some(({ source = {} }) => {
              const extra = Object.keys(source).filter((k) => k !== 'principals' && k !== 'namespaces');
              if (extra.length > 0) throw new Error(`${name}: source ${extra.join(', ')} is not what the mesh rule reads`);
              const principals = source.principals as string[] | undefined;
              const namespaces = source.namespaces as string[] | undefined;
              return (
                (!principals || (principal !== undefined && principals.some((p) => matchesIstio(p, principal)))) &&
                (!namespaces || (principal !== undefined && fromNamespace !== undefined && namespaces.some((n) => matchesIstio(n, fromNamespace))))
              );
            }));
        if (matches) return undefined;
      }
    }
    const who = principal ?? 'a plaintext caller (no identity)';
    return `${applying.map((p) => `AuthorizationPolicy ${p.metadata.namespace}/${p.metadata.name}`).join(', ')} admits ${who} on port ${port} by no rule: ztunnel refuses it`;
  }
}

/** Istio's string match: exact, `*` alone, a `prefix*` or a `*suffix`. */
function matchesIstio(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}
