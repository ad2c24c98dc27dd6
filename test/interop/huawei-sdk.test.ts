/**
 * The official `@huaweicloud/huaweicloud-sdk-core` (npm) against the real server: HcClient.sendRequest with
 * hand-written request definitions, AK/SK signed, project auto-discovery through IAM, error mapping, and a
 * loopback recording proxy that captures the SDK's exact wire requests so they can be tampered and replayed.
 */
// First: points HOME at a temporary directory before anything below can load an SDK module.
import { sdkHome } from './sdk-home.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodeHttp from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { http, parseBody, toResult, type HttpResult } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  adminUserId, assertHuaweiError, concretePath, enrollAgent, hostFacts, sdkSign, sendSigned,
} from '../api/support.js';

// The SDK writes ~/.huaweicloud/application_id when it builds its User-Agent: keep it out of the real home.
// The client-side SDK modules are loaded with dynamic imports, after ./sdk-home.js has set HOME.
assert.equal(process.env.HOME, sdkHome);

const { ClientBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js');
const { Region } = await import('@huaweicloud/huaweicloud-sdk-core/region/region.js');
const { ClientRequestException } = await import('@huaweicloud/huaweicloud-sdk-core/exception/ClientRequestException.js');
const { Logger4jInstance } = await import('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js');
type HcClient = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HcClient;
type HttpRequestOptions = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HttpRequestOptions;
type ServiceResponseException = import('@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException.js').ServiceResponseException;
type Credentials = InstanceType<typeof BasicCredentials>;

// DefaultHttpClient logs every 4xx with the whole axios config at ERROR level; the tests assert on errors on purpose.
Logger4jInstance.level = 'off';

// ---------------------------------------------------------------------------------------------------------------
// A recording reverse proxy on loopback: the SDK talks to it, it forwards verbatim (the signed `host` included).

interface Captured {
  method: string;
  url: string;
  /** Lower-cased names, values as received. */
  headers: Record<string, string>;
  body: Buffer;
  responseStatus?: number;
  responseRequestId?: string;
}

interface Recorder { endpoint: string; captured: Captured[]; close(): Promise<void> }

async function startRecorder(target: string): Promise<Recorder> {
  const upstream = new URL(target);
  const captured: Captured[] = [];
  const server = nodeHttp.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2) headers[(req.rawHeaders[i] as string).toLowerCase()] = req.rawHeaders[i + 1] as string;
      const entry: Captured = { method: req.method ?? 'GET', url: req.url ?? '/', headers, body: Buffer.concat(chunks) };
      captured.push(entry);
      const forward = nodeHttp.request({
        host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers,
      }, (up) => {
        entry.responseStatus = up.statusCode;
        entry.responseRequestId = up.headers['x-request-id'] as string | undefined;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(entry.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`, captured,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** Replays a captured request with fetch (same host: fetch derives it from the recorder URL). */
async function replayWithFetch(recorder: Recorder, request: Captured, change: { url?: string; headers?: Record<string, string | null>; method?: string } = {}): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (['host', 'content-length', 'connection', 'accept-encoding'].includes(name)) continue;
    headers[name] = value;
  }
  for (const [name, value] of Object.entries(change.headers ?? {})) {
    if (value === null) delete headers[name.toLowerCase()];
    else headers[name.toLowerCase()] = value;
  }
  return toResult(await fetch(`${recorder.endpoint}${change.url ?? request.url}`, { method: change.method ?? request.method, headers }));
}

/** Replays with node:http, which (unlike fetch) sends a body on GET. */
function replayWithBody(recorder: Recorder, request: Captured, body: Buffer | string): Promise<HttpResult> {
  const target = new URL(recorder.endpoint);
  const headers: Record<string, string> = { ...request.headers };
  delete headers['transfer-encoding'];
  headers['content-length'] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request({ host: target.hostname, port: target.port, method: request.method, path: request.url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        const responseHeaders = new Headers();
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') responseHeaders.set(k, v);
        resolve({ status: res.statusCode ?? 0, headers: responseHeaders, body: parseBody(text) as Record<string, unknown>, text });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

// ---------------------------------------------------------------------------------------------------------------

let ts: TestServer;
let recorder: Recorder;
let projectId: string;

function credentials(options: { projectId?: boolean; sk?: string; ak?: string } = {}): Credentials {
  const creds = new BasicCredentials().withAk(options.ak ?? ts.credentials.ak).withSk(options.sk ?? ts.credentials.sk);
  return options.projectId === false ? creds : creds.withProjectId(ts.credentials.project_id);
}

function client(creds: Credentials, endpoint = recorder.endpoint): HcClient {
  return new ClientBuilder<HcClient>((hc) => hc).withCredential(creds).withEndpoint(endpoint).build();
}

/** The request definition a generated HssClient method builds for ListHostStatus. */
function listHostStatus(query: Record<string, unknown> = { offset: 0, limit: 10 }): HttpRequestOptions {
  return {
    method: 'GET', url: '/v5/{project_id}/host-management/hosts', contentType: 'application/json',
    queryParams: query, pathParams: {}, headers: {},
  };
}

interface HostList { total_num: number; data_list: Array<Record<string, unknown>>; httpStatusCode: number }

async function captureOne(run: () => Promise<unknown>): Promise<Captured> {
  const before = recorder.captured.length;
  await run();
  assert.equal(recorder.captured.length, before + 1, 'exactly one request on the wire');
  return recorder.captured[before] as Captured;
}

async function expectSdkError(promise: Promise<unknown>): Promise<ServiceResponseException> {
  try {
    await promise;
  } catch (error) {
    return error as ServiceResponseException;
  }
  assert.fail('the SDK call was expected to throw');
}

before(async () => {
  ts = await startTestServer();
  projectId = ts.credentials.project_id;
  recorder = await startRecorder(ts.endpoint);
  await enrollAgent(ts, hostFacts({ host_name: 'sdk-host-1', private_ips: ['10.1.0.1'] }));
  await enrollAgent(ts, hostFacts({ host_name: 'sdk-host-2', os_type: 'Windows', os_name: 'Windows Server', private_ips: ['10.1.0.2'] }));
});

after(async () => {
  await recorder?.close();
  await ts?.close();
  fs.rmSync(sdkHome, { recursive: true, force: true });
});

describe('official SDK core → Guardpost (accepted requests)', () => {
  test('the SDK kept its application id under the temporary HOME', async () => {
    await client(credentials()).sendRequest<HostList>(listHostStatus());
    assert.ok(fs.existsSync(path.join(sdkHome, '.huaweicloud', 'application_id')));
  });

  test('ListHostStatus: GET /v5/{project_id}/host-management/hosts?limit=10&offset=0, AK/SK signed', async () => {
    let result: HostList | undefined;
    const wire = await captureOne(async () => {
      result = await client(credentials()).sendRequest<HostList>(listHostStatus());
    });
    assert.ok(result);
    assert.equal(result.httpStatusCode, 200);
    assert.equal(result.total_num, 2);
    assert.deepEqual(result.data_list.map((h) => h.host_name), ['sdk-host-1', 'sdk-host-2']);
    assert.equal(typeof result.data_list[0]?.agent_create_time, 'number');
    // What the SDK put on the wire: axios insertion order, signed headers as documented, no token.
    assert.equal(wire.url, `/v5/${projectId}/host-management/hosts?offset=0&limit=10`);
    assert.equal(wire.headers['x-project-id'], projectId);
    assert.match(wire.headers['x-sdk-date'] ?? '', /^\d{8}T\d{6}Z$/);
    assert.match(wire.headers.authorization ?? '',
      new RegExp(`^SDK-HMAC-SHA256 Access=${ts.credentials.ak}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=[0-9a-f]{64}$`));
    assert.equal(wire.headers['x-auth-token'], undefined);
    assert.match(wire.responseRequestId ?? '', /^[0-9a-f]{32}$/);
  });

  test('query values that need escaping and repeated keys are verified (decode, re-encode, sort)', async () => {
    const found = await client(credentials()).sendRequest<HostList>(listHostStatus({ limit: 10, offset: 0, host_name: "a b*c+d/é'(x)!~" }));
    assert.equal(found.httpStatusCode, 200);
    assert.equal(found.total_num, 0);
    const byName = await client(credentials()).sendRequest<HostList>(listHostStatus({ host_name: 'sdk-host-2', limit: 10 }));
    assert.deepEqual(byName.data_list.map((h) => h.host_name), ['sdk-host-2']);
    // A repeated key on a scalar parameter passes authentication (the SDK's sorted repeated pairs verify) and then fails validation.
    const repeated = await expectSdkError(client(credentials()).sendRequest(listHostStatus({ host_name: ['b', 'a'], limit: 10 })));
    assert.ok(repeated instanceof ClientRequestException);
    assert.equal(repeated.httpStatusCode, 400);
    assert.equal(repeated.errorCode, 'HSS.0001');
  });

  test('project auto-discovery: no projectId + withIamEndpoint → signed GET /v3/projects?name=<region>', async () => {
    const creds = credentials({ projectId: false }).withIamEndpoint(recorder.endpoint);
    const hc = new ClientBuilder<HcClient>((h) => h).withCredential(creds)
      .withRegion(new Region(ts.credentials.project_name, recorder.endpoint)).build();
    const start = recorder.captured.length;
    const result = await hc.sendRequest<HostList>(listHostStatus());
    assert.equal(result.httpStatusCode, 200);
    assert.equal(result.total_num, 2);
    assert.equal(creds.projectId, projectId, 'the SDK adopted the discovered project id');
    const [lookup, call] = recorder.captured.slice(start);
    assert.ok(lookup && call, 'two requests: the IAM lookup, then the call');
    assert.equal(lookup.method, 'GET');
    assert.equal(lookup.url, `/v3/projects?name=${ts.credentials.project_name}`);
    assert.equal(lookup.headers['x-project-id'], undefined);
    assert.match(lookup.headers.authorization ?? '', /SignedHeaders=content-type;host;x-sdk-date, /);
    // The core sends `data: {}` on this GET: the body is on the wire and covered by the signature.
    assert.equal(lookup.body.toString(), '{}');
    assert.equal(lookup.responseStatus, 200);
    assert.equal(call.url, `/v5/${projectId}/host-management/hosts?offset=0&limit=10`);
    assert.equal(call.headers['x-project-id'], projectId);
  });

  test('hand-written GET /v3/projects?name=… (with the `{}` body the core sends)', async () => {
    const result = await client(credentials({ projectId: false })).sendRequest<{ projects: Array<{ id: string; name: string }>; httpStatusCode: number }>({
      method: 'GET', url: '/v3/projects', contentType: 'application/json',
      queryParams: { name: ts.credentials.project_name }, pathParams: {}, headers: {}, data: {},
    });
    assert.equal(result.httpStatusCode, 200);
    assert.deepEqual(result.projects.map((p) => [p.id, p.name]), [[projectId, ts.credentials.project_name]]);
    const none = await client(credentials({ projectId: false })).sendRequest<{ projects: unknown[]; httpStatusCode: number }>({
      method: 'GET', url: '/v3/projects', contentType: 'application/json', queryParams: { name: 'no-such-region' }, pathParams: {}, headers: {}, data: {},
    });
    assert.deepEqual(none.projects, []);
  });

  test('signed POST with a JSON body: keystoneCreateUserTokenByPassword-style POST /v3/auth/tokens?nocatalog=true', async () => {
    const options = {
      method: 'POST', url: '/v3/auth/tokens', contentType: 'application/json;charset=UTF-8',
      queryParams: { nocatalog: 'true' }, pathParams: {}, headers: {},
      data: {
        auth: {
          identity: { methods: ['password'], password: { user: { domain: { name: ts.credentials.domain_name }, name: ts.credentials.user_name, password: ts.credentials.password } } },
          scope: { project: { name: ts.credentials.project_name } },
        },
      },
      responseHeaders: ['X-Subject-Token'],
    };
    let result: { token: Record<string, unknown>; 'X-Subject-Token': string; httpStatusCode: number } | undefined;
    const wire = await captureOne(async () => {
      result = await client(credentials({ projectId: false })).sendRequest<NonNullable<typeof result>>(options as HttpRequestOptions);
    });
    assert.ok(result);
    assert.equal(result.httpStatusCode, 201);
    assert.match(result['X-Subject-Token'], /^\S{16,}$/);
    assert.equal((result.token.project as { id: string }).id, projectId);
    assert.equal(result.token.catalog, undefined, 'nocatalog');
    assert.equal(wire.headers['content-type'], 'application/json');
    assert.equal(wire.body.toString(), JSON.stringify(options.data));
    // The token the SDK obtained works as X-Auth-Token.
    const listed = await http(ts.endpoint, { path: `/v5/${projectId}/host-management/hosts`, headers: { 'x-auth-token': result['X-Subject-Token'] } });
    assert.equal(listed.status, 200, listed.text);
  });

  test('signed POST/PUT to an authenticated Huawei route (first one registered, if any)', async (t) => {
    const route = ts.server.app.huaweiRoutes.find((r) => r.method === 'POST' || r.method === 'PUT');
    if (!route) {
      t.skip('no authenticated POST/PUT Huawei route is registered yet; body tampering is covered on a signed GET with a `{}` body');
      return;
    }
    const pathname = concretePath(route.url, projectId);
    const call = sdkSign({ endpoint: ts.endpoint, method: route.method, path: pathname, data: {}, ak: ts.credentials.ak, sk: ts.credentials.sk, projectId });
    const genuine = await sendSigned(call);
    assert.ok(genuine.status !== 401 && genuine.status !== 403 && genuine.status < 500, `${route.method} ${route.url}: ${genuine.status} ${genuine.text}`);
    assertHuaweiError(await sendSigned(call, { body: '{"x":1}' }), 401, 'APIGW.0301', 'changed body');
    assertHuaweiError(await sendSigned(call, { body: '{} ' }), 401, 'APIGW.0301', 'one extra byte');
  });
});

describe('tampered SDK requests are rejected with 401 APIGW.0301', () => {
  let genuine: Captured;
  let getWithBody: Captured;

  before(async () => {
    genuine = await captureOne(() => client(credentials()).sendRequest(listHostStatus({ offset: 0, limit: 10, host_name: 'sdk' })));
    assert.equal(genuine.responseStatus, 200);
    getWithBody = await captureOne(() => client(credentials({ projectId: false })).sendRequest({
      method: 'GET', url: '/v3/projects', contentType: 'application/json', queryParams: { name: ts.credentials.project_name }, pathParams: {}, headers: {}, data: {},
    }));
    assert.equal(getWithBody.responseStatus, 200);
    assert.equal(getWithBody.body.toString(), '{}');
  });

  const url = () => genuine.url;

  test('control: the captured request replays unchanged (no nonce; freshness is the 15-minute X-Sdk-Date window)', async () => {
    const replay = await replayWithFetch(recorder, genuine);
    assert.equal(replay.status, 200, replay.text);
    assert.equal((replay.body as { total_num: number }).total_num, 2);
  });

  test('unsigned headers may change; a trailing slash on the wire gives the same canonical path', async () => {
    assert.equal((await replayWithFetch(recorder, genuine, { headers: { 'user-agent': 'curl/8.0', accept: '*/*' } })).status, 200);
    const [p, q] = url().split('?');
    assert.equal((await replayWithFetch(recorder, genuine, { url: `${p}/?${q}` })).status, 200);
    // Reordering the query on the wire is fine: the canonical query is sorted.
    assert.equal((await replayWithFetch(recorder, genuine, { url: `${p}?host_name=sdk&limit=10&offset=0` })).status, 200);
  });

  test('changed query value, added query key, removed query key', async () => {
    assertHuaweiError(await replayWithFetch(recorder, genuine, { url: url().replace('limit=10', 'limit=20') }), 401, 'APIGW.0301', 'limit changed');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { url: url().replace('host_name=sdk', 'host_name=sdk-host-1') }), 401, 'APIGW.0301', 'filter changed');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { url: `${url()}&os_type=Linux` }), 401, 'APIGW.0301', 'key added');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { url: url().replace('&host_name=sdk', '') }), 401, 'APIGW.0301', 'key removed');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { url: `${url()}&host_name=other` }), 401, 'APIGW.0301', 'key repeated');
  });

  test('changed path: another project the caller may use, another route', async () => {
    const second = await ts.server.ctx.identity.createProject(
      (await ts.server.ctx.store.db.selectFrom('projects').select('domain_id').where('id', '=', projectId).executeTakeFirstOrThrow()).domain_id,
      'second-region');
    await ts.server.ctx.identity.grantRole(await adminUserId(ts), second, 'admin');
    // Authentication fails before authorization is even considered: 401, not 403.
    assertHuaweiError(await replayWithFetch(recorder, genuine, { url: url().replace(projectId, second) }), 401, 'APIGW.0301', 'project in path');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { url: `/v3/projects?${url().split('?')[1]}` }), 401, 'APIGW.0301', 'other route');
  });

  test('changed method (GET → HEAD)', async () => {
    const head = await replayWithFetch(recorder, genuine, { method: 'HEAD' });
    assert.equal(head.status, 401);
    assert.match(head.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
  });

  test('changed signed header values, removed signed headers, changed signature', async () => {
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { 'x-project-id': '0'.repeat(32) } }), 401, 'APIGW.0301', 'X-Project-Id');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { 'x-project-id': null } }), 401, 'APIGW.0301', 'X-Project-Id removed');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { 'content-type': 'application/json; charset=utf-8' } }), 401, 'APIGW.0301', 'content-type');
    const auth = genuine.headers.authorization as string;
    const flipped = auth.replace(/Signature=([0-9a-f])/, (_m, c: string) => `Signature=${c === '0' ? '1' : '0'}`);
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { authorization: flipped } }), 401, 'APIGW.0301', 'signature');
    const fewer = auth.replace('content-type;host;x-project-id;x-sdk-date', 'host;x-project-id;x-sdk-date');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { authorization: fewer } }), 401, 'APIGW.0301', 'SignedHeaders shortened');
    const noDate = auth.replace('content-type;host;x-project-id;x-sdk-date', 'content-type;host;x-project-id');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { authorization: noDate } }), 401, 'APIGW.0301', 'X-Sdk-Date unsigned');
  });

  test('changed X-Sdk-Date: another fresh value, malformed, and a properly signed stale or future one', async () => {
    const date = genuine.headers['x-sdk-date'] as string;
    const shifted = date.replace(/(\d)Z$/, (_m, d: string) => `${(Number(d) + 1) % 10}Z`);
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { 'x-sdk-date': shifted } }), 401, 'APIGW.0301', 'date changed');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { 'x-sdk-date': new Date().toUTCString() } }), 401, 'APIGW.0301', 'date malformed');
    const pathname = `/v5/${projectId}/host-management/hosts`;
    const sign = (when: Date) => sdkSign({
      endpoint: ts.endpoint, method: 'GET', path: pathname, query: { offset: '0', limit: '10' }, ak: ts.credentials.ak, sk: ts.credentials.sk, projectId, date: when,
    });
    const fresh = await sendSigned(sign(new Date(Date.now() - 60_000)));
    assert.equal(fresh.status, 200, `a one-minute-old signature is fine: ${fresh.text}`);
    for (const [minutes, message] of [[-16, /15 minutes in the past/], [-24 * 60, /15 minutes in the past/], [6, /5 minutes ahead/], [16, /5 minutes ahead/]] as const) {
      const stale = await sendSigned(sign(new Date(Date.now() + minutes * 60_000)));
      const body = assertHuaweiError(stale, 401, 'APIGW.0301', `X-Sdk-Date ${minutes} min`);
      assert.match(String(body.error_msg), message);
    }
    const slightlyAhead = await sendSigned(sign(new Date(Date.now() + 4 * 60_000)));
    assert.equal(slightlyAhead.status, 200, `a clock 4 minutes ahead is tolerated: ${slightlyAhead.text}`);
  });

  test('changed AK: unknown, or another valid key with the original signature', async () => {
    const auth = genuine.headers.authorization as string;
    const unknown = auth.replace(ts.credentials.ak, 'AAAAAAAAAAAAAAAAAAAA');
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { authorization: unknown } }), 401, 'APIGW.0301', 'unknown AK');
    const other = await ts.server.ctx.identity.createAccessKey(await adminUserId(ts), 'second key');
    const swapped = auth.replace(ts.credentials.ak, other.ak);
    assertHuaweiError(await replayWithFetch(recorder, genuine, { headers: { authorization: swapped } }), 401, 'APIGW.0301', 'other AK');
  });

  test('changed body on a signed GET that carries `{}` (the body is hashed on every method)', async () => {
    assert.equal((await replayWithBody(recorder, getWithBody, '{}')).status, 200, 'control: same body');
    assertHuaweiError(await replayWithBody(recorder, getWithBody, '{"a":1}'), 401, 'APIGW.0301', 'other body');
    assertHuaweiError(await replayWithBody(recorder, getWithBody, '{ }'), 401, 'APIGW.0301', 'whitespace');
    assertHuaweiError(await replayWithFetch(recorder, getWithBody), 401, 'APIGW.0301', 'body dropped');
  });
});

describe('Huawei errors arrive in the SDK as ClientRequestException', () => {
  test('validation error: 400 HSS.0001 with errorCode, errorMsg and requestId', async () => {
    const start = recorder.captured.length;
    const error = await expectSdkError(client(credentials()).sendRequest(listHostStatus({ limit: 5, offset: 0 })));
    assert.ok(error instanceof ClientRequestException, `got ${String(error)}`);
    assert.equal(error.httpStatusCode, 400);
    assert.equal(error.errorCode, 'HSS.0001');
    assert.match(error.errorMsg ?? '', /limit/);
    assert.match(error.requestId ?? '', /^[0-9a-f]{32}$/);
    assert.equal(error.requestId, recorder.captured[start]?.responseRequestId, 'requestId is the X-Request-Id response header');
  });

  test('authentication failure: wrong SK → 401 APIGW.0301', async () => {
    const error = await expectSdkError(client(credentials({ sk: 'not-the-secret-key' })).sendRequest(listHostStatus()));
    assert.ok(error instanceof ClientRequestException);
    assert.equal(error.httpStatusCode, 401);
    assert.equal(error.errorCode, 'APIGW.0301');
    assert.match(error.errorMsg ?? '', /Incorrect IAM authentication information/);
    assert.match(error.requestId ?? '', /^[0-9a-f]{32}$/);
  });

  test('unknown AK → 401 APIGW.0301; unknown route → 404 APIGW.0101', async () => {
    const unknownAk = await expectSdkError(client(credentials({ ak: 'NOSUCHACCESSKEY00000' })).sendRequest(listHostStatus()));
    assert.ok(unknownAk instanceof ClientRequestException);
    assert.equal(unknownAk.errorCode, 'APIGW.0301');
    const missing = await expectSdkError(client(credentials()).sendRequest({
      method: 'GET', url: '/v5/{project_id}/no-such-api', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {},
    }));
    assert.ok(missing instanceof ClientRequestException);
    assert.equal(missing.httpStatusCode, 404);
    assert.equal(missing.errorCode, 'APIGW.0101');
    assert.match(missing.requestId ?? '', /^[0-9a-f]{32}$/);
  });

  test('IAM errors: wrong password on POST /v3/auth/tokens → 401 with an IAM code', async () => {
    const error = await expectSdkError(client(credentials({ projectId: false })).sendRequest({
      method: 'POST', url: '/v3/auth/tokens', contentType: 'application/json', queryParams: {}, pathParams: {}, headers: {},
      data: { auth: { identity: { methods: ['password'], password: { user: { domain: { name: ts.credentials.domain_name }, name: 'admin', password: 'wrong' } } } } },
    }));
    assert.ok(error instanceof ClientRequestException);
    assert.equal(error.httpStatusCode, 401);
    assert.match(error.errorCode ?? '', /^IAM\./);
    assert.match(error.requestId ?? '', /^[0-9a-f]{32}$/);
  });
});
