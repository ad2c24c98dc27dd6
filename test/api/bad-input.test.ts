/**
 * Hostile and malformed input: every case gets a clear 4xx in the Huawei error shape with an X-Request-Id,
 * never a 500; the server keeps serving; nothing stored changes. Raw sockets where fetch would normalise.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  adminUserId, assertHuaweiError, assertRequestId, checkin, enrollAgent, hostFacts, rawHttp, rawRequest, rowCounts, tokenFor,
  type EnrolledAgent, type RawResponse,
} from './support.js';

const BODY_LIMIT = 64 * 1024;

let ts: TestServer;
let token: string;
let projectId: string;
let hosts: string;
let agent: EnrolledAgent;
let countsBefore: Record<string, number>;
let tokenBody: string;

before(async () => {
  ts = await startTestServer({ env: { GUARDPOST_BODY_LIMIT_BYTES: String(BODY_LIMIT) } });
  projectId = ts.credentials.project_id;
  hosts = `/v5/${projectId}/host-management/hosts`;
  token = await tokenFor(ts, await adminUserId(ts), { projectId });
  agent = await enrollAgent(ts, hostFacts({ host_name: 'bad-input-host' }));
  await checkin(ts, agent);
  await ts.server.ctx.agents.flushHeartbeats();
  tokenBody = JSON.stringify({
    auth: {
      identity: { methods: ['password'], password: { user: { name: ts.credentials.user_name, password: ts.credentials.password, domain: { name: ts.credentials.domain_name } } } },
      scope: { project: { id: projectId } },
    },
  });
  countsBefore = await rowCounts(ts);
});

after(async () => {
  await ts?.close();
});

const asResult = (r: RawResponse) => ({ status: r.status, headers: r.headers, body: r.json });

async function raw(data: string | Buffer): Promise<RawResponse> {
  const response = await rawRequest(ts.endpoint, data);
  assert.ok(response.status < 500, `server error: ${response.raw.slice(0, 400)}`);
  return response;
}

/** The server still answers a normal authenticated call. */
async function assertStillServing(): Promise<void> {
  const result = await http<{ total_num: number }>(ts.endpoint, { path: hosts, headers: { 'x-auth-token': token } });
  assert.equal(result.status, 200, result.text);
  assert.equal(result.body.total_num, 1);
}

const json = { 'Content-Type': 'application/json' };
const post = (target: string, body: string | Buffer, headers: Record<string, string | number> = json) =>
  raw(rawHttp('POST', target, { ...headers, 'Content-Length': Buffer.byteLength(body) }, body));
const get = (target: string, headers: Record<string, string> = {}) => raw(rawHttp('GET', target, { 'X-Auth-Token': token, ...headers }));

