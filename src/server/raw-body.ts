import type { IncomingMessage } from 'node:http';
import { malformedRequest, type ApiDialect } from './errors.js';

/** Reads a request body the framework did not parse (GET with `{}`, as the SDK sends), bounded by `limit`. */
export async function readRawBody(raw: IncomingMessage, limit: number, dialect: ApiDialect): Promise<Buffer> {
  const declared = Number(raw.headers['content-length'] ?? 0);
  if (declared > limit) throw malformedRequest(dialect, `request body larger than ${limit} bytes`, 413);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of raw) {
    size += (chunk as Buffer).length;
    if (size > limit) throw malformedRequest(dialect, `request body larger than ${limit} bytes`, 413);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function hasBody(raw: IncomingMessage): boolean {
  const length = raw.headers['content-length'];
  return (length !== undefined && length !== '0') || raw.headers['transfer-encoding'] !== undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Strict JSON: invalid UTF-8 is an error rather than silently replaced. */
export function parseJsonBody(body: Buffer, dialect: ApiDialect): unknown {
  if (body.length === 0) return undefined;
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw malformedRequest(dialect, 'the request body is not valid UTF-8');
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw malformedRequest(dialect, `the request body is not valid JSON: ${(error as Error).message}`);
  }
}
