import { spawnSync } from 'child_process';

/**
 * Istio's own analyzers (`istioctl analyze`, the code istioctl and istiod
 * share) over a mesh environment as the test control plane holds it: our
 * PeerAuthentication and AuthorizationPolicy objects, the Istio charts'
 * objects, and the namespaces, Services and running (kwok) pods they refer
 * to. A cluster, not files: with files only, istioctl skips every analyzer
 * that reads pods or namespaces (`AddReaderKubeSource` leaves out the
 * runtime kinds), the AuthorizationPolicy analyzer among them.
 */

export interface IstioFinding {
  readonly code: string;
  readonly level: 'Error' | 'Warning' | 'Info';
  /** `Kind namespace/name` of the object the finding is about, as istioctl names it. */
  readonly origin: string;
  readonly message: string;
}

/** A finding we accept, with the reason; a test fails on one that no longer occurs. */
export interface IstioFindingException {
  readonly code: string;
  readonly origin: string;
  readonly reason: string;
}

/** Every finding at Warning or above, in every namespace of the cluster the kubeconfig names. */
export function analyzeCluster(istioctl: string, kubeconfig: string, threshold: 'Info' | 'Warning' = 'Warning'): IstioFinding[] {
  const run = spawnSync(
    istioctl,
    ['analyze', '--all-namespaces', '--output', 'json', '--output-threshold', threshold, '--failure-threshold', 'Error'],
    {
      encoding: 'utf8',
      env: { ...process.env, KUBECONFIG: kubeconfig },
      maxBuffer: 64 * 1024 * 1024,
    },
  );
  // istioctl exits non-zero when a finding reaches the failure threshold; the JSON says which.
  const out = run.stdout.trim();
  if (!out.startsWith('['))
    throw new Error(`istioctl analyze gave no JSON (exit ${run.status}): ${(run.stderr || out).trim().split('\n').slice(-3).join(' | ')}`);
  return (JSON.parse(out) as IstioFinding[]).map(({ code, level, origin, message }) => ({ code, level, origin, message }));
}

const matches = (f: IstioFinding, e: IstioFindingException) => f.code === e.code && f.origin === e.origin;

/** Findings no exception names (an Error never is excepted), and exceptions no finding needs. */
export function againstExceptions(
  findings: readonly IstioFinding[],
  exceptions: readonly IstioFindingException[],
): { unexcepted: IstioFinding[]; stale: IstioFindingException[] } {
  return {
    unexcepted: findings.filter((f) => f.level === 'Error' || !exceptions.some((e) => matches(f, e))),
    stale: exceptions.filter((e) => !findings.some((f) => matches(f, e))),
  };
}
