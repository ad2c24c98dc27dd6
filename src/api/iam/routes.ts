import { setTimeout as sleep } from 'node:timers/promises';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ApiError, malformedRequest, throttled } from '../../server/errors.js';
import { HashQueueFullError } from '../../identity/password-hasher.js';
import type { IssuedToken } from '../../identity/identity-service.js';

const NameOrId = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
}, { additionalProperties: false });

/** Keystone scopes a project by id, or by name within a domain (what Terraform sends without project_id). */
const ProjectRef = Type.Object({
  id: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  domain: Type.Optional(NameOrId),
}, { additionalProperties: false });

const TokenRequest = Type.Object({
  auth: Type.Object({
    identity: Type.Object({
      methods: Type.Array(Type.String({ maxLength: 32 }), { minItems: 1, maxItems: 4 }),
      password: Type.Optional(Type.Object({
        user: Type.Object({
          id: Type.Optional(Type.String({ maxLength: 64 })),
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
          password: Type.String({ minLength: 1, maxLength: 1024 }),
          domain: Type.Optional(NameOrId),
          password_expires_at: Type.Optional(Type.String()),
        }, { additionalProperties: false }),
      }, { additionalProperties: false })),
      assume_role: Type.Optional(Type.Object({}, { additionalProperties: true })),
      totp: Type.Optional(Type.Object({}, { additionalProperties: true })),
    }, { additionalProperties: false }),
    scope: Type.Optional(Type.Object({
      project: Type.Optional(ProjectRef),
      domain: Type.Optional(NameOrId),
    }, { additionalProperties: false })),
  }, { additionalProperties: false }),
}, { additionalProperties: false });

const wrongCredentials = () => new ApiError(401, 'IAM.0101', 'The username or password is wrong.');

function baseUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

