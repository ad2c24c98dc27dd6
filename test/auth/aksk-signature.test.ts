import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { describe, test } from 'node:test';
import {
  EMPTY_BODY_SHA256, parseAuthorization, parseSdkDate, signRequest, verifySignature, type SignedRequest, type VerifyResult,
} from '../../src/server/auth/aksk-signature.js';

/**
 * Requests captured on the wire from @huaweicloud/huaweicloud-sdk-core 3.1.211 (the team's signing notes, §8),
 * byte for byte: request line, headers in the order received, body.
 */
const AK = 'TESTAK0000000000EXAMPLE';
const SK = 'TestSecretKey0000000000000000000000000000';
const PROJECT = '0123456789abcdef0123456789abcdef';
const UA = 'huaweicloud-usdk-nodejs/3.0; os/linux#6.18.44-fc-v669#x64 nodejs/v20.20.2 meta/C; app/166ba670-062e-4bc5-9003-837eed482b0e';
const CAPTURE_BODY_A2 = '{"destination":{"address":"10.0.0.2","address_type":0,"type":0},"duration":5,"max_packets":100000,"name":"cap1","service":{"dest_port":"80","protocol":6,"source_port":"1-65535"},"source":{"address":"10.0.0.1","address_type":0,"type":0}}';
const CAPTURE_BODY_B4 = '{"destination":{"address":"10.0.0.2","address_type":0,"type":0},"duration":5,"max_packets":100000,"name":"cap1","service":{"protocol":6,"source_port":"1-65535","dest_port":"80"},"source":{"address":"10.0.0.1","address_type":0,"type":0}}';

interface Captured { name: string; requestLine: string; headers: Array<[string, string]>; body: string }

const sdkHeaders = (date: string, signature: string, extra: Array<[string, string]> = [], withProject = true): Array<[string, string]> => [
  ['Accept', 'application/json'],
  ['Content-Type', 'application/json'],
  ['User-Agent', UA],
  ...(withProject ? [['X-Project-Id', PROJECT] as [string, string]] : []),
  ['X-Sdk-Date', date],
  ['host', '127.0.0.1:18080'],
  ['Authorization', `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;${withProject ? 'x-project-id;' : ''}x-sdk-date, Signature=${signature}`],
  ...extra,
  ['Accept-Encoding', 'gzip, compress, deflate, br'],
  ['Connection', 'keep-alive'],
];

const CAPTURED: Captured[] = [
  {
    name: 'A1', requestLine: `GET /v5/${PROJECT}/vulnerability/scan-tasks?offset=0&limit=10 HTTP/1.1`, body: '',
    headers: sdkHeaders('20261122T125144Z', '4570af9654cd95800afc3c2bc905a68f5fbc2ed46087250eb09eb0bb780a3b93'),
  },
  {
    name: 'A2', requestLine: `POST /v1/${PROJECT}/capture-task?fw_instance_id=fw-0001 HTTP/1.1`, body: CAPTURE_BODY_A2,
    headers: sdkHeaders('20261122T125144Z', 'd2b87455bfb278745c7d5f9b59aeb960ed8ef1a92b70dfcd98b5eee36266d344', [['Content-Length', '236']]),
  },
  {
    name: 'B4', requestLine: `POST /v1/${PROJECT}/capture-task?fw_instance_id=fw-0001 HTTP/1.1`, body: CAPTURE_BODY_B4,
    headers: sdkHeaders('20261122T125145Z', '7581240129f2da4ffe6560cba61af097c0978162e2e019f8316249b77c073b3c', [['Content-Length', '236']]),
  },
  {
    name: 'B5', requestLine: `GET /v1/${PROJECT}/capture-task/capture-result?fw_instance_id=fw-0001&task_id=capture-task-1 HTTP/1.1`, body: '',
    headers: sdkHeaders('20261122T125146Z', '7ccbd99d06271441daf099f1c32fe8d7253f3aa7c6a3bb4d71644d56eb3c74e6'),
  },
  {
    name: 'B6', requestLine: `GET /v1/${PROJECT}/capture-task/capture-result?fw_instance_id=fw-0001&task_id=force-error&type=1&ip=1.1.1.1&ip=1.2.3.4 HTTP/1.1`,
    body: '', headers: sdkHeaders('20261122T125146Z', '29c99736a36974326b6fac7099eda63fcb592f78f47aa5be14b3c627d9b05f7c'),
  },
  {
    name: 'C3', requestLine: 'GET /v3/projects?name=cn-north-4 HTTP/1.1', body: '{}',
    headers: [
      ['Accept', 'application/json'],
      ['Content-Type', 'application/json'],
      ['X-Sdk-Date', '20261122T125147Z'],
      ['host', '127.0.0.1:18080'],
      ['Authorization', `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-sdk-date, Signature=aaaa9e6e48a0fe5552e5f0811ccb7cbbedeca05a64057507843b9103628a71a2`],
      ['User-Agent', 'huaweicloud-usdk-nodejs/3.0'],
      ['Content-Length', '2'],
      ['Accept-Encoding', 'gzip, compress, deflate, br'],
      ['Connection', 'keep-alive'],
    ],
  },
];

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

