import crypto from 'node:crypto';
import Fastify, { LogController, type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyServerOptions } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { JobSchemaError } from '../core/job-kind.js';
import { QuotaExceededError } from '../core/quotas.js';
import { authenticate, authorizeProject, isReadRequest } from './auth/huawei-auth.js';
import type { AppContext } from './context.js';
import {
  ApiError, errorBody, dialectOfUrl, invalidParameter, malformedRequest, routeNotFound, type ApiDialect,
} from './errors.js';
import { isClientAbort, logClientAbort } from './client-abort.js';
import { healthRoutes } from './health.js';
import { recordHttpMetrics } from './metrics.js';
import { registerOpenApi } from './openapi.js';
import { hasBody, parseJsonBody, readRawBody } from './raw-body.js';
import { validatorCompiler } from './validation.js';
import { apiPlugins } from '../api/index.js';

const PROJECT_ID_PATTERN = /^[0-9a-f]{32}$/;

export type App = FastifyInstance & { huaweiRoutes: Array<{ method: string; url: string; readsOnly: boolean; streamedBody: boolean }> };

const QUOTA_CODES: Record<ApiDialect, string> = {
  cfw: 'CFW.00200024', hss: 'HSS.1002', iam: 'IAM.0001', agent: 'GP.AGENT.0009', gateway: 'APIGW.0201',
};
const INTERNAL_CODES: Record<ApiDialect, string> = {
  cfw: 'CFW.00000008', hss: 'HSS.0004', iam: 'IAM.0000', agent: 'GP.AGENT.0500', gateway: 'APIGW.0500',
};

function dialectOf(request: { routeOptions?: { config?: { dialect?: ApiDialect } }; url: string }): ApiDialect {
  return request.routeOptions?.config?.dialect ?? dialectOfUrl(request.url);
}

export async function buildApp(ctx: AppContext, options: { logger?: FastifyServerOptions['logger']; routes?: readonly FastifyPluginAsync[] } = {}): Promise<App> {
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: ctx.config.bodyLimitBytes,
    genReqId: () => crypto.randomUUID().replace(/-/g, ''),
    requestIdHeader: false,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    return503OnClosing: true,
    trustProxy: ctx.config.trustProxy,
    // Agents check in all the time: per-request access logs only when asked for (GUARDPOST_LOG_LEVEL=debug).
    logController: new LogController({ disableRequestLogging: !['debug', 'trace'].includes(ctx.config.logLevel) }),
    forceCloseConnections: true,
    clientErrorHandler: (error, socket) => {
      if (!socket.writable) return;
      // Same shape as every other gateway error: request_id in the body equals the X-Request-Id header.
      const requestId = crypto.randomUUID().replace(/-/g, '');
      const body = JSON.stringify({ error_code: 'APIGW.0201', error_msg: `Malformed HTTP request: ${error.code ?? error.message}`, request_id: requestId });
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`);
    },
    // Router-level rejections (undecodable `%zz` in the path, a path parameter over maxParamLength) bypass the
    // hooks and the error handler; answer them in the gateway shape with a request id like everything else.
    frameworkErrors: (error, request, reply) => {
      const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const message = status === 414 ? 'a path parameter is too long' : 'the request path is not valid percent-encoded UTF-8';
      void (reply as FastifyReply).status(status).header('X-Request-Id', request.id)
        .send(errorBody(malformedRequest('gateway', message, status), 'gateway', request.id));
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.decorate('ctx', ctx);
  app.huaweiRoutes = [];
  app.setValidatorCompiler(validatorCompiler);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    try {
      request.rawBody = body as Buffer;
      done(null, parseJsonBody(body as Buffer, dialectOf(request)));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  app.addHook('onRoute', (route) => {
    if (route.config?.auth === 'huawei') {
      for (const method of [route.method].flat()) if (method !== 'HEAD') app.huaweiRoutes.push({ method, url: route.url, readsOnly: route.config.readsOnly === true, streamedBody: route.config.streamedBody === true });
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    reply.header('X-Request-Id', request.id);
  });
  recordHttpMetrics(app, ctx.metrics);

  app.addHook('preValidation', async (request) => {
    const config = request.routeOptions.config;
    if (config.auth !== 'huawei') return;
    const dialect = dialectOf(request);
    if ((request.method === 'GET' || request.method === 'HEAD') && hasBody(request.raw)) {
      // Huawei SDKs send and sign `{}` on some GETs; the body must be hashed even though it is ignored.
      request.rawBody = await readRawBody(request.raw, ctx.config.bodyLimitBytes, dialect);
    }
    request.principal = await authenticate(request, ctx.identity);
    const projectId = (request.params as { project_id?: string } | undefined)?.project_id;
    if (projectId !== undefined) {
      // Checked after authentication (strangers learn nothing) and before authorization (a malformed id is bad input, not a permission problem).
      if (!PROJECT_ID_PATTERN.test(projectId)) throw invalidParameter(dialect, 'project_id must be 32 lower-case hexadecimal characters');
      request.grant = authorizeProject(request.principal, projectId, isReadRequest(request.method, config.readsOnly), dialect);
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const error = routeNotFound();
    void reply.status(404).send(errorBody(error, 'gateway', request.id));
  });

  app.setErrorHandler((error, request, reply) => {
    const dialect = dialectOf(request);
    let apiError: ApiError;
    const err = error as Error & { statusCode?: number; code?: string; validation?: unknown; validationContext?: string };
    if (error instanceof ApiError) apiError = error;
    else if (isClientAbort(request, error)) {
      logClientAbort(request, error);
      apiError = malformedRequest(dialect, 'the client closed the connection before the request body was complete');
    } else if (err.validation) apiError = invalidParameter(dialect, `Invalid parameter: ${err.message}`);
    else if (error instanceof JobSchemaError) apiError = invalidParameter(dialect, error.message);
    else if (error instanceof QuotaExceededError) apiError = new ApiError(400, QUOTA_CODES[dialect], error.message);
    else if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') apiError = malformedRequest(dialect, `request body larger than ${ctx.config.bodyLimitBytes} bytes`, 413);
    else if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') apiError = malformedRequest(dialect, 'unsupported Content-Type; send application/json', 415);
    else if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      apiError = malformedRequest(dialect, err.message, err.statusCode);
    } else {
      request.log.error({ err: error }, 'unhandled error');
      apiError = new ApiError(500, INTERNAL_CODES[dialect], 'Internal error; see the server log for this request id.');
    }
    void reply.status(apiError.statusCode).headers(apiError.headers).send(errorBody(apiError, dialect, request.id));
  });

  await registerOpenApi(app, ctx.config);
  for (const plugin of [healthRoutes, ...apiPlugins, ...(options.routes ?? [])]) await app.register(plugin);
  return app;
}
