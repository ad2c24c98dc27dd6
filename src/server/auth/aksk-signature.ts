import crypto from 'node:crypto';

/**
 * Verifies Huawei Cloud `SDK-HMAC-SHA256` signatures as the official SDKs produce them
 * (the rules are summarised in docs/architecture.md, "Authentication"). Pure: no I/O, the caller supplies the SK lookup result.
 */

export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
/** How old an X-Sdk-Date may be (APIG's documented 15 minutes). */
export const MAX_PAST_SKEW_MS = 15 * 60 * 1000;
/** How far ahead of the server clock an X-Sdk-Date may be: small, so one signature is not valid for 30 minutes. */
export const MAX_FUTURE_SKEW_MS = 5 * 60 * 1000;

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

/**
 * The SDKs sort the decoded keys, then the decoded values of a repeated key, and only then encode (Node core
 * `CanonicalQueryString`, Go core `sort.Strings` before `escape`): `127.0.0.1` sorts before `::1`, while the
 * encoded `%3A%3A1` would sort first. Code-unit order, which is what JS `sort()` and `<` use.
 */
function canonicalQuery(rawQuery: string): string {
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    pairs.push([safeDecode(eq < 0 ? part : part.slice(0, eq)), eq < 0 ? '' : safeDecode(part.slice(eq + 1))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${sdkEncode(k)}=${sdkEncode(v)}`).join('&');
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
  /** Whether the request carries body bytes (or announces them): UNSIGNED-PAYLOAD is then refused. */
  bodyPresent: boolean;
  /**
   * The route streams its (non-JSON) body instead of buffering it, so no body hash can be checked here: the
   * signature must then say `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` (what the Huawei SDKs send for uploads), and the
   * route binds the bytes itself (image uploads: a signed `X-Guardpost-Content-Sha256`, checked after streaming).
   */
  streamedBody?: boolean;
}

export type VerifyResult =
  | { ok: true; accessKey: string; variant: string }
  | { ok: false; reason: string };

function headerValue(headers: SignedRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/**
 * Canonical URI variants: strict first, then the documented quirks of SDK versions and configurations. The query
 * has exactly one canonical form: the Go core lower-cases keys, which only matters for keys that are not already
 * lower-case, and accepting a lower-cased form would let `?TYPE=1` be signed as `?type=1` and then be ignored.
 */
const VARIANTS: ReadonlyArray<{ name: string; uri: (p: string) => string }> = [
  { name: 'strict', uri: (p) => canonicalUri(p, true) },
  { name: 'raw-path', uri: (p) => canonicalUri(p, false) },
  { name: 'endpoint-trailing-slash', uri: (p) => canonicalUri(`/${p}`, true) },
];

/** `Application/JSON; charset=utf-8` → `application/json`: media types compare case-insensitively, without parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const isJsonMediaType = (mediaType: string): boolean => mediaType === 'application/json' || mediaType.endsWith('+json');

function checkDate(dateValue: string, now: number): string | null {
  const date = parseSdkDate(dateValue);
  if (date === null) return 'X-Sdk-Date must look like 20261122T125144Z';
  if (now - date > MAX_PAST_SKEW_MS) return `X-Sdk-Date is more than ${MAX_PAST_SKEW_MS / 60_000} minutes in the past`;
  if (date - now > MAX_FUTURE_SKEW_MS) return `X-Sdk-Date is more than ${MAX_FUTURE_SKEW_MS / 60_000} minutes ahead of the server clock`;
  return null;
}

/**
 * `UNSIGNED-PAYLOAD` (signed) replaces the body hash only when there is no body at all: every body a Huawei route
 * reads is JSON and must be covered by the signature, whatever the case or parameters of its media type.
 */
function payloadHashOf(request: SignedRequest, signedHeaders: string[]): { hash: string } | { error: string } {
  const contentSha = headerValue(request.headers, 'x-sdk-content-sha256');
  const unsigned = contentSha === 'UNSIGNED-PAYLOAD' && signedHeaders.includes('x-sdk-content-sha256');
  if (request.streamedBody) {
    return unsigned ? { hash: 'UNSIGNED-PAYLOAD' } : { error: 'a streamed upload must be signed with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD' };
  }
  if (!unsigned) return { hash: request.bodySha256 };
  if (isJsonMediaType(mediaTypeOf(headerValue(request.headers, 'content-type')))) {
    return { error: 'UNSIGNED-PAYLOAD is not accepted for JSON bodies' };
  }
  if (request.bodyPresent) return { error: 'UNSIGNED-PAYLOAD is not accepted for a request with a body' };
  return { hash: 'UNSIGNED-PAYLOAD' };
}

export function verifySignature(request: SignedRequest, secretKey: string, now: number = Date.now()): VerifyResult {
  const authorization = headerValue(request.headers, 'authorization');
  if (!authorization) return { ok: false, reason: 'missing Authorization header' };
  const parsed = parseAuthorization(authorization);
  if (!parsed) return { ok: false, reason: 'malformed SDK-HMAC-SHA256 Authorization header' };
  if (!parsed.signedHeaders.includes('x-sdk-date')) return { ok: false, reason: 'X-Sdk-Date must be signed' };
  if (!parsed.signedHeaders.includes('host')) return { ok: false, reason: 'host must be signed' };
  const dateValue = headerValue(request.headers, 'x-sdk-date') ?? '';
  const dateProblem = checkDate(dateValue, now);
  if (dateProblem) return { ok: false, reason: dateProblem };

  const canonicalHeaderLines: string[] = [];
  for (const name of parsed.signedHeaders) {
    const value = headerValue(request.headers, name);
    if (value === undefined) return { ok: false, reason: `signed header ${name} is missing` };
    canonicalHeaderLines.push(`${name}:${value.trim()}\n`);
  }
  const payload = payloadHashOf(request, parsed.signedHeaders);
  if ('error' in payload) return { ok: false, reason: payload.error };
  const payloadHash = payload.hash;
  const method = request.method.toUpperCase();
  const headersBlock = canonicalHeaderLines.join('');
  const signedHeaders = parsed.signedHeaders.join(';');
  const expected = Buffer.from(parsed.signature, 'hex');
  const query = canonicalQuery(request.rawQuery);
  const tried = new Set<string>();
  for (const variant of VARIANTS) {
    const canonical = [method, variant.uri(request.rawPath), query, headersBlock, signedHeaders, payloadHash].join('\n');
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
  if (!names.includes('host')) throw new Error('signRequest needs a host header: the server requires host to be signed');
  const bodyHash = lower['x-sdk-content-sha256'] === 'UNSIGNED-PAYLOAD' ? 'UNSIGNED-PAYLOAD' : crypto.createHash('sha256').update(options.body ?? '').digest('hex');
  const canonical = [
    options.method.toUpperCase(), canonicalUri(options.path, true), canonicalQuery(options.query ?? ''),
    names.map((n) => `${n}:${String(lower[n]).trim()}\n`).join(''), names.join(';'), bodyHash,
  ].join('\n');
  const stringToSign = `SDK-HMAC-SHA256\n${date}\n${crypto.createHash('sha256').update(canonical).digest('hex')}`;
  const signature = crypto.createHmac('sha256', options.secretKey).update(stringToSign).digest('hex');
  return { ...headers, Authorization: `SDK-HMAC-SHA256 Access=${options.accessKey}, SignedHeaders=${names.join(';')}, Signature=${signature}` };
}
