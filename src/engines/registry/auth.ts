import { RegistryError } from './errors.js';
import { readBounded, sendRequest, type HttpResponse } from './http.js';

export interface RegistryCredentials {
  username: string;
  /** Password or access token: sent as basic auth to the registry or to its token endpoint. */
  password: string;
}

export interface Challenge {
  scheme: 'basic' | 'bearer';
  params: Record<string, string>;
}

/** Parses `WWW-Authenticate: Bearer realm="…",service="…",scope="…"` (or `Basic realm="…"`). */
export function parseChallenge(header: string | undefined): Challenge | null {
  if (!header) return null;
  const match = /^\s*(Basic|Bearer)\b\s*(.*)$/i.exec(header);
  if (!match) return null;
  const params: Record<string, string> = {};
  const pairs = /([A-Za-z_][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))/g;
  for (const pair of (match[2] as string).matchAll(pairs)) {
    params[(pair[1] as string).toLowerCase()] = pair[2] !== undefined ? pair[2].replace(/\\(.)/g, '$1') : (pair[3] ?? '');
  }
  return { scheme: (match[1] as string).toLowerCase() === 'basic' ? 'basic' : 'bearer', params };
}

interface CachedToken { header: string; expiresAt: number }

export interface TokenFetchOptions {
  /** http realms are only allowed for registries registered as insecure. */
  allowHttp: boolean;
  ca?: string;
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  now?: () => number;
}

/**
 * The Authorization header of each scope: basic credentials for a registry that asks for Basic, and for one
 * that asks for Bearer a token from its realm (fetched with the basic credentials, cached per scope until
 * shortly before it expires).
 */
export class RegistryAuthenticator {
  private readonly tokens = new Map<string, CachedToken>();
  private basicAccepted = false;

  constructor(private readonly credentials: RegistryCredentials | null) {}

  /** The header to send up front for this scope, when one is known. */
  cached(scope: string, now = Date.now()): string | null {
    const token = this.tokens.get(scope);
    if (token && token.expiresAt > now) return token.header;
    if (this.basicAccepted) return this.basicHeader();
    return null;
  }

  /** Answers a 401: the header to retry with. */
  async answer(response: HttpResponse, scope: string, options: TokenFetchOptions): Promise<string> {
    const challenge = parseChallenge(headerValue(response.headers['www-authenticate']));
    if (!challenge) throw new RegistryError('authentication_failed', 'the registry refused the request without a usable WWW-Authenticate challenge');
    if (challenge.scheme === 'basic') {
      const header = this.basicHeader();
      if (!header) throw new RegistryError('authentication_failed', 'the registry asks for basic credentials and none are registered');
      this.basicAccepted = true;
      return header;
    }
    return this.fetchToken(challenge, scope, options);
  }

  private basicHeader(): string | null {
    if (!this.credentials) return null;
    return `Basic ${Buffer.from(`${this.credentials.username}:${this.credentials.password}`, 'utf8').toString('base64')}`;
  }

  private async fetchToken(challenge: Challenge, scope: string, options: TokenFetchOptions): Promise<string> {
    const realm = challenge.params.realm;
    if (!realm) throw new RegistryError('authentication_failed', 'the bearer challenge names no realm');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new RegistryError('authentication_failed', 'the bearer challenge realm is not a URL');
    }
    if (url.protocol !== 'https:' && !(options.allowHttp && url.protocol === 'http:')) {
      throw new RegistryError('authentication_failed', `the token realm ${url.origin} is not https (allowed only for insecure registries)`);
    }
    if (challenge.params.service) url.searchParams.set('service', challenge.params.service);
    const wanted = challenge.params.scope || scope;
    if (wanted) for (const s of wanted.split(' ')) url.searchParams.append('scope', s);
    const headers: Record<string, string> = { accept: 'application/json' };
    const basic = this.basicHeader();
    if (basic) headers.authorization = basic;
    const res = await sendRequest({ url, headers, ca: options.ca, signal: options.signal, timeoutMs: options.timeoutMs });
    const body = await readBounded(res, options.maxBytes, 'token response', 'authentication_failed');
    if (res.status === 401 || res.status === 403) throw new RegistryError('authentication_failed', `the token endpoint refused the credentials (HTTP ${res.status})`);
    if (res.status !== 200) throw new RegistryError('authentication_failed', `the token endpoint answered HTTP ${res.status}`);
    const token = parseToken(body);
    const now = (options.now ?? Date.now)();
    // Renew 30 s early (at least half the lifetime) so a token never expires mid-request.
    const lifetimeMs = token.expiresIn * 1000;
    const header = `Bearer ${token.token}`;
    this.tokens.set(scope, { header, expiresAt: now + lifetimeMs - Math.min(30_000, lifetimeMs / 2) });
    return header;
  }
}

function parseToken(body: Buffer): { token: string; expiresIn: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RegistryError('authentication_failed', 'the token response is not JSON');
  }
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  const token = typeof record.token === 'string' ? record.token : typeof record.access_token === 'string' ? record.access_token : '';
  if (!token || !/^[\x21-\x7e]+$/.test(token)) throw new RegistryError('authentication_failed', 'the token response holds no token');
  // The distribution token spec's default lifetime is 60 s.
  const expiresIn = typeof record.expires_in === 'number' && record.expires_in > 0 ? Math.min(record.expires_in, 86_400) : 60;
  return { token, expiresIn };
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
