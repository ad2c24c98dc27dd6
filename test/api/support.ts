/**
 * Shared fixtures for the API tests: raw sockets, agent enrollment over the real agent protocol,
 * extra identities, row-count snapshots and an independent AK/SK signer (the official SDK core's own).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import querystring from 'node:querystring';
import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import type { ICredential } from '@huaweicloud/huaweicloud-sdk-core/auth/ICredential.js';
import type { HostFacts } from '../../src/core/host-facts.js';
import type { RoleName } from '../../src/store/schema.js';
import { http, toResult, type HttpResult } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';

// ---------------------------------------------------------------------------------------------------------------
// Raw HTTP over a socket, for requests fetch would refuse or normalise.

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: Record<string, unknown> | undefined;
  raw: string;
}

function decodeChunked(body: Buffer): Buffer {
  const out: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', pos);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(pos, lineEnd).toString('latin1'), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    pos = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** Writes `data` verbatim to the server's port and reads until the server closes (send `Connection: close`). */
export function rawRequest(endpoint: string, data: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete response within ${timeoutMs} ms; got: ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The server may answer and close before it read everything we wrote (413): that is not a test failure.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      const all = Buffer.concat(chunks);
      const split = all.indexOf('\r\n\r\n');
      if (split < 0) {
        reject(new Error(`no HTTP response: ${JSON.stringify(all.toString('latin1').slice(0, 300))}`));
        return;
      }
      const head = all.subarray(0, split).toString('latin1').split('\r\n');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0] ?? '')?.[1] ?? NaN);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let bodyBytes: Buffer = all.subarray(split + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) bodyBytes = decodeChunked(bodyBytes);
      else if (headers['content-length'] !== undefined) bodyBytes = bodyBytes.subarray(0, Number(headers['content-length']));
      const body = bodyBytes.toString('utf8');
      let json: Record<string, unknown> | undefined;
      try {
        json = body === '' ? undefined : (JSON.parse(body) as Record<string, unknown>);
      } catch {
        json = undefined;
      }
      resolve({ status, headers, body, json, raw: all.toString('latin1') });
    });
    socket.write(data);
  });
}

/** A request line + headers (+ body) with CRLF line ends and `Connection: close`. */
export function rawHttp(method: string, target: string, headers: Record<string, string | number>, body: string | Buffer = ''): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), 'Connection: close'];
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.isBuffer(body) ? body : Buffer.from(body)]);
}

// ---------------------------------------------------------------------------------------------------------------
// Assertions on the Huawei error contract.

type AnyResult = { status: number; headers: Headers | Record<string, string>; body: unknown };

function headerOf(result: AnyResult, name: string): string | null | undefined {
  return result.headers instanceof Headers ? result.headers.get(name) : result.headers[name.toLowerCase()];
}

/** Status, error_code, error_msg (+ error_description for HSS codes, request_id for gateway codes) and X-Request-Id. */
export function assertHuaweiError(result: AnyResult, status: number, code: string | RegExp | null, label = ''): Record<string, unknown> {
  const where = `${label} → ${result.status} ${JSON.stringify(result.body)}`;
  assert.equal(result.status, status, where);
  const requestId = headerOf(result, 'x-request-id');
  assert.match(String(requestId ?? ''), /^[0-9a-f]{32}$/, `X-Request-Id missing: ${where}`);
  assert.equal(typeof result.body, 'object', `error body is not JSON: ${where}`);
  const body = result.body as Record<string, unknown>;
  assert.equal(typeof body.error_code, 'string', where);
  assert.equal(typeof body.error_msg, 'string', where);
  assert.ok((body.error_msg as string).length > 0, where);
  if (code instanceof RegExp) assert.match(body.error_code as string, code, where);
  else if (code !== null) assert.equal(body.error_code, code, where);
  const errorCode = body.error_code as string;
  if (errorCode.startsWith('HSS.')) assert.equal(body.error_description, body.error_msg, `HSS errors carry error_description: ${where}`);
  if (errorCode.startsWith('APIGW.')) assert.equal(body.request_id, requestId, `gateway errors echo request_id: ${where}`);
  return body;
}