/** A mutable view of a request as the server sees it: Node lower-cases header names. */
interface WireRequest { method: string; path: string; query: string; headers: Record<string, string>; body: string }

function toWire(c: Captured): WireRequest {
  const [method, target] = c.requestLine.split(' ') as [string, string];
  const q = target.indexOf('?');
  return {
    method, path: q < 0 ? target : target.slice(0, q), query: q < 0 ? '' : target.slice(q + 1),
    headers: Object.fromEntries(c.headers.map(([k, v]) => [k.toLowerCase(), v])), body: c.body,
  };
}

const captured = (name: string): WireRequest => toWire(CAPTURED.find((c) => c.name === name)!);

function dateOf(r: WireRequest): number {
  const date = parseSdkDate(r.headers['x-sdk-date']!);
  assert.ok(date !== null);
  return date;
}

function toSigned(r: WireRequest): SignedRequest {
  return {
    method: r.method, rawPath: r.path, rawQuery: r.query, headers: r.headers,
    bodySha256: r.body === '' ? EMPTY_BODY_SHA256 : sha256(r.body), bodyPresent: r.body !== '',
  };
}

/** What the server does: find the SK by the AK in the header (unknown AK → refused), then verify. */
const KEYS = new Map([[AK, SK], ['OTHERAK00000000000000', 'AnotherSecretKey000000000000000000000000']]);
function verify(r: WireRequest, now = dateOf(r)): VerifyResult {
  const access = /Access=([^,\s]+)/.exec(r.headers.authorization ?? '')?.[1] ?? '';
  const sk = KEYS.get(access);
  if (!sk) return { ok: false, reason: 'unknown access key' };
  return verifySignature(toSigned(r), sk, now);
}

function assertOk(r: WireRequest, message?: string, now?: number) {
  const result = verify(r, now);
  assert.equal(result.ok, true, `${message ?? 'should verify'}: ${JSON.stringify(result)}`);
  return result as Extract<VerifyResult, { ok: true }>;
}

function assertRejected(r: WireRequest, message: string, now?: number, reason?: RegExp) {
  const result = verify(r, now);
  assert.equal(result.ok, false, `${message}: must be rejected`);
  if (reason) assert.match((result as { reason: string }).reason, reason, message);
}

/**
 * A signer written from the doc's §1.2–1.3 alone (canonical pieces given literally), to check the verifier
 * against something other than its own canonicalisation code.
 */
function independentSignature(parts: {
  method: string; canonicalUri: string; canonicalQuery: string; headers: Array<[string, string]>; payloadHash: string; date: string;
}, sk = SK): string {
  const canonical = [
    parts.method, parts.canonicalUri, parts.canonicalQuery,
    parts.headers.map(([k, v]) => `${k}:${v}\n`).join(''), parts.headers.map(([k]) => k).join(';'), parts.payloadHash,
  ].join('\n');
  const stringToSign = `SDK-HMAC-SHA256\n${parts.date}\n${sha256(canonical)}`;
  return crypto.createHmac('sha256', sk).update(stringToSign).digest('hex');
}

