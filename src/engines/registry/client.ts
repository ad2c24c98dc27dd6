import { RegistryAuthenticator, headerValue, type RegistryCredentials } from './auth.js';
import { RegistryError } from './errors.js';
import { discard, readBounded, sendRequest, type HttpResponse } from './http.js';
import { resolveRegistryLimits, type RegistryLimits } from './limits.js';
import { MANIFEST_ACCEPT, manifestMediaType, parseJsonObject, sha256Digest, DIGEST_PATTERN, type FetchedManifest } from './manifest.js';

export interface RegistryEndpoint {
  /** `https://host[:port]`, `http://host[:port]` (insecure only) or a bare `host[:port]` (https, or http when insecure). */
  url: string;
  /** Plain http allowed (a registry registered as insecure). */
  insecure?: boolean;
  /** PEM CA bundle trusted for this registry, besides the system roots. */
  ca?: string;
  credentials?: RegistryCredentials | null;
}

export interface RegistryClientOptions {
  limits?: Partial<RegistryLimits>;
}

const NAME_PATTERN = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function assertRepositoryName(name: string): void {
  if (name.length > 255 || !NAME_PATTERN.test(name)) throw new RegistryError('not_found', `invalid repository name ${JSON.stringify(name.slice(0, 300))}`);
}

export function assertReference(reference: string): void {
  if (!TAG_PATTERN.test(reference) && !DIGEST_PATTERN.test(reference)) throw new RegistryError('not_found', `invalid tag or digest ${JSON.stringify(reference.slice(0, 200))}`);
}

/** The registry's base URL: https unless the registry is registered as insecure. */
export function registryBaseUrl(endpoint: Pick<RegistryEndpoint, 'url' | 'insecure'>): URL {
  const raw = /^[a-z]+:\/\//i.test(endpoint.url) ? endpoint.url : `${endpoint.insecure ? 'http' : 'https'}://${endpoint.url}`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new RegistryError('unsupported_format', 'the registry address is not a URL');
  }
  if (url.protocol === 'http:' && !endpoint.insecure) throw new RegistryError('unsupported_format', 'http is allowed only for a registry registered as insecure');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new RegistryError('unsupported_format', `unsupported scheme ${url.protocol}`);
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) {
    throw new RegistryError('unsupported_format', 'the registry address must be scheme://host[:port] only');
  }
  return url;
}

interface CallOptions {
  scope: string;
  accept?: string;
  method?: 'GET' | 'HEAD';
  signal?: AbortSignal;
}

/**
 * A Docker Registry HTTP API v2 client: ping, catalog and tags (paged by `Link`), manifests, blobs. Basic and
 * bearer-token auth per the registry's challenge; bounded redirects, with credentials sent only to the
 * registry's own origin.
 */
export class RegistryClient {
  readonly base: URL;
  readonly limits: RegistryLimits;
  private readonly auth: RegistryAuthenticator;

  constructor(private readonly endpoint: RegistryEndpoint, options: RegistryClientOptions = {}) {
    this.base = registryBaseUrl(endpoint);
    this.limits = resolveRegistryLimits(options.limits);
    this.auth = new RegistryAuthenticator(endpoint.credentials ?? null);
  }

  /** `GET /v2/`: reachable, speaks v2, and the credentials are accepted. */
  async ping(signal?: AbortSignal): Promise<void> {
    const res = await this.call('/v2/', { scope: '', signal });
    discard(res);
  }

  /** Every repository of `/v2/_catalog`, following `Link` pages (at most `maxPages`). */
  async listRepositories(signal?: AbortSignal): Promise<string[]> {
    return this.paged(`/v2/_catalog?n=${this.limits.pageSize}`, 'registry:catalog:*', 'repositories', signal);
  }

  /** Every tag of a repository, following `Link` pages. A repository without tags gives []. */
  async listTags(name: string, signal?: AbortSignal): Promise<string[]> {
    assertRepositoryName(name);
    return this.paged(`/v2/${name}/tags/list?n=${this.limits.pageSize}`, pullScope(name), 'tags', signal);
  }

  /** A manifest or index by tag or digest, verified against the digest asked for (or the one the registry states). */
  async getManifest(name: string, reference: string, signal?: AbortSignal): Promise<FetchedManifest> {
    assertRepositoryName(name);
    assertReference(reference);
    const res = await this.call(`/v2/${name}/manifests/${reference}`, { scope: pullScope(name), accept: MANIFEST_ACCEPT, signal });
    const bytes = await readBounded(res, this.limits.maxManifestBytes, `manifest ${name}:${reference}`);
    const digest = sha256Digest(bytes);
    const stated = headerValue(res.headers['docker-content-digest']);
    const expected = DIGEST_PATTERN.test(reference) ? reference : stated && DIGEST_PATTERN.test(stated) ? stated : null;
    if (expected && expected !== digest) throw new RegistryError('digest_mismatch', `manifest ${name}:${reference} is ${digest}, expected ${expected}`);
    const mediaType = manifestMediaType(headerValue(res.headers['content-type']), parseJsonObject(bytes, `manifest ${name}:${reference}`));
    return { mediaType, digest, bytes };
  }

