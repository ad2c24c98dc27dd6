import crypto from 'node:crypto';

/**
 * Verifies Huawei Cloud `SDK-HMAC-SHA256` signatures as the official SDKs produce them
 * (docs/auth-signing.md in shared/). Pure: no I/O, the caller supplies the SK lookup result.
 */

export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
export const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

const AUTH_PATTERN = /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;
const DATE_PATTERN = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

export interface ParsedAuthorization { accessKey: string; signedHeaders: string[]; signature: string }

export function parseAuthorization(header: string): ParsedAuthorization | null {
  const match = AUTH_PATTERN.exec(header.trim());
  if (!match) return null;
  const signedHeaders = (match[2] as string).split(';');
  if (signedHeaders.some((h) => h === '' || h !== h.toLowerCase())) return null;
  return { accessKey: match[1] as string, signedHeaders, signature: match[3] as string };
}

export function parseSdkDate(value: string): number | null {
  const m = DATE_PATTERN.exec(value);
  if (!m) return null;
  const time = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  if (Number.isNaN(time)) return null;
  // Date.UTC rolls out-of-range fields over (month 13, hour 25, second 61): such a date is malformed, not another date.
  const d = new Date(time);
  const fields = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate(), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds()];
  return fields.every((f, i) => f === +m[i + 1]!) ? time : null;
}

/** The SDKs' encoder: unreserved characters A-Z a-z 0-9 - _ . ~ are kept, every other UTF-8 byte is %XX. */
export function sdkEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function canonicalUri(rawPath: string, decodeSegments: boolean): string {
  const encoded = rawPath.split('/').map((segment) => sdkEncode(decodeSegments ? safeDecode(segment) : segment)).join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function canonicalQuery(rawQuery: string, lowercaseKeys: boolean): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (lowercaseKeys) key = key.toLowerCase();
    pairs.push([sdkEncode(key), sdkEncode(value)]);
  }
  // Code-unit order on keys, then on values: exactly what the SDKs' sort() calls produce.
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

export interface SignedRequest {
  method: string;
  /** Path exactly as on the wire (still percent-encoded), without the query. */
  rawPath: string;
  /** Query exactly as on the wire, without the leading `?`. */
  rawQuery: string;
  /** Lower-cased header names; repeated headers joined as Node joins them. */
  headers: Record<string, string | string[] | undefined>;
  /** SHA-256 hex of the raw body bytes (the empty-body hash when there is none). */
  bodySha256: string;
}

export type VerifyResult =
  | { ok: true; accessKey: string; variant: string }
  | { ok: false; reason: string };

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** Canonical request variants: strict first, then the documented quirks of SDK versions and configurations. */
const VARIANTS: ReadonlyArray<{ name: string; uri: (p: string) => string; query: (q: string) => string }> = [
  { name: 'strict', uri: (p) => canonicalUri(p, true), query: (q) => canonicalQuery(q, false) },
  { name: 'raw-path', uri: (p) => canonicalUri(p, false), query: (q) => canonicalQuery(q, false) },
  { name: 'go-lowercase-query-keys', uri: (p) => canonicalUri(p, false), query: (q) => canonicalQuery(q, true) },
  { name: 'endpoint-trailing-slash', uri: (p) => canonicalUri(`/${p}`, true), query: (q) => canonicalQuery(q, false) },
];

export function verifySignature(request: SignedRequest, secretKey: string, now: number = Date.now()): VerifyResult {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization) return { ok: false, reason: 'missing Authorization header' };
  const parsed = parseAuthorization(authorization);
  if (!parsed) return { ok: false, reason: 'malformed SDK-HMAC-SHA256 Authorization header' };
  if (!parsed.signedHeaders.includes('x-sdk-date')) return { ok: false, reason: 'X-Sdk-Date must be signed' };
  const dateValue = headerValue(request.headers, 'x-sdk-date') ?? '';
  const date = parseSdkDate(dateValue);
  if (date === null) return { ok: false, reason: 'X-Sdk-Date must look like 20261122T125144Z' };
  if (Math.abs(now - date) > MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'X-Sdk-Date is more than 15 minutes off the server clock' };

  const canonicalHeaderLines: string[] = [];
  for (const name of parsed.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    canonicalHeaderLines.push(`${name}:${value.trim()}\n`);
  }
  const contentSha = headerValue(request.headers, 'x-sdk-content-sha256');
  const unsigned = contentSha === 'UNSIGNED-PAYLOAD' && parsed.signedHeaders.includes('x-sdk-content-sha256');
  if (unsigned && (headerValue(request.headers, 'content-type') ?? '').includes('json')) {
    // The SDKs only skip the body hash for non-JSON uploads; a JSON body must be covered by the signature.
    return { ok: false, reason: 'UNSIGNED-PAYLOAD is not accepted for JSON bodies' };
  }
  const payloadHash = unsigned ? 'UNSIGNED-PAYLOAD' : request.bodySha256;
  const method = request.method.toUpperCase();
  const headersBlock = canonicalHeaderLines.join('');
  const signedHeaders = parsed.signedHeaders.join(';');
  const expected = Buffer.from(parsed.signature, 'hex');
  const tried = new Set<string>();
  for (const variant of VARIANTS) {
    const canonical = [method, variant.uri(request.rawPath), variant.query(request.rawQuery), headersBlock, signedHeaders, payloadHash].join('\n');
    if (tried.has(canonical)) continue;
    tried.add(canonical);
    const stringToSign = `SDK-HMAC-SHA256\n${dateValue}\n${crypto.createHash('sha256').update(canonical).digest('hex')}`;
    const actual = crypto.createHmac('sha256', secretKey).update(stringToSign).digest();
    if (crypto.timingSafeEqual(actual, expected)) return { ok: true, accessKey: parsed.accessKey, variant: variant.name };
  }
  return { ok: false, reason: 'verify aksk signature fail' };
}

/** Client-side signing with the same rules; used by the CLI and tests that do not load the official SDK. */
export function signRequest(options: {
  method: string; path: string; query?: string; headers: Record<string, string>; body?: string | Buffer;
  accessKey: string; secretKey: string; date?: Date;
}): Record<string, string> {
  const date = (options.date ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const headers: Record<string, string> = { ...options.headers, 'x-sdk-date': date };
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  const names = Object.keys(lower).filter((n) => n !== 'authorization').sort();
  const bodyHash = crypto.createHash('sha256').update(options.body ?? '').digest('hex');
  const canonical = [
    options.method.toUpperCase(), canonicalUri(options.path, true), canonicalQuery(options.query ?? '', false),
    names.map((n) => `${n}:${String(lower[n]).trim()}\n`).join(''), names.join(';'), bodyHash,
  ].join('\n');
  const stringToSign = `SDK-HMAC-SHA256\n${date}\n${crypto.createHash('sha256').update(canonical).digest('hex')}`;
  const signature = crypto.createHmac('sha256', options.secretKey).update(stringToSign).digest('hex');
  return { ...headers, Authorization: `SDK-HMAC-SHA256 Access=${options.accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}
