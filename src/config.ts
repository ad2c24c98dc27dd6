import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface GuardpostConfig {
  /** The environment this configuration was read from: families read their own settings from it when they start. */
  env: Readonly<NodeJS.ProcessEnv>;
  home: string;
  listenHost: string;
  listenPort: number;
  /** `postgres://…` selects PostgreSQL; otherwise the SQLite file under `home`. */
  databaseUrl: string | undefined;
  sqlitePath: string;
  /** The filesystem blob directory (used when `blobBackend` is `fs`). */
  blobDir: string;
  /** GUARDPOST_BLOB_URL: `file:///dir` (default: GUARDPOST_BLOB_DIR or `$home/blobs`) or `s3://bucket/prefix`. */
  blobBackend: BlobBackend;
  /** base64 of 32 bytes; when absent the key lives in `$home/master.key`. */
  masterKey: string | undefined;
  tokenTtlSeconds: number;
  agentOfflineSeconds: number;
  jobLeaseSeconds: number;
  bodyLimitBytes: number;
  checkinMaxWaitSeconds: number;
  logLevel: string;
  /** Base URL put in download links (`https://guardpost.example.com`); default: the request's own host. */
  publicUrl: string | undefined;
  /** Honour X-Forwarded-For for client IPs (download allow-lists) when behind a trusted proxy. */
  trustProxy: boolean;
  /** GUARDPOST_METRICS: `off` (no /metrics route), `on` (unauthenticated) or a bearer token /metrics requires. */
  metrics: MetricsAccess;
  /** The region id GET /v3/regions lists (besides the project names) for SDK and Terraform discovery. */
  region: string;
  login: LoginLimits;
  /** Days exported report zips are kept (GUARDPOST_EXPORT_RETENTION_DAYS). */
  exportRetentionDays: number;
}

export type BlobBackend = { kind: 'fs' } | { kind: 's3'; url: string };

/** GUARDPOST_BLOB_URL / GUARDPOST_BLOB_DIR → the blob directory and backend (one of them names the store). */
function blobFromEnv(env: NodeJS.ProcessEnv, home: string): { blobDir: string; blobBackend: BlobBackend } {
  const url = env.GUARDPOST_BLOB_URL || '';
  const defaultDir = path.resolve(env.GUARDPOST_BLOB_DIR || path.join(home, 'blobs'));
  if (url === '') return { blobDir: defaultDir, blobBackend: { kind: 'fs' } };
  if (url.startsWith('s3://')) {
    if (env.GUARDPOST_BLOB_DIR) throw new Error('set GUARDPOST_BLOB_URL=s3://… or GUARDPOST_BLOB_DIR, not both');
    return { blobDir: defaultDir, blobBackend: { kind: 's3', url } };
  }
  if (url.startsWith('file://')) {
    let dir: string;
    try {
      dir = fileURLToPath(url);
    } catch {
      throw new Error(`GUARDPOST_BLOB_URL must be file:///absolute/dir or s3://bucket/prefix, got "${url}"`);
    }
    if (env.GUARDPOST_BLOB_DIR && path.resolve(env.GUARDPOST_BLOB_DIR) !== path.resolve(dir)) {
      throw new Error('GUARDPOST_BLOB_URL and GUARDPOST_BLOB_DIR name different directories');
    }
    return { blobDir: path.resolve(dir), blobBackend: { kind: 'fs' } };
  }
  throw new Error(`GUARDPOST_BLOB_URL must be file:///absolute/dir or s3://bucket/prefix, got "${url}"`);
}

/**
 * Failed-password limits for POST /v3/auth/tokens, counted in the store (shared by every replica) over a sliding
 * window; successful logins are not counted. Password hashing runs off the event loop with bounded concurrency.
 */
export interface LoginLimits {
  windowSeconds: number;
  maxFailuresPerUser: number;
  maxFailuresPerAddress: number;
  /** scrypt computations running at once (each on a libuv pool thread). */
  hashConcurrency: number;
  /** Logins waiting for a hashing slot; beyond this they are refused with 429. */
  hashQueue: number;
  /**
   * How long a refused (429) login is held before the answer goes out: a client that waits for answers (every
   * brute-force tool with bounded concurrency) then sends at most one attempt per connection per delay.
   */
  throttleDelayMs: number;
}

export type MetricsAccess = { mode: 'off' } | { mode: 'open' } | { mode: 'token'; token: string };