  /** A blob's response (redirects to blob storage followed); the caller streams and verifies it. */
  async openBlob(name: string, digest: string, signal?: AbortSignal): Promise<HttpResponse> {
    assertRepositoryName(name);
    if (!DIGEST_PATTERN.test(digest)) throw new RegistryError('unsupported_format', `blob digest ${digest} is not sha256:<64 hex>`);
    return this.call(`/v2/${name}/blobs/${digest}`, { scope: pullScope(name), signal });
  }

  private async paged(first: string, scope: string, field: 'repositories' | 'tags', signal?: AbortSignal): Promise<string[]> {
    const out: string[] = [];
    let next: string | null = first;
    for (let page = 0; next; page++) {
      if (page >= this.limits.maxPages) throw new RegistryError('image_oversized', `${field} listing over ${this.limits.maxPages} pages`);
      const res = await this.call(next, { scope, signal });
      const body = parseJsonObject(await readBounded(res, this.limits.maxManifestBytes, `${field} page`), `${field} page`);
      const list = body[field];
      if (list !== null && list !== undefined && !Array.isArray(list)) throw new RegistryError('unsupported_format', `${field} page: ${field} is not a list`);
      for (const item of list ?? []) if (typeof item === 'string') out.push(item);
      next = nextPage(headerValue(res.headers.link), this.base);
    }
    return out;
  }

  /**
   * One API call: the cached credentials first; on 401 the challenge is answered once and the call retried.
   * Redirects are followed up to `maxRedirects`, never to http from https, and the Authorization header goes
   * only to the registry's own origin. 404 → not_found, 401/403 → authentication_failed.
   */
  private async call(pathAndQuery: string, options: CallOptions): Promise<HttpResponse> {
    const first = new URL(pathAndQuery, this.base);
    let authorization = this.auth.cached(options.scope);
    for (let attempt = 0; ; attempt++) {
      const res = await this.follow(first, authorization, options);
      if (res.status === 401 && attempt === 0) {
        discard(res);
        authorization = await this.auth.answer(res, options.scope, {
          allowHttp: this.endpoint.insecure === true, ca: this.endpoint.ca, timeoutMs: this.limits.requestTimeoutMs,
          maxBytes: this.limits.maxManifestBytes, signal: options.signal,
        });
        continue;
      }
      if (res.status >= 200 && res.status < 300) return res;
      discard(res);
      throw statusError(res.status, `${options.method ?? 'GET'} ${first.pathname}`);
    }
  }

  private async follow(start: URL, authorization: string | null, options: CallOptions): Promise<HttpResponse> {
    let url = start;
    for (let hop = 0; ; hop++) {
      const headers: Record<string, string> = {};
      if (options.accept) headers.accept = options.accept;
      const sameOrigin = url.origin === this.base.origin;
      if (authorization && sameOrigin) headers.authorization = authorization;
      const res = await sendRequest({
        url, method: options.method, headers, ca: this.endpoint.ca, signal: options.signal, timeoutMs: this.limits.requestTimeoutMs,
      });
      if (!REDIRECTS.has(res.status)) return res;
      discard(res);
      if (hop >= this.limits.maxRedirects) throw new RegistryError('registry_unreachable', `over ${this.limits.maxRedirects} redirects from ${start.pathname}`);
      const location = headerValue(res.headers.location);
      if (!location) throw new RegistryError('registry_unreachable', `a redirect without Location from ${url.pathname}`);
      const target = new URL(location, url);
      if (target.protocol !== 'https:' && target.protocol !== 'http:') throw new RegistryError('registry_unreachable', `a redirect to ${target.protocol}`);
      if (url.protocol === 'https:' && target.protocol === 'http:') throw new RegistryError('registry_unreachable', 'a redirect from https to http');
      url = target;
    }
  }
}

const pullScope = (name: string): string => `repository:${name}:pull`;

function statusError(status: number, what: string): RegistryError {
  if (status === 401 || status === 403) return new RegistryError('authentication_failed', `${what}: HTTP ${status}`);
  if (status === 404) return new RegistryError('not_found', `${what}: HTTP 404`);
  if (status === 429 || status >= 500) return new RegistryError('registry_unreachable', `${what}: HTTP ${status}`);
  return new RegistryError('unsupported_format', `${what}: HTTP ${status}`);
}

/** The `rel="next"` target of a `Link` header, kept on the registry's origin. */
function nextPage(link: string | undefined, base: URL): string | null {
  if (!link) return null;
  const match = /<([^>]*)>\s*;\s*rel="?next"?/i.exec(link);
  if (!match) return null;
  const url = new URL(match[1] as string, base);
  if (url.origin !== base.origin) throw new RegistryError('unsupported_format', 'a Link page on another origin');
  return `${url.pathname}${url.search}`;
}
