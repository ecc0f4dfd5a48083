import { createHash } from 'crypto';
import { IMAGE_TAGS } from '../config/versions';

/**
 * Spans shaped as Kong 3.9's OpenTelemetry plugin exports them for one proxied
 * request, with `tracing_instrumentations = request,balancer` as rendered
 * (argocd/values/kong.ts), in OTLP/JSON:
 * - the root span `kong`, kind SERVER, with the request's `http.*` attributes,
 *   `http.status_code` (the one integer attribute; Kong sends other numbers as
 *   doubles) and `http.route` (the route's path, not the request's);
 * - its status left unset, even on a 5xx;
 * - a `kong.balancer` CLIENT child for the upstream call;
 * - the resource is Kong's (`service.name: kong`, its node id and version) with
 *   the route plugin's `resource_attributes` merged over it.
 * Source: Kong's kong/observability/tracing/instrumentation.lua and
 * kong/observability/otlp/init.lua at 3.9.
 */
export interface KongRequest {
  /** 32 hex digits. */
  readonly traceId: string;
  readonly host: string;
  readonly path: string;
  readonly status: number;
  readonly startMs: number;
  readonly durationMs: number;
}

type Attribute = { key: string; value: { stringValue: string } | { intValue: string } | { doubleValue: number } };
const str = (key: string, value: string): Attribute => ({ key, value: { stringValue: value } });
const dbl = (key: string, value: number): Attribute => ({ key, value: { doubleValue: value } });
const nanos = (ms: number) => `${BigInt(Math.round(ms * 1000)) * 1000n}`;

function requestSpans(r: KongRequest, i: number) {
  const rootId = r.traceId.slice(0, 16);
  const balancerId = r.traceId.slice(16, 32);
  const url = `http://${r.host}${r.path}`;
  return [
    {
      traceId: r.traceId,
      spanId: rootId,
      name: 'kong',
      kind: 2,
      startTimeUnixNano: nanos(r.startMs),
      endTimeUnixNano: nanos(r.startMs + r.durationMs),
      attributes: [
        str('http.method', 'GET'),
        str('http.url', url),
        str('http.host', r.host),
        str('http.scheme', 'http'),
        str('http.flavor', '1.1'),
        str('http.client_ip', '172.18.0.1'),
        str('net.peer.ip', '172.18.0.1'),
        str('kong.request.id', `${r.traceId.slice(0, 24)}${String(i).padStart(8, '0')}`),
        { key: 'http.status_code', value: { intValue: String(r.status) } },
        str('http.route', '/'),
      ],
      status: {},
    },
    {
      traceId: r.traceId,
      spanId: balancerId,
      parentSpanId: rootId,
      name: 'kong.balancer',
      kind: 3,
      startTimeUnixNano: nanos(r.startMs + 1),
      endTimeUnixNano: nanos(r.startMs + r.durationMs - 1),
      attributes: [
        dbl('try_count', 1),
        str('net.peer.ip', '10.244.1.17'),
        dbl('net.peer.port', 8080),
        str('http.method', 'GET'),
        str('http.url', url),
      ],
      status: {},
    },
  ];
}

/**
 * `n` requests to `host` answered with `status`, each taking `durationMs` and ending now; trace IDs are derived from
 * `key` and the index, so a run sends the same IDs every time and two keys never share one.
 */
export function kongRequests(key: string, host: string, n: number, status: number, durationMs: number): KongRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    traceId: createHash('sha256').update(`${key}-${i}`).digest('hex').slice(0, 32),
    host,
    path: `/status/${status}`,
    status,
    startMs: Date.now() - durationMs - 10,
    durationMs,
  }));
}

/** One export request, as the route plugin of `service` sends it (OTLP/HTTP JSON body). */
export function kongExport(service: string, requests: readonly KongRequest[]) {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            str('service.name', service),
            str('service.instance.id', 'f1a5c0de-kong-node'),
            str('service.version', IMAGE_TAGS.kongGateway),
          ],
        },
        scopeSpans: [{ scope: { name: 'kong-internal', version: '0.1.0' }, spans: requests.flatMap(requestSpans) }],
      },
    ],
  };
}

/** POSTs Kong's spans to a collector's OTLP/HTTP receiver. */
export async function sendKongSpans(httpPort: number, service: string, requests: readonly KongRequest[]): Promise<void> {
  const response = await fetch(`http://127.0.0.1:${httpPort}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(kongExport(service, requests)),
  });
  if (!response.ok) throw new Error(`the collector refused Kong's spans: ${response.status} ${await response.text()}`);
}
