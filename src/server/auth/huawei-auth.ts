import crypto from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { authFailed, forbidden, notAuthorized, tokenExpired, type ApiDialect } from '../errors.js';
import type { IdentityService, Principal, RoleGrant } from '../../identity/identity-service.js';
import { hasBody } from '../raw-body.js';
import { EMPTY_BODY_SHA256, verifySignature } from './aksk-signature.js';

/** Who is calling: an `X-Auth-Token` issued by /v3/auth/tokens, or an SDK-HMAC-SHA256 signature. */
export async function authenticate(request: FastifyRequest, identity: IdentityService): Promise<Principal> {
  const tokenHeader = request.headers['x-auth-token'];
  const authorization = request.headers.authorization;
  if (typeof tokenHeader === 'string' && tokenHeader !== '') {
    const token = await identity.lookupToken(tokenHeader);
    if (token === 'expired') throw tokenExpired();
    if (!token) throw authFailed('the token is invalid');
    const principal = await identity.principal(token.userId, 'token', token.projectId);
    if (!principal) throw authFailed('the user of this token no longer exists or is disabled');
    return principal;
  }
  if (typeof authorization === 'string' && authorization.startsWith('SDK-HMAC-SHA256')) {
    const access = /Access=([^,\s]+)/.exec(authorization)?.[1] ?? '';
    const key = await identity.secretKeyFor(access);
    if (!key) throw authFailed('the access key does not exist or is disabled');
    const url = request.raw.url ?? '/';
    const q = url.indexOf('?');
    const rawBody = request.rawBody;
    const bodySha256 = rawBody && rawBody.length > 0 ? crypto.createHash('sha256').update(rawBody).digest('hex') : EMPTY_BODY_SHA256;
    const result = verifySignature({
      method: request.method, rawPath: q < 0 ? url : url.slice(0, q), rawQuery: q < 0 ? '' : url.slice(q + 1),
      headers: request.headers, bodySha256, bodyPresent: (rawBody?.length ?? 0) > 0 || hasBody(request.raw),
      streamedBody: request.routeOptions.config.streamedBody === true,
    }, key.secretKey);
    if (!result.ok) throw authFailed(result.reason);
    const principal = await identity.principal(key.userId, 'aksk', null);
    if (!principal) throw authFailed('the owner of this access key no longer exists or is disabled');
    return principal;
  }
  throw authFailed('no X-Auth-Token or SDK-HMAC-SHA256 Authorization header');
}

const READ_METHODS = new Set(['GET', 'HEAD']);

/** Whether a request only reads: a GET/HEAD, or a route declared `readsOnly` (a query Huawei puts behind POST). */
export const isReadRequest = (method: string, readsOnly: boolean | undefined): boolean => READ_METHODS.has(method) || readsOnly === true;

/** The caller's grant on `projectId`, checking token scope and the read-only role. */
export function authorizeProject(principal: Principal, projectId: string, reads: boolean, dialect: ApiDialect): RoleGrant {
  if (principal.method === 'token' && principal.tokenProjectId !== projectId) {
    throw notAuthorized(principal.tokenProjectId === null
      ? 'a domain-scoped token cannot call project APIs; request a project-scoped token'
      : 'the token is scoped to another project');
  }
  const grant = principal.grants.get(projectId);
  if (!grant) throw notAuthorized('the user has no role in this project');
  if (grant.role === 'readonly' && !reads) {
    throw forbidden(dialect === 'hss' ? 'hss' : 'gateway', 'the readonly role may only read');
  }
  return grant;
}

export const ALL_GRANTED_EPS = 'all_granted_eps';
export const DEFAULT_EP = '0';

/**
 * The enterprise projects a request may see: `0` (default), one id, or `all_granted_eps`.
 * Returns null for "every enterprise project" so callers can skip the filter.
 */
export function enterpriseScope(grant: RoleGrant, requested: string | undefined, dialect: ApiDialect): string[] | null {
  // CFW's own examples send `default` for the default enterprise project.
  const value = requested === undefined || requested === '' || requested === 'default' ? DEFAULT_EP : requested;
  if (value === ALL_GRANTED_EPS) return grant.enterpriseProjectIds;
  if (grant.enterpriseProjectIds !== null && !grant.enterpriseProjectIds.includes(value)) {
    throw forbidden(dialect === 'hss' ? 'hss' : 'gateway', `no permission on enterprise project ${value}`);
  }
  return [value];
}
