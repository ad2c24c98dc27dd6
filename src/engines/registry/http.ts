import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { RegistryError, asRegistryError, type RegistryFailureCode } from './errors.js';

export interface HttpRequest {
  url: URL;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  body?: Buffer;
  /** Extra CA certificates (PEM) trusted for https, besides the system ones. */
  ca?: string;
  /** Aborts the request and its body (the caller's cancellation). */
  signal?: AbortSignal;
  /** Until the response headers arrive, and then the longest pause between body chunks. */
  timeoutMs: number;
}

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Must be consumed or destroyed by the caller. */
  body: IncomingMessage;
}

/**
 * One HTTP(S) request without redirects (the caller decides which to follow and with which credentials).
 * Network failures become `registry_unreachable`, an expired timer or an aborted signal `timeout`.
 */
export function sendRequest(request: HttpRequest): Promise<HttpResponse> {
  const { url } = request;
  const context = `${request.method ?? 'GET'} ${url.origin}${url.pathname}`;
  if (request.signal?.aborted) return Promise.reject(new RegistryError('timeout', `${context}: aborted`));
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : null;
  if (!transport) return Promise.reject(new RegistryError('unsupported_format', `${context}: unsupported scheme ${url.protocol}`));
  return new Promise<HttpResponse>((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'guardpost-registry-client', ...request.headers };
    if (request.body) headers['content-length'] = String(request.body.length);
    const options: https.RequestOptions = { method: request.method ?? 'GET', headers, agent: false };
    // A custom CA is trusted in addition to the bundled roots, not in their place.
    if (request.ca && url.protocol === 'https:') options.ca = [...rootCertificates, request.ca];
    const req = transport.request(url, options);
    let settled = false;
    const fail = (err: unknown): void => {
      if (!settled) { settled = true; cleanup(); detach(); reject(asRegistryError(err, context, request.signal)); }
    };
    const headerTimer = setTimeout(() => {
      settled = true; cleanup(); detach(); req.destroy();
      reject(new RegistryError('timeout', `${context}: no response within ${request.timeoutMs} ms`));
    }, request.timeoutMs);
    const onAbort = (): void => {
      req.destroy();
      fail(new RegistryError('timeout', `${context}: aborted`));
    };
    const cleanup = (): void => { clearTimeout(headerTimer); };
    const detach = (): void => request.signal?.removeEventListener('abort', onAbort);
    request.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.on('response', (res) => {
      if (settled) { res.destroy(); return; }
      settled = true; cleanup();
      res.setTimeout(request.timeoutMs, () => res.destroy(new RegistryError('timeout', `${context}: body stalled for ${request.timeoutMs} ms`)));
      res.on('close', detach);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.end(request.body);
  });
}

/** The whole body, at most `maxBytes` (over it: `code`, and the connection is dropped). */
export async function readBounded(res: HttpResponse, maxBytes: number, what: string, code: RegistryFailureCode = 'image_oversized'): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    res.body.destroy();
    throw new RegistryError(code, `${what} is ${declared} bytes (limit ${maxBytes})`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      total += buf.length;
      if (total > maxBytes) {
        res.body.destroy();
        throw new RegistryError(code, `${what} is over ${maxBytes} bytes`);
      }
      chunks.push(buf);
    }
  } catch (err) {
    throw asRegistryError(err, what);
  }
  return Buffer.concat(chunks);
}

/** Drains and discards a small error body so the socket closes cleanly. */
export function discard(res: HttpResponse): void {
  res.body.resume();
}