describe('JSON bodies', () => {
  test('malformed JSON → 400 with the family parse code', async () => {
    for (const body of ['{"auth":', '{auth: 1}', "{'auth':1}", '{} trailing', '\ufeff{}', '{"auth":{}}}', 'NaN', '']) {
      const r = await post('/v3/auth/tokens', body);
      assertHuaweiError(asResult(r), 400, 'IAM.0001', `POST /v3/auth/tokens ${JSON.stringify(body)}`);
    }
    assertHuaweiError(asResult(await post('/agent/v1/enroll', '{"enrollment_token":')), 400, 'GP.AGENT.0001', 'enroll');
    await assertStillServing();
  });

  test('invalid UTF-8 in a JSON body → 400 naming the encoding problem', async () => {
    const bodies = [
      Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]), // {"\xff\xfe":1}
      Buffer.concat([Buffer.from('{"auth":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')]), // truncated sequence
      Buffer.concat([Buffer.from('{"auth":"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]), // UTF-8 encoded surrogate
    ];
    for (const body of bodies) {
      const r = await post('/v3/auth/tokens', body);
      const error = assertHuaweiError(asResult(r), 400, 'IAM.0001', body.toString('hex'));
      assert.match(String(error.error_msg), /UTF-8/);
    }
    await assertStillServing();
  });

  test('wrong types, unknown fields, null, arrays, absurd numbers, deep nesting → 400', async () => {
    const cases: unknown[] = [
      { auth: { identity: { methods: 'password' } } },
      { auth: { identity: { methods: ['password'], password: { user: { name: 1, password: 2, domain: { name: true } } } } } },
      { auth: { identity: { methods: ['password'] } }, extra: 1 },
      { auth: { identity: { methods: ['password'], password: { user: { name: 'a', password: 'b', domain: { name: 'c' }, role: 'admin' } } } } },
      { auth: { identity: { methods: [] } } },
      { auth: { identity: { methods: ['password'] }, scope: { project: { id: 'x'.repeat(100) } } } },
      null, [], 'auth', 42, true,
    ];
    for (const body of cases) assertHuaweiError(asResult(await post('/v3/auth/tokens', JSON.stringify(body))), 400, 'IAM.0001', JSON.stringify(body));
    assertHuaweiError(asResult(await post('/v3/auth/tokens', '{"auth":1e999}')), 400, 'IAM.0001', '1e999');
    assertHuaweiError(asResult(await post('/v3/auth/tokens', '{"__proto__":{"auth":{}}}')), 400, 'IAM.0001', '__proto__');
    const deep = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    assertHuaweiError(asResult(await post('/v3/auth/tokens', deep)), 400, 'IAM.0001', 'deeply nested object');
    const deepArray = `${'['.repeat(30000)}${']'.repeat(30000)}`;
    assertHuaweiError(asResult(await post('/v3/auth/tokens', deepArray)), 400, 'IAM.0001', 'deeply nested array');
    // The agent protocol validates just as strictly.
    const enrollCases = [
      { enrollment_token: 12345678 },
      { enrollment_token: 'gpe_xxxxxxxxxxxxxxxxxxxx', facts: { ...hostFacts(), os_type: 'Solaris' } },
      { enrollment_token: 'gpe_xxxxxxxxxxxxxxxxxxxx', facts: hostFacts(), extra: true },
      { enrollment_token: 'gpe_xxxxxxxxxxxxxxxxxxxx', facts: { ...hostFacts(), private_ips: 'not-a-list' } },
    ];
    for (const body of enrollCases) assertHuaweiError(asResult(await post('/agent/v1/enroll', JSON.stringify(body))), 400, 'GP.AGENT.0001', JSON.stringify(body));
    const wrongType = '{"wait_seconds":"soon"}';
    const checkinResult = await raw(rawHttp('POST', '/agent/v1/checkin', {
      ...json, Authorization: agent.authorization, 'Content-Length': wrongType.length,
    }, wrongType));
    assertHuaweiError(asResult(checkinResult), 400, 'GP.AGENT.0001', 'checkin wait_seconds string');
    await assertStillServing();
  });

  test('NUL (U+0000) in declared strings → 400 on both stores (PostgreSQL cannot store it)', async () => {
    const withNul = (value: string) => JSON.stringify({
      auth: {
        identity: { methods: ['password'], password: { user: { name: value, password: 'x', domain: { name: ts.credentials.domain_name } } } },
      },
    });
    assertHuaweiError(asResult(await post('/v3/auth/tokens', withNul('admin\u0000'))), 400, 'IAM.0001', 'user name');
    const domainNul = JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', password: 'x', domain: { id: '\u0000' } } } } } });
    assertHuaweiError(asResult(await post('/v3/auth/tokens', domainNul)), 400, 'IAM.0001', 'domain id');
    const scopeNul = JSON.parse(tokenBody) as { auth: { scope: unknown } };
    scopeNul.auth.scope = { project: { name: 'local\u0000' } };
    assertHuaweiError(asResult(await post('/v3/auth/tokens', JSON.stringify(scopeNul))), 400, 'IAM.0001', 'scope project name');
    const { token: enrollment } = await ts.server.ctx.agents.createEnrollmentToken({ projectId, maxUses: 1 });
    const enroll = JSON.stringify({ enrollment_token: enrollment, facts: hostFacts({ host_name: 'evil\u0000host' }) });
    assertHuaweiError(asResult(await post('/agent/v1/enroll', enroll)), 400, 'GP.AGENT.0001', 'facts host_name');
    await ts.server.ctx.store.db.deleteFrom('enrollment_tokens').where('project_id', '=', projectId).where('max_uses', '=', 1).execute();
    for (const q of ['host_name=a%00b', 'private_ip=%00', 'host_id=%00', 'ip_addr=1%00']) {
      assertHuaweiError(asResult(await get(`${hosts}?${q}`)), 400, 'HSS.0001', q);
    }
    assertHuaweiError(asResult(await get('/v3/projects?name=local%00')), 400, 'IAM.0001', '/v3/projects?name');
    await assertStillServing();
  });

  test('a valid token request with a duplicated query key is refused without issuing a token', async () => {
    const r = await post('/v3/auth/tokens?nocatalog=a&nocatalog=b', tokenBody);
    assertHuaweiError(asResult(r), 400, 'IAM.0001', 'nocatalog twice');
    assert.equal(r.headers['x-subject-token'], undefined);
  });

  test('missing, empty or foreign Content-Type → 400/415', async () => {
    assertHuaweiError(asResult(await post('/v3/auth/tokens', tokenBody, {})), 415, 'IAM.0001', 'no content-type');
    for (const type of ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      assertHuaweiError(asResult(await post('/v3/auth/tokens', tokenBody, { 'Content-Type': type })), 415, 'IAM.0001', type);
    }
    assertHuaweiError(asResult(await post('/v3/auth/tokens', '', json)), 400, 'IAM.0001', 'empty JSON body');
  });

  test(`bodies over GUARDPOST_BODY_LIMIT_BYTES (${BODY_LIMIT}) → 413, declared or streamed, on every kind of route`, async () => {
    const big = `"${'a'.repeat(BODY_LIMIT + 10)}"`;
    assertHuaweiError(asResult(await post('/v3/auth/tokens', big)), 413, 'IAM.0001', 'declared length');
    assertHuaweiError(asResult(await post('/agent/v1/enroll', big)), 413, 'GP.AGENT.0001', 'agent enroll');
    const chunk = 'a'.repeat(0x4000);
    const chunked = `${Array.from({ length: 6 }, () => `4000\r\n${chunk}\r\n`).join('')}0\r\n\r\n`;
    const streamed = await raw(Buffer.concat([
      Buffer.from(`POST /v3/auth/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`),
      Buffer.from(chunked),
    ]));
    assertHuaweiError(asResult(streamed), 413, 'IAM.0001', 'chunked');
    // Authenticated GETs read (and hash) a body for the signature: bounded the same way.
    const getBig = await raw(rawHttp('GET', hosts, { 'X-Auth-Token': token, ...json, 'Content-Length': big.length }, big));
    assertHuaweiError(asResult(getBig), 413, 'HSS.0002', 'GET with a large body');
    const getStreamed = await raw(Buffer.concat([
      Buffer.from(`GET ${hosts} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Auth-Token: ${token}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`),
      Buffer.from(chunked),
    ]));
    assertHuaweiError(asResult(getStreamed), 413, 'HSS.0002', 'GET with a chunked large body');
    // A declared length alone is enough to refuse, before any byte of the body arrives.
    const declaredOnly = await raw(`POST /v3/auth/tokens HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${BODY_LIMIT * 4}\r\nConnection: close\r\n\r\n{`);
    assertHuaweiError(asResult(declaredOnly), 413, 'IAM.0001', 'declared only');
    await assertStillServing();
  });
});

describe('query strings', () => {
  test('limit/offset that are not integers in range → 400 HSS.0001', async () => {
    for (const q of ['limit=abc', 'limit=9', 'limit=201', 'limit=-10', 'limit=10.5', 'limit=', 'limit', 'offset=abc', 'offset=-1',
      'offset=2000001', 'offset=99999999999999999999999', 'limit=1e400', 'limit=10&limit=20', 'offset=0&offset=1']) {
      const r = await get(`${hosts}?${q}`);
      const error = assertHuaweiError(asResult(r), 400, 'HSS.0001', q);
      assert.match(String(error.error_msg), /limit|offset/, q);
    }
  });

  test('enums, lengths and repeated scalar keys → 400 HSS.0001', async () => {
    for (const q of ['os_type=Solaris', 'os_type=linux', 'os_type=Linux&os_type=Windows', 'agent_status=sleeping', 'host_status=ON',
      'protect_status=1', 'asset_value=gold', 'detect_result=x', `host_name=${'h'.repeat(257)}`, 'host_name=a&host_name=b',
      'enterprise_project_id=../../etc', 'enterprise_project_id=a%00b']) {
      assertHuaweiError(asResult(await get(`${hosts}?${q}`)), 400, 'HSS.0001', q);
    }
  });

  test('bare keys are empty values, unknown keys are ignored, odd separators are harmless', async () => {
    for (const q of ['a&b=1', 'host_name&limit=10', 'host_name=&limit=10', 'zzz=1', '=1&&&=', '&', 'offset=0&limit=10&', 'host_name=%zz', 'host_name=%ff',
      'zzz=%00', '__proto__=1&constructor=2', '__proto__[limit]=1', 'limit=10;offset=5']) {
      const r = await get(`${hosts}?${q}`);
      assert.ok(r.status === 200 || r.status === 400, `${q}: ${r.status} ${r.body}`);
      assertRequestId(asResult(r), q);
      if (r.status === 400) assertHuaweiError(asResult(r), 400, 'HSS.0001', q);
    }
    const bare = await get(`${hosts}?host_name&limit=10`);
    assert.equal(bare.status, 200, bare.body);
    assert.equal((bare.json as { total_num: number }).total_num, 1, 'a bare host_name is no filter');
    const bareKeys = await get(`${hosts}?a&b=1`);
    assert.equal(bareKeys.status, 200, bareKeys.body);
    await assertStillServing();
  });

  test('IAM query and header inputs', async () => {
    assertHuaweiError(asResult(await get('/v3/projects?enabled=maybe')), 400, 'IAM.0001', 'enabled=maybe');
    assertHuaweiError(asResult(await get(`/v3/projects?name=${'n'.repeat(65)}`)), 400, 'IAM.0001', 'long name');
    assertHuaweiError(asResult(await get('/v3/auth/tokens')), 400, 'IAM.0001', 'no X-Subject-Token');
    assertHuaweiError(asResult(await get('/v3/auth/tokens', { 'X-Subject-Token': 'x'.repeat(40) })), 404, 'IAM.0004', 'unknown subject');
    assertHuaweiError(asResult(await get('/v3/auth/tokens?nocatalog=a&nocatalog=b', { 'X-Subject-Token': token })), 400, 'IAM.0001', 'nocatalog twice');
  });
});

describe('paths', () => {
  test('traversal and encoded separators never reach a handler', async () => {
    const targets = [
      '/v5/../../etc', '/v5/../../etc/passwd', '/v5/%2e%2e/%2e%2e/etc/passwd', `/v5/${projectId}/../${projectId}/host-management/hosts`,
      `/v5/${projectId}%2Fhost-management/hosts`, `/v5/${projectId}/host-management%2Fhosts`, `/v5/${projectId}/host-management/hosts/..`,
      `/v5/${projectId}/host-management/hosts%2F..%2F..`, '/v5/%2F%2F', '/../../../../etc/passwd', '//etc/passwd',
      `/v5/${projectId}/host-management/hosts/%2e%2e`, '/agent/v1/../../etc/passwd',
    ];
    for (const target of targets) {
      const r = await get(target);
      assertHuaweiError(asResult(r), 404, 'APIGW.0101', target);
    }
  });

  test('a malformed project id in the path → 4xx (never a query with it)', async () => {
    for (const id of ['', '..%2F..%2Fetc', '%2e%2e', `${projectId.toUpperCase()}`, `${projectId}%00`, "x'%20OR%20'1'%3D'1", 'a'.repeat(200)]) {
      const r = await get(`/v5/${id}/host-management/hosts`);
      assert.ok([400, 403, 404].includes(r.status), `${id}: ${r.status} ${r.body}`);
      assertHuaweiError(asResult(r), r.status, null, id);
    }
  });

  test('undecodable percent-encoding and over-long path parameters → gateway error with a request id', async () => {
    for (const target of ['/v5/%zz/host-management/hosts', '/v5/%ff%fe/host-management/hosts', `/v5/${projectId}/host-management/%E0%A4%A`]) {
      const r = await get(target);
      assert.ok(r.status === 400 || r.status === 404, `${target}: ${r.status}`);
      assertHuaweiError(asResult(r), r.status, /^APIGW\./, target);
    }
    assertHuaweiError(asResult(await get(`/v5/${'a'.repeat(300)}/host-management/hosts`)), 414, 'APIGW.0201', 'long project_id');
    // Raw non-ASCII bytes in the request target are refused by the HTTP parser.
    const rawBytes = await raw(Buffer.concat([Buffer.from('GET /v5/'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')]));
    assertHuaweiError(asResult(rawBytes), 400, 'APIGW.0201', 'raw bytes in path');
  });

  test('agent artifact names cannot traverse', async () => {
    for (const name of ['..%2F..%2Fetc%2Fpasswd', '%2e%2e', '.hidden', 'a%2Fb', 'x'.repeat(101)]) {
      const r = await raw(rawHttp('PUT', `/agent/v1/jobs/${'0'.repeat(32)}/artifacts/${name}`, {
        Authorization: agent.authorization, 'Content-Type': 'application/octet-stream', 'Content-Length': 2,
      }, 'ab'));
      assert.ok([400, 404].includes(r.status), `${name}: ${r.status} ${r.body}`);
      assertHuaweiError(asResult(r), r.status, null, name);
    }
  });
});

describe('unknown routes and wrong methods', () => {
  test('unknown routes → 404 APIGW.0101', async () => {
    for (const target of ['/', '/nope', '/v5', '/v5/', `/v5/${projectId}`, `/v5/${projectId}/nope`, '/v1/x/capture-task/nope', '/v3/nope', '/v3/auth',
      '/agent/v1/nope', '/openapi.yaml', `/v5/${projectId}/host-management/hosts/extra`]) {
      assertHuaweiError(asResult(await get(target)), 404, 'APIGW.0101', target);
    }
    // Unauthenticated, too: an unknown route does not reveal whether it would need auth.
    assertHuaweiError(asResult(await raw(rawHttp('GET', '/v5/x/nope', {}))), 404, 'APIGW.0101', 'unauthenticated');
  });

  test('wrong methods on known routes → 404 APIGW.0101', async () => {
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE']) {
      const withBody = ['POST', 'PUT', 'PATCH'].includes(method);
      const r = await raw(rawHttp(method, hosts, { 'X-Auth-Token': token, ...(withBody ? { ...json, 'Content-Length': 2 } : {}) }, withBody ? '{}' : ''));
      assertHuaweiError(asResult(r), 404, 'APIGW.0101', `${method} hosts`);
    }
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const r = await raw(rawHttp(method, '/v3/auth/tokens', { ...json, 'Content-Length': 2 }, '{}'));
      assertHuaweiError(asResult(r), 404, 'APIGW.0101', `${method} /v3/auth/tokens`);
    }
    assertHuaweiError(asResult(await raw(rawHttp('GET', '/agent/v1/enroll', {}))), 404, 'APIGW.0101', 'GET enroll');
    const head = await raw(rawHttp('HEAD', '/nope', {}));
    assert.equal(head.status, 404);
    assertRequestId(asResult(head), 'HEAD /nope');
  });
});

describe('malformed HTTP and header injection (raw sockets)', () => {
  const cases: Array<[string, string | Buffer]> = [
    ['bare CR inside a header value', `GET ${'/'} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: abc\rX-Injected: 1\r\nConnection: close\r\n\r\n`],
    ['bare LF ending a header line', `GET / HTTP/1.1\r\nHost: x\r\nX-Foo: a\nX-Injected: 1\r\nConnection: close\r\n\r\n`],
    ['NUL in a header value', `GET / HTTP/1.1\r\nHost: x\r\nX-Auth-Token: a\0b\r\nConnection: close\r\n\r\n`],
    ['obsolete line folding', `GET / HTTP/1.1\r\nHost: x\r\nX-Auth-Token: a\r\n b\r\nConnection: close\r\n\r\n`],
    ['space before the colon', `GET / HTTP/1.1\r\nHost: x\r\nX-Auth-Token : a\r\nConnection: close\r\n\r\n`],
    ['header over the size limit', `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\nConnection: close\r\n\r\n`],
    ['request target over the size limit', `GET /v5/x?h=${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`],
    ['two different Content-Lengths', 'POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 3\r\nConnection: close\r\n\r\n{}x'],
    ['Content-Length and Transfer-Encoding', 'POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n'],
    ['non-numeric Content-Length', 'POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\nConnection: close\r\n\r\n{}'],
    ['unknown Transfer-Encoding', 'POST /v3/auth/tokens HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n{}'],
    ['CR/LF smuggled in the request line', 'GET /v5/x\rX-Injected: 1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['not HTTP at all', 'HELLO THERE\r\n\r\n'],
    ['unsupported HTTP version', 'GET / HTTP/9.9\r\nHost: x\r\nConnection: close\r\n\r\n'],
    ['HTTP/2 preface on the HTTP/1 port', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'],
  ];
  for (const [label, data] of cases) {
    test(`${label} → 400 APIGW.0201`, async () => {
      const r = await raw(data);
      assertHuaweiError(asResult(r), 400, 'APIGW.0201', label);
      assert.equal(r.headers['x-injected'], undefined);
    });
  }

  test('percent-encoded CR/LF in a header value is only data: nothing is injected into the response', async () => {
    const r = await get('/v3/auth/tokens', { 'X-Subject-Token': `${token}%0d%0aSet-Cookie:%20a=b` });
    assertHuaweiError(asResult(r), 404, 'IAM.0004', 'encoded CRLF');
    assert.equal(r.headers['set-cookie'], undefined);
  });

  test('non-ASCII bytes in credentials and a doubled X-Auth-Token → 401 APIGW.0301', async () => {
    const latin1 = await raw(Buffer.concat([
      Buffer.from(`GET ${hosts} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: `), Buffer.from([0xe9, 0xff, 0x80]), Buffer.from('\r\nConnection: close\r\n\r\n'),
    ]));
    assertHuaweiError(asResult(latin1), 401, 'APIGW.0301', 'latin1 token');
    const doubled = await raw(`GET ${hosts} HTTP/1.1\r\nHost: x\r\nX-Auth-Token: ${token}\r\nX-Auth-Token: ${token}\r\nConnection: close\r\n\r\n`);
    assertHuaweiError(asResult(doubled), 401, 'APIGW.0301', 'doubled token');
    const signature = await raw(`GET ${hosts} HTTP/1.1\r\nHost: x\r\nAuthorization: SDK-HMAC-SHA256 Access=${'A'.repeat(5000)}, SignedHeaders=host, Signature=${'0'.repeat(64)}\r\nConnection: close\r\n\r\n`);
    assertHuaweiError(asResult(signature), 401, 'APIGW.0301', 'huge AK');
  });
});

// node:test runs top-level tests in registration order: this sees every hostile case above.
test('nothing stored changed (row counts of every table before and after the hostile input)', async () => {
  await ts.server.ctx.agents.flushHeartbeats();
  assert.deepEqual(await rowCounts(ts), countsBefore);
});

test('afterwards the server still serves normal requests and still issues tokens', async () => {
  await assertStillServing();
  const signedIn = await http(ts.endpoint, { method: 'POST', path: '/v3/auth/tokens', rawBody: tokenBody, headers: json });
  assert.equal(signedIn.status, 201, signedIn.text);
  const after = await rowCounts(ts);
  assert.equal(after.tokens, (countsBefore.tokens ?? 0) + 1);
});
