/** S3 errors as the messages an operator can act on (`/readyz`, logs, job failure reasons). */

interface S3ErrorShape {
  name?: string;
  Code?: string;
  code?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const shapeOf = (error: unknown): S3ErrorShape => (typeof error === 'object' && error !== null ? error : {});

export function isNotFound(error: unknown): boolean {
  const e = shapeOf(error);
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.Code === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket';
}

const ACCESS = new Set(['AccessDenied', 'InvalidAccessKeyId', 'SignatureDoesNotMatch', 'Forbidden', 'InvalidToken', 'ExpiredToken']);
const NETWORK = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EPIPE', 'TimeoutError']);

export type S3FailureCode = 'bucket_missing' | 'access_denied' | 'unreachable' | 'store_error';

/** An Error whose message says what failed and why, without credentials. */
export function describeS3Error(error: unknown, doing: string, bucket: string): Error {
  const e = shapeOf(error);
  const name = e.name ?? e.Code ?? '';
  const status = e.$metadata?.httpStatusCode;
  let reason: string;
  let code: S3FailureCode;
  if (name === 'NoSuchBucket' || (doing === 'checking the bucket' && status === 404)) {
    [code, reason] = ['bucket_missing', `bucket "${bucket}" does not exist`];
  } else if (ACCESS.has(name) || status === 403) {
    [code, reason] = ['access_denied', `access denied to bucket "${bucket}" (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket policy)`];
  } else if (NETWORK.has(name) || NETWORK.has(e.code ?? '')) {
    [code, reason] = ['unreachable', `the object store is unreachable (${e.code ?? name})`];
  } else if (status !== undefined && status >= 500) {
    [code, reason] = ['store_error', `the object store failed (HTTP ${status}${name ? ` ${name}` : ''})`];
  } else {
    [code, reason] = ['store_error', e.message ?? String(error)];
  }
  // `code` is what /readyz shows to unauthenticated callers; the message (bucket names) goes to the log.
  return Object.assign(new Error(`S3 ${doing}: ${reason}`), { cause: error, code });
}