export const iamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { identity, loginLimiter } = app.ctx;

  /** A refused login is answered only after the throttle delay: waiting clients cannot spin on cheap 429s. */
  async function refuse(message: string, retryAfterSeconds: number): Promise<never> {
    await sleep(app.ctx.config.login.throttleDelayMs);
    throw throttled(message, retryAfterSeconds);
  }

  async function checkPassword(domain: { id?: string; name?: string }, userName: string, password: string) {
    try {
      return await identity.checkPassword(domain, userName, password);
    } catch (error) {
      if (error instanceof HashQueueFullError) return refuse('too many logins are being verified at once', 1);
      throw error;
    }
  }

  async function tokenBody(request: FastifyRequest, issued: IssuedToken, withCatalog: boolean) {
    const principal = await identity.principal(issued.userId, 'token', issued.projectId);
    if (!principal) throw wrongCredentials();
    const project = issued.projectId
      ? await identity.getProject(issued.projectId) : undefined;
    const domain = { id: principal.domainId, name: principal.domainName };
    const role = project ? principal.grants.get(project.id)?.role : undefined;
    const url = baseUrl(request);
    const region = project?.name ?? 'guardpost';
    return {
      token: {
        methods: issued.methods,
        issued_at: iso(issued.issuedAt),
        expires_at: iso(issued.expiresAt),
        ...(withCatalog ? {
          catalog: ['hss', 'cfw', 'iam'].map((service) => ({
            type: service, id: service, name: service,
            endpoints: [{ id: `${service}-public`, interface: 'public', region, region_id: region, url: service === 'iam' ? `${url}/v3` : url }],
          })),
        } : {}),
        ...(project ? { project: { id: project.id, name: project.name, domain } } : { domain }),
        roles: role ? [{ id: role, name: role === 'admin' ? 'te_admin' : 'readonly' }] : [],
        user: { id: principal.userId, name: principal.userName, password_expires_at: '', domain },
      },
    };
  }

  app.post('/v3/auth/tokens', {
    config: { auth: 'none', dialect: 'iam' },
    schema: {
      operationId: 'KeystoneCreateUserTokenByPassword', tags: ['iam'],
      summary: 'Obtain a token (Keystone-compatible, password method)',
      querystring: Type.Object({ nocatalog: Type.Optional(Type.String({ maxLength: 16 })) }),
      body: TokenRequest,
    },
  }, async (request, reply) => {
    const { identity: id, scope } = (request.body).auth;
    if (id.methods.length !== 1 || id.methods[0] !== 'password' || !id.password) {
      throw malformedRequest('iam', 'only the "password" authentication method is supported');
    }
    const user = id.password.user;
    if (!user.name || !user.domain || (!user.domain.name && !user.domain.id)) {
      throw malformedRequest('iam', 'auth.identity.password.user needs "name" and "domain" (name or id)');
    }
    const domainRef = { id: user.domain.id, name: user.domain.id ? undefined : user.domain.name };
    // One budget per user however the domain is named (by id or by name).
    const knownDomain = await identity.findDomain(domainRef);
    const subject = { domain: knownDomain?.id ?? `?${domainRef.id ?? domainRef.name}`, userName: user.name, clientAddress: request.ip };
    const retryAfter = await loginLimiter.retryAfterSeconds(subject);
    if (retryAfter !== null) await refuse('too many failed logins for this user or from this address; retry later', retryAfter);
    const checked = await checkPassword(domainRef, user.name, user.password);
    if (!checked) {
      await loginLimiter.recordFailure(subject);
      throw wrongCredentials();
    }
    await loginLimiter.recordSuccess(subject);
    let issued: IssuedToken;
    if (scope?.project) {
      if (!scope.project.id && !scope.project.name) throw malformedRequest('iam', 'scope.project needs "id" or "name"');
      const project = await identity.findProject(scope.project, checked.domain.id);
      const principal = await identity.principal(checked.user.id, 'token', null);
      if (!project || !principal?.grants.has(project.id)) {
        throw new ApiError(401, 'IAM.0102', 'The user has no role in the requested project, or it does not exist.');
      }
      issued = await identity.issueToken(checked.user.id, { projectId: project.id }, ['password']);
    } else {
      if (scope?.domain && ((scope.domain.id && scope.domain.id !== checked.domain.id) || (scope.domain.name && scope.domain.name !== checked.domain.name))) {
        throw new ApiError(401, 'IAM.0102', 'A token can only be scoped to the user\'s own domain.');
      }
      issued = await identity.issueToken(checked.user.id, { domain: true }, ['password']);
    }
    const nocatalog = (request.query as { nocatalog?: string }).nocatalog;
    void reply.status(201).header('X-Subject-Token', issued.token);
    return tokenBody(request, issued, !nocatalog);
  });

  app.get('/v3/auth/tokens', {
    config: { auth: 'huawei', dialect: 'iam' },
    schema: { operationId: 'KeystoneValidateToken', tags: ['iam'], summary: 'Validate a token (X-Subject-Token)', querystring: Type.Object({ nocatalog: Type.Optional(Type.String({ maxLength: 16 })) }) },
  }, async (request, reply) => {
    const subject = request.headers['x-subject-token'];
    if (typeof subject !== 'string' || subject === '') throw malformedRequest('iam', 'the X-Subject-Token header is required');
    const issued = await identity.lookupToken(subject);
    if (!issued || issued === 'expired') throw new ApiError(404, 'IAM.0004', 'The token does not exist or has expired.');
    void reply.header('X-Subject-Token', subject);
    return tokenBody(request, issued, !(request.query as { nocatalog?: string }).nocatalog);
  });

  app.get('/v3/projects', {
    config: { auth: 'huawei', dialect: 'iam' },
    schema: {
      operationId: 'KeystoneListProjects', tags: ['iam'],
      summary: 'List the projects the caller can use (the SDKs call it to discover a project id)',
      querystring: Type.Object({
        name: Type.Optional(Type.String({ maxLength: 64 })),
        domain_id: Type.Optional(Type.String({ maxLength: 64 })),
        enabled: Type.Optional(Type.Boolean()),
      }),
    },
  }, async (request) => {
    const { name } = request.query as { name?: string };
    const principal = request.principal!;
    const projects = await identity.projectsVisibleTo(principal, name);
    return {
      links: { self: `${baseUrl(request)}/v3/projects`, next: null, previous: null },
      projects: projects.map((p) => ({
        id: p.id, name: p.name, domain_id: p.domain_id, parent_id: p.domain_id, enabled: true, is_domain: false,
        description: '', links: { self: `${baseUrl(request)}/v3/projects/${p.id}` },
      })),
    };
  });
};
