import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { GuardpostConfig } from '../config.js';

/**
 * The OpenAPI document (`/openapi.json`) and its interactive page (`/docs`, assets served from the package).
 * Routes name their operation (`schema.operationId`, the Huawei name where there is one); everything the
 * document says about authentication, error bodies, headers and binary downloads is added here, for the
 * document only: response schemas given to Fastify would also change how replies are serialised.
 */

const HUAWEI_ERROR = {
  $id: 'HuaweiError',
  type: 'object',
  description: 'Huawei error body. APIGW.* gateway codes add request_id; HSS codes repeat error_msg in error_description.',
  required: ['error_code', 'error_msg'],
  properties: {
    error_code: { type: 'string', example: 'CFW.00200003' },
    error_msg: { type: 'string' },
    error_description: { type: 'string' },
    request_id: { type: 'string' },
  },
} as const;

const errorResponse = (description: string) => ({ description, $ref: 'HuaweiError#' });

/** A Huawei error response for a route's `config.documentedResponses`. */
export const documentedError = errorResponse;

const ERRORS_FOR_ALL = {
  400: errorResponse('Invalid parameter, malformed body, or (CFW/HSS style) resource not found'),
  404: errorResponse('No such API (APIGW.0101)'),
};
const ERRORS_FOR_AUTHENTICATED = {
  401: errorResponse('Missing, wrong or expired credentials (APIGW.0301, APIGW.0307)'),
  403: errorResponse('The caller has no role for this project or operation'),
};

/**
 * Responses that only the document describes: headers, binary bodies, and routes that answer errors themselves.
 * The core's are here; a family's routes give theirs in `config.documentedResponses`.
 */
const DOCUMENT_ONLY_RESPONSES: Record<string, Record<string, object>> = {
  KeystoneCreateUserTokenByPassword: {
    201: {
      description: 'Token issued; the token itself is the X-Subject-Token response header',
      headers: { 'X-Subject-Token': { type: 'string', description: 'The IAM token: send it as X-Auth-Token' } },
      type: 'object', additionalProperties: true,
    },
    401: errorResponse('Wrong user name, password or domain, or no role in the requested project'),
  },
  KeystoneValidateToken: {
    200: {
      description: 'The token named by the X-Subject-Token request header is valid',
      headers: { 'X-Subject-Token': { type: 'string', description: 'The validated token' } },
      type: 'object', additionalProperties: true,
    },
    404: errorResponse('The token does not exist or has expired (IAM.0004)'),
  },
  GetMetrics: {
    200: { description: 'Prometheus text exposition format', content: { 'text/plain; version=0.0.4': { schema: { type: 'string' } } } },
    401: errorResponse('GUARDPOST_METRICS is a token and the bearer token is missing or wrong (APIGW.0301)'),
  },
};

type Security = ReadonlyArray<Record<string, readonly string[]>>;
const HUAWEI_SECURITY: Security = [{ token: [] }, { aksk: [] }];

type RouteSchema = Record<string, unknown> & { operationId?: string; security?: Security; response?: Record<string, unknown> };

function documentRoute({ schema, url, route }: { schema: unknown; url: string; route: RouteOptions }) {
  const original = (schema ?? {}) as RouteSchema;
  const auth = route.config?.auth;
  const errors = route.config?.dialect === 'gateway' ? {} : auth === 'huawei' ? { ...ERRORS_FOR_ALL, ...ERRORS_FOR_AUTHENTICATED } : ERRORS_FOR_ALL;
  const documentOnly = { ...DOCUMENT_ONLY_RESPONSES[original.operationId ?? ''], ...route.config?.documentedResponses };
  const response: Record<string, unknown> = { ...errors, ...original.response, ...documentOnly };
  if (!Object.keys(response).some((status) => status.startsWith('2'))) {
    response[200] = { description: 'Success', type: 'object', additionalProperties: true };
  }
  const security: Security | undefined = auth === 'huawei' ? HUAWEI_SECURITY : auth === 'agent' ? [{ agent: [] }] : original.security;
  return { schema: { ...original, response, ...(security ? { security } : {}) }, url };
}

/** `servers`: GUARDPOST_PUBLIC_URL when set, else the address this request came in on. */
function withServers<T extends object>(spec: T, config: GuardpostConfig, request: FastifyRequest): T & { servers: object[] } {
  const url = config.publicUrl ?? `${request.protocol}://${request.host}`;
  return { ...spec, servers: [{ url, description: config.publicUrl ? 'GUARDPOST_PUBLIC_URL' : 'this server' }] };
}

/** Every API route names its operation, once: checked as routes are added, so a missing or repeated one fails start-up. */
function requireOperationIds(app: FastifyInstance): void {
  const seen = new Set<string>();
  app.addHook('onRoute', (route) => {
    if (route.config?.auth === undefined || route.method === 'HEAD') return;
    const operationId = (route.schema as RouteSchema | undefined)?.operationId;
    if (!operationId) throw new Error(`route ${String(route.method)} ${route.url} has no schema.operationId`);
    if (seen.has(operationId)) throw new Error(`operationId ${operationId} is used twice (${String(route.method)} ${route.url})`);
    seen.add(operationId);
  });
}

export async function registerOpenApi(app: FastifyInstance, config: GuardpostConfig): Promise<void> {
  requireOperationIds(app);
  app.addSchema(HUAWEI_ERROR);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Guardpost', version: '0.1.0', description: 'Huawei Cloud CFW v1 / HSS v5 compatible security task service' },
      tags: [
        { name: 'cfw', description: 'Cloud Firewall v1: packet capture' },
        { name: 'hss', description: 'Host Security Service v5' },
        { name: 'iam', description: 'Keystone-compatible tokens and project discovery' },
        { name: 'operations', description: 'Health, readiness and metrics' },
      ],
      components: {
        securitySchemes: {
          token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token', description: 'IAM token from POST /v3/auth/tokens (X-Subject-Token)' },
          aksk: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'SDK-HMAC-SHA256 AK/SK signature (with X-Sdk-Date), as the official SDKs send it' },
          agent: { type: 'apiKey', in: 'header', name: 'Authorization', description: 'GuardpostAgent <agent id>:<agent secret>' },
          metricsToken: { type: 'http', scheme: 'bearer', description: 'The GUARDPOST_METRICS token' },
        },
      },
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: documentRoute,
  });
  app.get('/openapi.json', { config: { auth: 'none', dialect: 'gateway' }, schema: { hide: true, operationId: 'GetOpenApiDocument' } }, async (request) => withServers(app.swagger(), config, request));
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true },
    staticCSP: true,
    // Guardpost is often served over plain HTTP on a LAN: upgrading the asset requests to https would break the page.
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
    transformSpecification: (spec, request) => withServers(spec, config, request),
  });
}
