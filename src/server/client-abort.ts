import type { FastifyRequest } from 'fastify';

const HANG_UP_CODES = new Set(['ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ERR_STREAM_PREMATURE_CLOSE']);

/**
 * True when the error only means the client went away mid-request (a partial body, then the socket closed):
 * a hang-up error while the request's own stream ended early or its connection is already gone. An
 * ECONNRESET from elsewhere (the database, say) while the client is still connected is not one, and neither
 * is a request the server cut off itself (body too large), which arrives as an ApiError.
 */
export function isClientAbort(request: FastifyRequest, error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && HANG_UP_CODES.has(code) && (request.raw.readableAborted || request.raw.destroyed);
}

/** Logged at info: a client hanging up is routine (timeouts, cancelled uploads), not a server fault. */
export function logClientAbort(request: FastifyRequest, error: unknown): void {
  const code = (error as { code?: unknown } | null)?.code;
  request.log.info({ method: request.method, route: request.routeOptions.url, code, bytesRead: request.raw.socket?.bytesRead },
    'client aborted the request before its body was complete');
}
