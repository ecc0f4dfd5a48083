import * as fs from 'fs';
import * as https from 'https';
import { KubeObject } from '../../lib/synth';

/**
 * A small Kubernetes REST client for the tests' own control plane: discovery,
 * server-side apply with strict field validation, reads and deletes. Every
 * answer keeps the server's status, message and warnings, because the tests
 * assert on what the API server says.
 */

export interface ClientCredentials {
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  /** `Warning` headers (RFC 7234 299 warnings), as kubectl prints them. */
  readonly warnings: readonly string[];
}

export interface ApiResource {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const groupVersionOf = (apiVersion: string) =>
  apiVersion.includes('/') ? { group: apiVersion.split('/')[0], version: apiVersion.split('/')[1] } : { group: '', version: apiVersion };

export class KubeClient {
  private readonly agent: https.Agent;
  private readonly url: URL;
  private resources = new Map<string, ApiResource>();

  constructor(credentials: ClientCredentials) {
    this.url = new URL(credentials.server);
    this.agent = new https.Agent({
      keepAlive: true,
      maxSockets: 16,
      ca: fs.readFileSync(credentials.ca),
      cert: fs.readFileSync(credentials.cert),
      key: fs.readFileSync(credentials.key),
    });
  }

  close(): void {
    this.agent.destroy();
  }

  request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ApiResponse<T>> {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(
        {
          host: this.url.hostname,
          port: this.url.port,
          path,
          method,
          agent: this.agent,
          headers: {
            Accept: 'application/json',
            ...(payload !== undefined ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) } : {}),
          },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              // Not JSON (readyz, healthz): keep the text.
            }
            const raw = res.headers.warning;
            const warnings = (Array.isArray(raw) ? raw : raw ? [raw] : [])
              .flatMap((w) => w.split(/,(?=\s*299 )/))
              .map((w) =>
                w
                  .replace(/^\s*299 - "?|"$/g, '')
                  .replace(/\\"/g, '"')
                  .trim(),
              );
            resolve({ status: res.statusCode ?? 0, body: parsed as T, warnings });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 60 s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Re-reads the API server's discovery, after CRDs were established. */
  async discover(): Promise<void> {
    const resources = new Map<string, ApiResource>();
    const core = await this.request<{ resources: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', '/api/v1');
    for (const r of core.body.resources)
      if (!r.name.includes('/')) resources.set(`v1/${r.kind}`, { group: '', version: 'v1', kind: r.kind, plural: r.name, namespaced: r.namespaced });
    const groups = await this.request<{ groups: Array<{ versions: Array<{ groupVersion: string }> }> }>('GET', '/apis');
    const lists = await Promise.all(
      groups.body.groups
        .flatMap((g) => g.versions)
        .map((v) =>
          this.request<{ resources?: Array<{ name: string; kind: string; namespaced: boolean }> }>('GET', `/apis/${v.groupVersion}`).then((r) => ({
            gv: v.groupVersion,
            r,
          })),
        ),
    );
    for (const { gv, r } of lists) {
      if (r.status !== 200) continue;
      const { group, version } = groupVersionOf(gv);
      for (const res of r.body.resources ?? [])
        if (!res.name.includes('/'))
          resources.set(`${gv}/${res.kind}`, { group, version, kind: res.kind, plural: res.name, namespaced: res.namespaced });
    }
    this.resources = resources;
  }

  resourceFor(apiVersion: string, kind: string): ApiResource | undefined {
    return this.resources.get(`${apiVersion}/${kind}`);
  }

  /** The REST path of an object, or of its collection when `name` is omitted. */
  pathOf(apiVersion: string, kind: string, namespace?: string, name?: string): string {
    const r = this.resourceFor(apiVersion, kind);
    if (!r) throw new ApiError(404, `the server has no ${kind} in ${apiVersion}`);
    const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
    const ns = r.namespaced ? `/namespaces/${namespace ?? 'default'}` : '';
    return `${base}${ns}/${r.plural}${name ? `/${name}` : ''}`;
  }

  /** Server-side apply with strict field validation: unknown or duplicate fields are errors, not warnings. */
  apply(object: KubeObject, fieldManager: string, options: { dryRun?: boolean } = {}): Promise<ApiResponse<any>> {
    const query = new URLSearchParams({ fieldManager, fieldValidation: 'Strict', force: 'true', ...(options.dryRun ? { dryRun: 'All' } : {}) });
    const path = `${this.pathOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name)}?${query}`;
    return this.request('PATCH', path, object, 'application/apply-patch+yaml');
  }

  get<T = any>(apiVersion: string, kind: string, name: string, namespace?: string): Promise<ApiResponse<T>> {
    return this.request<T>('GET', this.pathOf(apiVersion, kind, namespace, name));
  }

  list<T = any>(apiVersion: string, kind: string, namespace?: string, labelSelector?: string): Promise<ApiResponse<{ items: T[] }>> {
    const r = this.resourceFor(apiVersion, kind);
    const base =
      r && !r.namespaced
        ? this.pathOf(apiVersion, kind)
        : namespace
          ? this.pathOf(apiVersion, kind, namespace)
          : this.pathOf(apiVersion, kind).replace(/\/namespaces\/default/, '');
    return this.request('GET', labelSelector ? `${base}?labelSelector=${encodeURIComponent(labelSelector)}` : base);
  }

  create(object: KubeObject): Promise<ApiResponse<any>> {
    return this.request('POST', `${this.pathOf(object.apiVersion, object.kind, object.metadata.namespace)}?fieldValidation=Strict`, object);
  }

  update(object: KubeObject): Promise<ApiResponse<any>> {
    return this.request(
      'PUT',
      `${this.pathOf(object.apiVersion, object.kind, object.metadata.namespace, object.metadata.name)}?fieldValidation=Strict`,
      object,
    );
  }

  mergePatch(
    apiVersion: string,
    kind: string,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    subresource = '',
  ): Promise<ApiResponse<any>> {
    const path = `${this.pathOf(apiVersion, kind, namespace, name)}${subresource ? `/${subresource}` : ''}`;
    return this.request('PATCH', path, patch, 'application/merge-patch+json');
  }

  delete(apiVersion: string, kind: string, name: string, namespace?: string): Promise<ApiResponse<any>> {
    return this.request('DELETE', this.pathOf(apiVersion, kind, namespace, name));
  }
}

/** The message of a Kubernetes Status body, or the text. */
export function statusMessage(response: ApiResponse): string {
  const body = response.body as { message?: string } | string | undefined;
  if (typeof body === 'object' && body?.message) return body.message;
  return typeof body === 'string' ? body : JSON.stringify(body);
}
