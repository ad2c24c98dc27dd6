import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startLoggedServer, type LoggedTestServer } from './support.js';

/** Issue #7 item 17: the OpenAPI document names, secures and documents every operation; /docs serves Swagger UI. */

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, { description: string; headers?: Record<string, unknown>; content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface OpenApi {
  servers: Array<{ url: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

const HUAWEI_OPERATIONS: Record<string, string> = {
  'post /v1/{project_id}/capture-task': 'CreateCaptureTask',
  'get /v1/{project_id}/capture-task': 'ListCaptureTask',
  'post /v1/{project_id}/capture-task/stop': 'CancelCaptureTask',
  'post /v1/{project_id}/capture-task/batch-delete': 'DeleteCaptureTask',
  'get /v1/{project_id}/capture-task/capture-result': 'ListCaptureResult',
  'get /v1/{project_id}/firewall/exist': 'ListFirewallDetail',
  'get /v5/{project_id}/host-management/hosts': 'ListHostStatus',
  'post /v3/auth/tokens': 'KeystoneCreateUserTokenByPassword',
  'get /v3/auth/tokens': 'KeystoneValidateToken',
  'get /v3/projects': 'KeystoneListProjects',
};

const operations = (spec: OpenApi) => Object.entries(spec.paths)
  .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ key: `${method} ${path}`, op })));

const errorRef = (op: Operation, status: string) => op.responses[status]?.content?.['application/json']?.schema.$ref;

describe('the OpenAPI document', () => {
  let ts: LoggedTestServer;
  let spec: OpenApi;
  before(async () => {
    ts = await startLoggedServer();
    const res = await fetch(`${ts.endpoint}/openapi.json`);
    assert.equal(res.status, 200);
    spec = await res.json() as OpenApi;
  });
  after(async () => {
    await ts?.close();
  });

  test('every operation has an operationId, all unique, the Huawei name where there is one', () => {
    const all = operations(spec);
    assert.ok(all.length >= 13, `operations: ${all.map((o) => o.key).join(', ')}`);
    const missing = all.filter(({ op }) => !op.operationId).map(({ key }) => key);
    assert.deepEqual(missing, []);
    const ids = all.map(({ op }) => op.operationId);
    assert.equal(new Set(ids).size, ids.length, `duplicates in ${ids.join(', ')}`);
    for (const [key, id] of Object.entries(HUAWEI_OPERATIONS)) {
      assert.equal(all.find((o) => o.key === key)?.op.operationId, id, key);
    }
  });

  test('authenticated operations accept a token or an AK/SK signature and document the Huawei errors', () => {
    assert.ok(spec.components.securitySchemes.token && spec.components.securitySchemes.aksk);
    assert.ok(spec.components.schemas.HuaweiError, 'a shared error schema');
    for (const { key, op } of operations(spec).filter((o) => /^(get|post) \/v[15]\/|\/v3\/projects/.test(o.key))) {
      assert.deepEqual(op.security, [{ token: [] }, { aksk: [] }], key);
      for (const status of ['400', '401', '403', '404']) {
        assert.equal(errorRef(op, status), '#/components/schemas/HuaweiError', `${key} ${status}`);
      }
    }
    const login = spec.paths['/v3/auth/tokens']!.post!;
    assert.equal(login.security, undefined, 'getting a token needs no token');
    assert.equal(errorRef(login, '401'), '#/components/schemas/HuaweiError');
  });

  test('POST /v3/auth/tokens documents the X-Subject-Token header; the pcap download its content type', () => {
    const created = spec.paths['/v3/auth/tokens']!.post!.responses['201'];
    assert.ok(created?.headers?.['X-Subject-Token'], JSON.stringify(created));
    const download = spec.paths['/capture-downloads/{link_id}']!.get!;
    assert.deepEqual(download.responses['200']?.content?.['application/vnd.tcpdump.pcap']?.schema, { type: 'string', format: 'binary' });
    for (const status of ['401', '403', '404', '410', '423']) assert.equal(errorRef(download, status), '#/components/schemas/HuaweiError', status);
  });

  test('servers is the address the document was fetched from', () => {
    assert.deepEqual(spec.servers.map((s) => s.url), [ts.endpoint]);
  });

  test('/docs serves Swagger UI whose assets load and which shows this document', async () => {
    const page = await fetch(`${ts.endpoint}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    const html = await page.text();
    assert.match(html, /swagger-ui/i);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), `assets: ${assets.join(', ')}`);
    for (const asset of assets) {
      const res = await fetch(new URL(asset, `${ts.endpoint}/docs/`));
      assert.equal(res.status, 200, asset);
      assert.match(res.headers.get('content-type') ?? '', asset.endsWith('.js') ? /javascript/ : /text\/css/, asset);
      assert.ok((await res.arrayBuffer()).byteLength > 100, asset);
    }
    const initializer = await fetch(`${ts.endpoint}/docs/static/swagger-initializer.js`);
    assert.equal(initializer.status, 200);
    const json = await (await fetch(`${ts.endpoint}/docs/json`)).json() as OpenApi;
    assert.equal(json.paths['/v1/{project_id}/capture-task']?.post?.operationId, 'CreateCaptureTask');
    assert.deepEqual(json.servers.map((s) => s.url), [ts.endpoint]);
    assert.doesNotMatch(page.headers.get('content-security-policy') ?? '', /upgrade-insecure-requests/, 'assets stay on plain http');
  });
});

test('servers is GUARDPOST_PUBLIC_URL when it is set', async () => {
  const ts = await startLoggedServer({ GUARDPOST_PUBLIC_URL: 'https://guardpost.example.com/' });
  try {
    const spec = await (await fetch(`${ts.endpoint}/openapi.json`)).json() as OpenApi;
    assert.deepEqual(spec.servers.map((s) => s.url), ['https://guardpost.example.com']);
  } finally {
    await ts.close();
  }
});
