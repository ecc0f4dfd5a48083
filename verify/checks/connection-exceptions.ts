/**
 * The reviewed exceptions to "every connection the render configures is
 * allowed" (./configured-connections.ts): each names the environments, the
 * caller and the URL it covers, and why the refusal (or the name that resolves
 * to nothing) is right or cannot be judged here. An exception that matches
 * nothing fails the test, so the table never outlives its reason.
 */
export interface ConnectionException {
  /** The environments it covers; all when absent. */
  readonly envs?: readonly string[];
  /** The caller, as the report names it (`deployment/grafana (monitoring)`); any when absent. */
  readonly from?: RegExp;
  readonly url: RegExp;
  readonly why: string;
}

export const CONNECTION_EXCEPTIONS: readonly ConnectionException[] = [
  {
    url: /^https?:\/\/mimir-gateway\.monitoring\.svc:80\//,
    why:
      'the mimir-distributed chart is not in the chart mirror (verify/checks/unavailable-charts.ts), so its gateway Service is not rendered ' +
      "here; the flow table judges each of these callers against the gateway's pods as the chart's templates label them (MIMIR_GATEWAY in verify/checks/flows.ts)",
  },
];

export const exceptionFor = (env: string, from: string, url: string): ConnectionException | undefined =>
  CONNECTION_EXCEPTIONS.find((e) => (!e.envs || e.envs.includes(env)) && (!e.from || e.from.test(from)) && e.url.test(url));