function syntheticRequest(parts: { method?: string; path: string; canonicalUri: string; wireQuery: string; canonicalQuery: string;
  body?: string; contentType?: string; extraSigned?: Array<[string, string]>; payloadHash?: string; hostUnsigned?: boolean }): WireRequest {
  const date = '20261122T125144Z';
  const signed = ([
    ['content-type', parts.contentType ?? 'application/json'], ...(parts.hostUnsigned ? [] : [['host', '127.0.0.1:18080'] as [string, string]]),
    ...(parts.extraSigned ?? []), ['x-project-id', PROJECT], ['x-sdk-date', date],
  ] as Array<[string, string]>).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const body = parts.body ?? '';
  const signature = independentSignature({
    method: parts.method ?? 'GET', canonicalUri: parts.canonicalUri, canonicalQuery: parts.canonicalQuery, headers: signed,
    payloadHash: parts.payloadHash ?? sha256(body), date,
  });
  return {
    method: parts.method ?? 'GET', path: parts.path, query: parts.wireQuery, body,
    headers: {
      ...Object.fromEntries(signed), 'user-agent': 'test',
      authorization: `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=${signed.map(([k]) => k).join(';')}, Signature=${signature}`,
    },
  };
}

describe('captured SDK requests (SDK core 3.1.211 on the wire)', () => {
  for (const c of CAPTURED) {
    test(`${c.name} verifies strictly`, () => {
      const r = toWire(c);
      const result = assertOk(r, c.name);
      assert.equal(result.accessKey, AK);
      assert.equal(result.variant, 'strict');
    });
  }

  test('the independent signer reproduces the doc\'s canonical requests and captured signatures', () => {
    // A1: canonical request and string-to-sign hash as printed in the doc.
    const a1 = {
      method: 'GET', canonicalUri: `/v5/${PROJECT}/vulnerability/scan-tasks/`, canonicalQuery: 'limit=10&offset=0',
      headers: [['content-type', 'application/json'], ['host', '127.0.0.1:18080'], ['x-project-id', PROJECT], ['x-sdk-date', '20261122T125144Z']] as Array<[string, string]>,
      payloadHash: EMPTY_BODY_SHA256, date: '20261122T125144Z',
    };
    assert.equal(independentSignature(a1), '4570af9654cd95800afc3c2bc905a68f5fbc2ed46087250eb09eb0bb780a3b93');
    assert.equal(sha256(CAPTURE_BODY_A2), '2e647e0ae4428e33da99b2a26fc088e29a5aafb476e804914563124e2957e732');
    assert.equal(sha256(CAPTURE_BODY_B4), 'c13e91c4b674b200ea6223c6f8728b2c712355c6ce1549e612428ac89b209d3a');
    assert.equal(sha256('{}'), '44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a');
  });

  test('a date up to 15 minutes in the past or 5 minutes in the future is accepted', () => {
    const r = captured('A1');
    assertOk(r, '15:00 old', dateOf(r) + 15 * 60_000);
    assertOk(r, '5:00 ahead', dateOf(r) - 5 * 60_000);
  });
});