export function assertRequestId(result: AnyResult, label = ''): void {
  assert.match(String(headerOf(result, 'x-request-id') ?? ''), /^[0-9a-f]{32}$/, `X-Request-Id missing: ${label}`);
}

// ---------------------------------------------------------------------------------------------------------------
// Store snapshots.

const COUNTED_TABLES = [
  'agents', 'tokens', 'tasks', 'jobs', 'artifacts', 'enrollment_tokens', 'users', 'projects', 'access_keys', 'role_assignments', 'domains',
] as const;

export async function rowCounts(ts: TestServer): Promise<Record<string, number>> {
  const db = ts.server.ctx.store.db;
  const out: Record<string, number> = {};
  for (const table of COUNTED_TABLES) {
    const row = await db.selectFrom(table as 'agents').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Identities beyond the bootstrap admin.

export async function adminUserId(ts: TestServer): Promise<string> {
  const row = await ts.server.ctx.store.db.selectFrom('users').innerJoin('domains', 'domains.id', 'users.domain_id')
    .select('users.id').where('users.name', '=', ts.credentials.user_name).where('domains.name', '=', ts.credentials.domain_name)
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function domainIdOf(ts: TestServer, projectId = ts.credentials.project_id): Promise<string> {
  const row = await ts.server.ctx.store.db.selectFrom('projects').select('domain_id').where('id', '=', projectId).executeTakeFirstOrThrow();
  return row.domain_id;
}

export async function createDomain(ts: TestServer, name: string): Promise<string> {
  const id = `d${Math.random().toString(16).slice(2).padEnd(15, '0').slice(0, 15)}`;
  await ts.server.ctx.store.db.insertInto('domains').values({ id, name, created_at: Date.now() }).execute();
  return id;
}

export interface ExtraUser { userId: string; name: string; password: string; domainName: string; projectId: string }

/** A user with `role` on `projectId` (a new project in `domainId` when not given). */
export async function createUserWithRole(ts: TestServer, options: {
  name: string; role: RoleName; domainId?: string; projectId?: string; projectName?: string; enterpriseProjectIds?: string[] | null;
}): Promise<ExtraUser> {
  const identity = ts.server.ctx.identity;
  const domainId = options.domainId ?? await domainIdOf(ts);
  const projectId = options.projectId ?? await identity.createProject(domainId, options.projectName ?? `${options.name}-project`);
  const password = `pw-${options.name}-Secret-123`;
  const userId = await identity.createUser(domainId, options.name, password);
  await identity.grantRole(userId, projectId, options.role, options.enterpriseProjectIds ?? null);
  const domain = await ts.server.ctx.store.db.selectFrom('domains').select('name').where('id', '=', domainId).executeTakeFirstOrThrow();
  return { userId, name: options.name, password, domainName: domain.name, projectId };
}

/** A project-scoped token issued straight from the identity service (no HTTP). */
export async function tokenFor(ts: TestServer, userId: string, scope: { projectId: string } | { domain: true }, now = Date.now()): Promise<string> {
  return (await ts.server.ctx.identity.issueToken(userId, scope, ['password'], now)).token;
}

// ---------------------------------------------------------------------------------------------------------------
// Agents over the real agent protocol.

export function hostFacts(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    host_name: 'host-a', os_name: 'Ubuntu', os_version: '22.04', os_type: 'Linux', kernel_version: '6.1.0-13-amd64', os_bit: '64',
    private_ips: ['10.0.0.5'], public_ips: [], agent_version: '0.1.0', capabilities: { job_kinds: ['inventory'] },
    ...overrides,
  };
}

export interface EnrolledAgent { agentId: string; secret: string; hostId: string; projectId: string; authorization: string }

export async function enrollAgent(ts: TestServer, facts: HostFacts, options: { projectId?: string; enterpriseProjectId?: string } = {}): Promise<EnrolledAgent> {
  const { token } = await ts.server.ctx.agents.createEnrollmentToken({
    projectId: options.projectId ?? ts.credentials.project_id, enterpriseProjectId: options.enterpriseProjectId,
  });
  const result = await http<{ agent_id: string; agent_secret: string; host_id: string; project_id: string }>(ts.endpoint, {
    method: 'POST', path: '/agent/v1/enroll', body: { enrollment_token: token, facts },
  });
  assert.equal(result.status, 200, `enroll: ${result.text}`);
  const { agent_id: agentId, agent_secret: secret, host_id: hostId, project_id: projectId } = result.body;
  return { agentId, secret, hostId, projectId, authorization: `GuardpostAgent ${agentId}:${secret}` };
}

export async function checkin(ts: TestServer, agent: EnrolledAgent, body: Record<string, unknown> = {}): Promise<HttpResult> {
  const result = await http(ts.endpoint, {
    method: 'POST', path: '/agent/v1/checkin', headers: { authorization: agent.authorization }, body: { wait_seconds: 0, ...body },
  });
  assert.equal(result.status, 200, `checkin: ${result.text}`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------------
// AK/SK signing with the official SDK core's signer (independent of the server's verifier).

export function sdkDate(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

export interface SignedCall { url: string; method: string; headers: Record<string, string>; body: string | undefined }

/**
 * Signs a request exactly as HcClient would (content-type application/json, X-Project-Id when given, body =
 * JSON.stringify(data)) with AKSKSigner.sign, and returns what to put on the wire (query in insertion order).
 */
export function sdkSign(options: {
  endpoint: string; method: string; path: string; query?: Record<string, string | number | string[]>; data?: unknown;
  ak: string; sk: string; projectId?: string; date?: Date; headers?: Record<string, string>;
}): SignedCall {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.projectId) headers['X-Project-Id'] = options.projectId;
  if (options.date) headers['X-Sdk-Date'] = sdkDate(options.date);
  const query = options.query ?? {};
  const request = {
    method: options.method, endpoint: `${options.endpoint}${options.path}`, url: options.path,
    headers, queryParams: { ...query }, data: options.data,
  };
  const credential = { getAk: () => options.ak, getSk: () => options.sk } as unknown as ICredential;
  const signed = AKSKSigner.sign(request, credential) as Record<string, string>;
  const qs = querystring.stringify(query);
  return {
    url: `${options.endpoint}${options.path}${qs ? `?${qs}` : ''}`,
    method: options.method,
    headers: signed,
    body: options.data === undefined ? undefined : JSON.stringify(options.data),
  };
}

/** Sends a signed call with fetch (the host header is dropped: fetch derives the same value from the URL). */
export async function sendSigned(call: SignedCall, overrides: { headers?: Record<string, string>; body?: string; url?: string } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...call.headers, ...overrides.headers })) if (k.toLowerCase() !== 'host') headers[k] = v;
  return toResult(await fetch(overrides.url ?? call.url, { method: call.method, headers, body: overrides.body ?? call.body }));
}

/** `:project_id` → the given project, every other `:param` → a syntactically plausible id, `*` → a file name. */
export function concretePath(url: string, projectId: string): string {
  return url.split('/').map((segment) => {
    if (segment === ':project_id') return projectId;
    if (segment.startsWith(':')) return '0123456789abcdef0123456789abcdef';
    if (segment === '*') return 'file.bin';
    return segment;
  }).join('/');
}

/** A classic pcap (EN10MB) with `packets` copies of one small IPv4/TCP frame. */
export function tinyPcap(packets = 1): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20);
  const frame = Buffer.alloc(54);
  frame.writeUInt16BE(0x0800, 12);
  frame[14] = 0x45;
  frame.writeUInt16BE(40, 16);
  frame[22] = 64;
  frame[23] = 6;
  Buffer.from([10, 0, 0, 1, 10, 0, 0, 2]).copy(frame, 26);
  frame.writeUInt16BE(40000, 34);
  frame.writeUInt16BE(80, 36);
  frame[46] = 0x50;
  frame[47] = 0x02;
  const record = Buffer.alloc(16);
  record.writeUInt32LE(Math.floor(Date.now() / 1000), 0);
  record.writeUInt32LE(frame.length, 8);
  record.writeUInt32LE(frame.length, 12);
  return Buffer.concat([header, ...Array.from({ length: packets }, () => [record, frame]).flat()]);
}