export function intFromEnv(env: Readonly<NodeJS.ProcessEnv>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

function publicUrlFromEnv(raw: string | undefined): string | undefined {
  if (!raw) return undefined;
  if (!/^https?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(raw)) throw new Error(`GUARDPOST_PUBLIC_URL must be an http(s) URL, got "${raw}"`);
  return raw.replace(/\/+$/, '');
}

function metricsFromEnv(raw: string | undefined): MetricsAccess {
  if (raw === undefined || raw === '' || raw === 'off') return { mode: 'off' };
  if (raw === 'on') return { mode: 'open' };
  if (!/^[\x21-\x7e]{16,256}$/.test(raw)) {
    throw new Error('GUARDPOST_METRICS must be "off", "on" or a bearer token of 16-256 printable ASCII characters');
  }
  return { mode: 'token', token: raw };
}

function regionFromEnv(raw: string | undefined): string {
  if (raw === undefined || raw === '') return 'guardpost-local';
  if (!/^[a-z0-9][a-z0-9-]{0,63}$/.test(raw)) throw new Error(`GUARDPOST_REGION must be lower-case letters, digits and dashes, got "${raw}"`);
  return raw;
}

function loginLimitsFromEnv(env: NodeJS.ProcessEnv): LoginLimits {
  return {
    windowSeconds: intFromEnv(env, 'GUARDPOST_LOGIN_WINDOW_SECONDS', 300),
    maxFailuresPerUser: intFromEnv(env, 'GUARDPOST_LOGIN_MAX_FAILURES_PER_USER', 10),
    maxFailuresPerAddress: intFromEnv(env, 'GUARDPOST_LOGIN_MAX_FAILURES_PER_ADDRESS', 30),
    hashConcurrency: intFromEnv(env, 'GUARDPOST_LOGIN_HASH_CONCURRENCY', 1),
    hashQueue: intFromEnv(env, 'GUARDPOST_LOGIN_HASH_QUEUE', 32),
    throttleDelayMs: intFromEnv(env, 'GUARDPOST_LOGIN_THROTTLE_DELAY_MS', 1000),
  };
}

export function parseListen(listen: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d{1,5})$/.exec(listen.trim());
  if (!match) throw new Error(`GUARDPOST_LISTEN must look like host:port, got "${listen}"`);
  const port = Number(match[3]);
  if (port > 65535) throw new Error(`GUARDPOST_LISTEN port out of range: ${port}`);
  return { host: (match[1] ?? match[2]) as string, port };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GuardpostConfig {
  const home = path.resolve(env.GUARDPOST_HOME || './.guardpost');
  const { host, port } = parseListen(env.GUARDPOST_LISTEN || '127.0.0.1:8080');
  return {
    env,
    home,
    listenHost: host,
    listenPort: port,
    databaseUrl: env.GUARDPOST_DATABASE_URL || undefined,
    sqlitePath: path.join(home, 'guardpost.db'),
    ...blobFromEnv(env, home),
    masterKey: env.GUARDPOST_MASTER_KEY || undefined,
    tokenTtlSeconds: intFromEnv(env, 'GUARDPOST_TOKEN_TTL_SECONDS', 24 * 3600),
    agentOfflineSeconds: intFromEnv(env, 'GUARDPOST_AGENT_OFFLINE_SECONDS', 90),
    jobLeaseSeconds: intFromEnv(env, 'GUARDPOST_JOB_LEASE_SECONDS', 60),
    bodyLimitBytes: intFromEnv(env, 'GUARDPOST_BODY_LIMIT_BYTES', 1024 * 1024),
    checkinMaxWaitSeconds: intFromEnv(env, 'GUARDPOST_CHECKIN_MAX_WAIT_SECONDS', 25),
    logLevel: env.GUARDPOST_LOG_LEVEL || 'info',
    publicUrl: publicUrlFromEnv(env.GUARDPOST_PUBLIC_URL),
    trustProxy: env.GUARDPOST_TRUST_PROXY === 'true' || env.GUARDPOST_TRUST_PROXY === '1',
    metrics: metricsFromEnv(env.GUARDPOST_METRICS),
    region: regionFromEnv(env.GUARDPOST_REGION),
    login: loginLimitsFromEnv(env),
    exportRetentionDays: intFromEnv(env, 'GUARDPOST_EXPORT_RETENTION_DAYS', 7),
  };
}

export function endpointOf(config: Pick<GuardpostConfig, 'listenHost' | 'listenPort'>, port = config.listenPort): string {
  const host = config.listenHost.includes(':') ? `[${config.listenHost}]` : config.listenHost;
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host;
  return `http://${reachable}:${port}`;
}