describe('tampering is rejected', () => {
  test('body', () => {
    const r = captured('A2');
    assertRejected({ ...r, body: r.body.replace('"duration":5', '"duration":6') }, 'changed body');
    assertRejected({ ...r, body: `${r.body} ` }, 'trailing byte');
    assertRejected({ ...r, body: '' }, 'dropped body');
    assertRejected({ ...r, body: CAPTURE_BODY_B4 }, 'same JSON, other key order: other bytes');
    const c3 = captured('C3');
    assertRejected({ ...c3, body: '' }, 'the {} body of a GET is signed too');
  });

  test('query', () => {
    const r = captured('A1');
    assertRejected({ ...r, query: 'offset=0&limit=11' }, 'changed value');
    assertRejected({ ...r, query: 'offset=0&limit=10&extra=1' }, 'added parameter');
    assertRejected({ ...r, query: 'offset=0' }, 'removed parameter');
    assertRejected({ ...r, query: '' }, 'no query');
    const b6 = captured('B6');
    assertRejected({ ...b6, query: b6.query.replace('ip=1.2.3.4', 'ip=1.2.3.5') }, 'one of the repeated values');
    assertRejected({ ...b6, query: b6.query.replace('&ip=1.2.3.4', '') }, 'one repeated value dropped');
    assertRejected({ ...b6, query: `${b6.query}&ip=1.1.1.1` }, 'one repeated value duplicated');
  });

  test('path', () => {
    const r = captured('A1');
    assertRejected({ ...r, path: r.path.replace('scan-tasks', 'scan-task') }, 'changed segment');
    assertRejected({ ...r, path: r.path.replace(PROJECT, `${PROJECT.slice(0, -1)}0`) }, 'other project');
    assertRejected({ ...r, path: `${r.path}/x` }, 'extra segment');
    assertRejected({ ...r, path: r.path.replace('/vulnerability', '') }, 'dropped segment');
  });

  test('method', () => {
    const r = captured('A1');
    for (const method of ['POST', 'PUT', 'DELETE', 'HEAD']) assertRejected({ ...r, method }, method);
    const a2 = captured('A2');
    assertRejected({ ...a2, method: 'PUT' }, 'POST → PUT');
  });

  test('a signed header', () => {
    const r = captured('A1');
    assertRejected({ ...r, headers: { ...r.headers, 'x-project-id': 'f'.repeat(32) } }, 'x-project-id');
    assertRejected({ ...r, headers: { ...r.headers, host: '127.0.0.1:18081' } }, 'host');
    assertRejected({ ...r, headers: { ...r.headers, 'content-type': 'text/plain' } }, 'content-type');
    const missing = { ...r.headers };
    delete missing['x-project-id'];
    assertRejected({ ...r, headers: missing }, 'a signed header missing', undefined, /signed header x-project-id is missing/);
  });

  test('the date: changed, stale, in the future, malformed, or not signed', () => {
    const r = captured('A1');
    const at = dateOf(r);
    assertRejected({ ...r, headers: { ...r.headers, 'x-sdk-date': '20261122T125145Z' } }, 'one second later, same signature', at);
    assertRejected(r, 'stale: 15 min + 1 s after', at + 15 * 60_000 + 1000, /15 minutes/);
    assertRejected(r, 'a day later', at + 24 * 3600_000, /15 minutes/);
    assertRejected(r, '16 min early', at - 16 * 60_000, /5 minutes ahead/);
    assertRejected(r, '5 min + 1 s early: one signature must not stay valid for 30 minutes', at - 5 * 60_000 - 1000, /5 minutes ahead/);
    for (const bad of ['2026-11-22T12:51:44Z', '20261122T125144', '20261122125144Z', '1732279904', '', '20261399T256199Z', '20261122T245144Z', '20260230T125144Z']) {
      assertRejected({ ...r, headers: { ...r.headers, 'x-sdk-date': bad } }, `malformed ${JSON.stringify(bad)}`, at, /X-Sdk-Date must look like/);
    }
    const unsignedDate = { ...r.headers, authorization: r.headers.authorization!.replace(';x-sdk-date', '') };
    assertRejected({ ...r, headers: unsignedDate }, 'x-sdk-date not signed', at, /must be signed/);
  });

  test('the AK: another key\'s SK does not match; an unknown AK has no SK', () => {
    const r = captured('A1');
    assertRejected({ ...r, headers: { ...r.headers, authorization: r.headers.authorization!.replace(AK, 'OTHERAK00000000000000') } }, 'other AK');
    assertRejected({ ...r, headers: { ...r.headers, authorization: r.headers.authorization!.replace(AK, 'UNKNOWNAK0000000000') } }, 'unknown AK');
    // Directly: the right signature checked against another SK.
    assert.equal(verifySignature(toSigned(r), 'AnotherSecretKey000000000000000000000000', dateOf(r)).ok, false);
  });

  test('the signature and the Authorization header itself', () => {
    const r = captured('A1');
    const auth = r.headers.authorization!;
    const flipped = auth.replace(/Signature=(.)/, (_m, c: string) => `Signature=${c === '4' ? '5' : '4'}`);
    assertRejected({ ...r, headers: { ...r.headers, authorization: flipped } }, 'one hex digit');
    assertRejected({ ...r, headers: { ...r.headers, authorization: auth.replace(/Signature=([0-9a-f]+)/, (_m, s: string) => `Signature=${s.toUpperCase()}`) } }, 'upper-case hex', undefined, /malformed/);
    assertRejected({ ...r, headers: { ...r.headers, authorization: auth.replace('SDK-HMAC-SHA256', 'AWS4-HMAC-SHA256') } }, 'other algorithm');
    assertRejected({ ...r, headers: { ...r.headers, authorization: auth.replace(', SignedHeaders', ' SignedHeaders') } }, 'missing comma', undefined, /malformed/);
    assertRejected({ ...r, headers: { ...r.headers, authorization: auth.replace('content-type;', 'Content-Type;') } }, 'upper-case header name', undefined, /malformed/);
    assertRejected({ ...r, headers: { ...r.headers, authorization: auth.replace('content-type;', '') } }, 'a header dropped from SignedHeaders');
    const none = { ...r.headers };
    delete none.authorization;
    assertRejected({ ...r, headers: none }, 'no Authorization', undefined, /unknown access key/);
    assert.equal(verifySignature(toSigned({ ...r, headers: none }), SK, dateOf(r)).ok, false);
  });
});

describe('what must still verify', () => {
  test('unsigned headers may change (User-Agent, Accept, Connection, Content-Length, added headers)', () => {
    const r = captured('A2');
    assertOk({ ...r, headers: { ...r.headers, 'user-agent': 'curl/8.0' } }, 'User-Agent');
    const stripped = { ...r.headers };
    delete stripped['user-agent'];
    delete stripped.accept;
    delete stripped.connection;
    assertOk({ ...r, headers: stripped }, 'unsigned headers removed');
    assertOk({ ...r, headers: { ...r.headers, accept: '*/*', 'x-request-id': 'abc', 'content-length': '999' } }, 'others added or changed');
  });

  test('signed header values with surrounding whitespace (Node trims them anyway)', () => {
    const r = captured('A1');
    assertOk({ ...r, headers: { ...r.headers, 'x-project-id': `  ${PROJECT} ` } });
  });

  test('a trailing slash on the wire path', () => {
    const r = captured('A1');
    assertOk({ ...r, path: `${r.path}/` }, 'trailing slash');
    const c3 = captured('C3');
    assertOk({ ...c3, path: '/v3/projects/' }, 'trailing slash');
  });

  test('repeated keys in any wire order, parameters in any order', () => {
    const r = captured('B6');
    assertOk({ ...r, query: 'ip=1.2.3.4&ip=1.1.1.1&type=1&task_id=force-error&fw_instance_id=fw-0001' }, 'reversed');
    assertOk({ ...r, query: 'fw_instance_id=fw-0001&ip=1.2.3.4&task_id=force-error&ip=1.1.1.1&type=1' }, 'interleaved');
    const a1 = captured('A1');
    assertOk({ ...a1, query: 'limit=10&offset=0' }, 'sorted wire order (B1 style)');
  });

  test('percent-encoding on the wire may differ from the canonical one', () => {
    const r = captured('B5');
    assertOk({ ...r, query: 'fw_instance_id=fw%2D0001&task_id=capture%2Dtask%2D1' }, 'unreserved characters escaped');
    assertOk({ ...r, path: r.path.replace('capture-result', 'capture%2Dresult') }, 'escaped unreserved character in the path');
  });

  test('special characters in a query value (§8 D): decoded, re-encoded, verified strict', () => {
    const wire = "task_name=a%20b*c%2Bd%2F%C3%A9'(x)!~";
    const canonical = 'task_name=a%20b%2Ac%2Bd%2F%C3%A9%27%28x%29%21~';
    const r = syntheticRequest({ path: `/v5/${PROJECT}/antivirus/task`, canonicalUri: `/v5/${PROJECT}/antivirus/task/`, wireQuery: wire, canonicalQuery: canonical });
    assert.equal(assertOk(r, 'special characters').variant, 'strict');
    assertOk({ ...r, query: canonical }, 'the canonical form on the wire');
    assertOk({ ...r, query: "task_name=a%20b%2Ac%2Bd%2F%C3%A9'(x)!~" }, 'mixed escaping');
    assertRejected({ ...r, query: "task_name=a%20b*c%2Bd%2F%C3%A8'(x)!~" }, 'other non-ASCII byte');
  });

  test('a bare key (?a&b=1) is an empty value', () => {
    const r = syntheticRequest({ path: `/v5/${PROJECT}/x`, canonicalUri: `/v5/${PROJECT}/x/`, wireQuery: 'a&b=1', canonicalQuery: 'a=&b=1' });
    assertOk(r, 'a&b=1');
    assertOk({ ...r, query: 'b=1&a' }, 'b=1&a');
    assertOk({ ...r, query: 'a=&b=1' }, 'a=&b=1');
    assertRejected({ ...r, query: 'b=1' }, 'bare key dropped');
    assertRejected({ ...r, query: 'a=0&b=1' }, 'bare key given a value');
  });

  test('UNSIGNED-PAYLOAD: only without a body, never for a JSON media type in any case or with parameters', () => {
    const unsignedPayload = (contentType: string, body: string) => syntheticRequest({
      method: 'POST', path: '/v5/x', canonicalUri: '/v5/x/', wireQuery: '', canonicalQuery: '', contentType,
      extraSigned: [['x-sdk-content-sha256', 'UNSIGNED-PAYLOAD']], payloadHash: 'UNSIGNED-PAYLOAD', body,
    });
    assertOk(unsignedPayload('application/octet-stream', ''), 'no body: nothing is left unsigned');
    assertRejected(unsignedPayload('application/octet-stream', 'abc'), 'a body the signature does not cover', undefined, /with a body/);
    for (const contentType of ['application/json', 'APPLICATION/JSON', 'Application/Json; charset=utf-8', ' application/json ;x=1', 'application/merge-patch+json']) {
      assertRejected(unsignedPayload(contentType, '{"a":1}'), `JSON body as ${contentType}`, undefined, /UNSIGNED-PAYLOAD/);
      assertRejected(unsignedPayload(contentType, ''), `JSON media type ${contentType}, no body`, undefined, /UNSIGNED-PAYLOAD/);
    }
    // The verifier is told a body is there even when the caller did not hash one (announced by Content-Length).
    const announced = unsignedPayload('text/plain', '');
    assert.equal(verifySignature({ ...toSigned(announced), bodyPresent: true }, SK, dateOf(announced)).ok, false);
  });

  test('a streamed-body route takes UNSIGNED-PAYLOAD with a body, and nothing else', () => {
    const upload = (signed: boolean) => syntheticRequest({
      method: 'POST', path: '/v5/x/upload', canonicalUri: '/v5/x/upload/', wireQuery: '', canonicalQuery: '', contentType: 'application/octet-stream',
      ...(signed ? { extraSigned: [['x-sdk-content-sha256', 'UNSIGNED-PAYLOAD']] as Array<[string, string]>, payloadHash: 'UNSIGNED-PAYLOAD' } : {}), body: 'archive bytes',
    });
    const streamed = (r: WireRequest) => verifySignature({ ...toSigned(r), bodySha256: EMPTY_BODY_SHA256, streamedBody: true }, SK, dateOf(r));
    assert.equal(streamed(upload(true)).ok, true, 'UNSIGNED-PAYLOAD, signed');
    const hashed = streamed(upload(false));
    assert.equal(hashed.ok, false);
    assert.match(hashed.ok ? '' : hashed.reason, /streamed upload must be signed with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD/);
    // On an ordinary route the same request is refused: its body would be left unsigned.
    assert.equal(verifySignature(toSigned(upload(true)), SK, dateOf(upload(true))).ok, false);
  });

  test('host must be among the signed headers', () => {
    const r = syntheticRequest({ path: `/v5/${PROJECT}/x`, canonicalUri: `/v5/${PROJECT}/x/`, wireQuery: 'limit=1', canonicalQuery: 'limit=1', hostUnsigned: true });
    assertRejected({ ...r, headers: { ...r.headers, host: 'anything.example' } }, 'host not signed', undefined, /host must be signed/);
  });

  test('upper-case query keys are not verified as the lower-case keys they were signed as', () => {
    const signedLower = syntheticRequest({
      path: `/v1/${PROJECT}/capture-task/capture-result`, canonicalUri: `/v1/${PROJECT}/capture-task/capture-result/`,
      wireQuery: 'ip=10.0.0.9&type=1', canonicalQuery: 'ip=10.0.0.9&type=1',
    });
    assertOk(signedLower, 'as signed');
    assertRejected({ ...signedLower, query: 'IP=10.0.0.9&TYPE=1' }, 'keys upper-cased on the wire');
    assertRejected({ ...signedLower, query: 'ip=10.0.0.9&Type=1' }, 'one key with another case');
  });

  test('repeated values are sorted before percent-encoding, as the SDKs do (127.0.0.1 before ::1)', () => {
    const r = syntheticRequest({
      path: `/v1/${PROJECT}/capture-task/capture-result`, canonicalUri: `/v1/${PROJECT}/capture-task/capture-result/`,
      wireQuery: 'ip=%3A%3A1&ip=127.0.0.1&type=1', canonicalQuery: 'ip=127.0.0.1&ip=%3A%3A1&type=1',
    });
    assertOk(r, 'mixed address families');
    assertOk({ ...r, query: 'type=1&ip=127.0.0.1&ip=::1' }, 'unencoded colons, other order');
    // Keys too: decoded, `a1` sorts before `a:`; encoded, `a%3A` would sort first.
    const keys = syntheticRequest({ path: `/v5/${PROJECT}/x`, canonicalUri: `/v5/${PROJECT}/x/`, wireQuery: 'a%3A=1&a1=2', canonicalQuery: 'a1=2&a%3A=1' });
    assertOk(keys, 'decoded key order');
  });

  test('an SDK endpoint configured with a trailing slash (signs //path) verifies through its fallback', () => {
    const r = syntheticRequest({ path: `/v5/${PROJECT}/x`, canonicalUri: `//v5/${PROJECT}/x/`, wireQuery: 'limit=1', canonicalQuery: 'limit=1' });
    assert.equal(assertOk(r).variant, 'endpoint-trailing-slash');
  });
});

describe('signRequest', () => {
  test('reproduces the SDK\'s captured signatures exactly', () => {
    const a1 = signRequest({
      method: 'GET', path: `/v5/${PROJECT}/vulnerability/scan-tasks`, query: 'offset=0&limit=10',
      headers: { 'Content-Type': 'application/json', host: '127.0.0.1:18080', 'X-Project-Id': PROJECT },
      accessKey: AK, secretKey: SK, date: new Date(Date.UTC(2026, 10, 22, 12, 51, 44)),
    });
    assert.equal(a1.Authorization, captured('A1').headers.authorization);
    assert.equal(a1['x-sdk-date'], '20261122T125144Z');
    const a2 = signRequest({
      method: 'POST', path: `/v1/${PROJECT}/capture-task`, query: 'fw_instance_id=fw-0001', body: CAPTURE_BODY_A2,
      headers: { 'Content-Type': 'application/json', host: '127.0.0.1:18080', 'X-Project-Id': PROJECT },
      accessKey: AK, secretKey: SK, date: new Date(Date.UTC(2026, 10, 22, 12, 51, 44)),
    });
    assert.equal(a2.Authorization, captured('A2').headers.authorization);
  });

  test('round trip through the verifier, and tampering after signing is caught', () => {
    const now = Date.now();
    const body = JSON.stringify({ name: 'scan ü', hosts: ['h1', 'h2'] });
    const headers = signRequest({
      method: 'post', path: `/v5/${PROJECT}/vulnerability/scan-task`, query: "b=2&a=x y&ip=2&ip=1&empty&q=*'()!", body,
      headers: { 'content-type': 'application/json', host: 'guardpost.local:8443', 'X-Project-Id': PROJECT },
      accessKey: AK, secretKey: SK, date: new Date(now),
    });
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const parsed = parseAuthorization(lower.authorization!);
    assert.deepEqual(parsed?.signedHeaders, ['content-type', 'host', 'x-project-id', 'x-sdk-date']);
    const r: WireRequest = {
      method: 'POST', path: `/v5/${PROJECT}/vulnerability/scan-task`,
      query: "ip=1&ip=2&a=x%20y&b=2&empty&q=*'()!", headers: lower, body,
    };
    assertOk(r, 'round trip', now);
    assertRejected({ ...r, body: body.replace('h2', 'h3') }, 'body', now);
    assertRejected({ ...r, query: r.query.replace('b=2', 'b=3') }, 'query', now);
    assertRejected(r, 'stale', now + 16 * 60_000);
  });
});

describe('parseSdkDate and parseAuthorization', () => {
  test('parseSdkDate accepts the basic ISO form only, with real calendar values', () => {
    assert.equal(parseSdkDate('20261122T125144Z'), Date.UTC(2026, 10, 22, 12, 51, 44));
    assert.equal(parseSdkDate('20240229T000000Z'), Date.UTC(2024, 1, 29), 'leap day');
    for (const bad of ['20250229T000000Z', '20261322T125144Z', '20261100T125144Z', '20261122T246000Z', '20261122T125960Z', '20261122t125144z', ' 20261122T125144Z']) {
      assert.equal(parseSdkDate(bad), null, bad);
    }
  });

  test('parseAuthorization', () => {
    assert.deepEqual(parseAuthorization(`SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host;x-sdk-date, Signature=${'a'.repeat(64)}`),
      { accessKey: AK, signedHeaders: ['host', 'x-sdk-date'], signature: 'a'.repeat(64) });
    assert.equal(parseAuthorization(`SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host;;x-sdk-date, Signature=${'a'.repeat(64)}`), null);
    assert.equal(parseAuthorization(`SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=host, Signature=${'a'.repeat(63)}`), null);
  });
});
