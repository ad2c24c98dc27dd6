/**
 * Every authenticated Huawei route × every way a caller can be wrong. The route list comes from the running
 * app (`app.huaweiRoutes`), so routes added later are covered without touching this file.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { http, type HttpResult } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  adminUserId, assertHuaweiError, concretePath, createDomain, createUserWithRole, domainIdOf, enrollAgent, hostFacts, sdkSign,
  sendSigned, tokenFor, type ExtraUser,
} from './support.js';

const READ_METHODS = new Set(['GET', 'HEAD']);
const AUTH_FAIL = 'APIGW.0301';

interface Fixture {
  ts: TestServer;
  projectId: string;
  adminToken: string;
  adminDomainToken: string;
  expiredToken: string;
  otherProject: ExtraUser;
  otherProjectToken: string;
  otherDomain: ExtraUser;
  otherDomainToken: string;
  reader: ExtraUser;
  readerToken: string;
  readerKey: { ak: string; sk: string };
  emptyProjectId: string;
}

let fx: Fixture;

before(async () => {
  const ts = await startTestServer();
  const identity = ts.server.ctx.identity;
  const projectId = ts.credentials.project_id;
  const adminId = await adminUserId(ts);
  const domainId = await domainIdOf(ts);
  const otherProject = await createUserWithRole(ts, { name: 'other-project-user', role: 'admin', domainId, projectName: 'other-1' });
  const otherDomainId = await createDomain(ts, 'other-domain');
  const otherDomain = await createUserWithRole(ts, { name: 'foreign-admin', role: 'admin', domainId: otherDomainId, projectName: 'local-1' });
  const reader = await createUserWithRole(ts, { name: 'reader', role: 'readonly', projectId });
  // A project of the admin's own domain on which the admin holds no role.
  const emptyProjectId = await identity.createProject(domainId, 'no-roles-here');
  fx = {
    ts, projectId, emptyProjectId, otherProject, otherDomain, reader,
    adminToken: await tokenFor(ts, adminId, { projectId }),
    adminDomainToken: await tokenFor(ts, adminId, { domain: true }),
    // Issued 25 h ago with the 24 h TTL: expired one hour ago.
    expiredToken: await tokenFor(ts, adminId, { projectId }, Date.now() - 25 * 3600_000),
    otherProjectToken: await tokenFor(ts, otherProject.userId, { projectId: otherProject.projectId }),
    otherDomainToken: await tokenFor(ts, otherDomain.userId, { projectId: otherDomain.projectId }),
    readerToken: await tokenFor(ts, reader.userId, { projectId }),
    readerKey: await identity.createAccessKey(reader.userId, 'readonly key'),
  };
});

after(async () => {
  await fx?.ts.close();
});

interface Route { method: string; url: string; streamedBody?: boolean }

/** A streamed upload as the SDKs sign one: octet-stream signed as UNSIGNED-PAYLOAD, with the body's hash bound in a signed header. */
const STREAMED_HEADERS = { 'content-type': 'application/octet-stream', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD', 'x-guardpost-content-sha256': crypto.createHash('sha256').update('').digest('hex') };

function requestFor(route: Route, projectId: string) {
  const path = concretePath(route.url, projectId);
  const data = READ_METHODS.has(route.method) || route.method === 'DELETE' || route.streamedBody ? undefined : {};
  return { path, data };
}

async function withToken(route: Route, token: string | undefined, projectId = fx.projectId): Promise<HttpResult> {
  const { path, data } = requestFor(route, projectId);
  return http(fx.ts.endpoint, {
    method: route.method, path, body: data,
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { 'x-auth-token': token }) },
  });
}

async function withSignature(route: Route, options: { ak?: string; sk?: string; date?: Date; projectId?: string } = {}): Promise<HttpResult> {
  const { path, data } = requestFor(route, options.projectId ?? fx.projectId);
  const call = sdkSign({
    endpoint: fx.ts.endpoint, method: route.method, path, data,
    ak: options.ak ?? fx.ts.credentials.ak, sk: options.sk ?? fx.ts.credentials.sk,
    projectId: options.projectId ?? fx.projectId, date: options.date, ...(route.streamedBody ? { headers: STREAMED_HEADERS } : {}),
  });
  return sendSigned(call);
}

function assertAllowed(result: HttpResult, label: string): void {
  assert.ok(result.status !== 401 && result.status !== 403, `${label}: expected to pass authentication, got ${result.status} ${result.text}`);
  assert.ok(result.status < 500, `${label}: server error ${result.status} ${result.text}`);
  assert.ok(result.headers.get('x-request-id'), `${label}: X-Request-Id missing`);
}

describe('auth matrix over app.huaweiRoutes', () => {
  test('the route list is populated and includes the known authenticated routes', () => {
    const routes = fx.ts.server.app.huaweiRoutes.map((r) => `${r.method} ${r.url}`);
    for (const known of ['GET /v5/:project_id/host-management/hosts', 'GET /v3/projects', 'GET /v3/auth/tokens']) {
      assert.ok(routes.includes(known), `${known} missing from ${routes.join(', ')}`);
    }
    assert.ok(!routes.some((r) => r.startsWith('POST /v3/auth/tokens')), 'obtaining a token must not need a token');
    assert.ok(!routes.some((r) => r.includes('/agent/')), 'agent routes use agent credentials, not Huawei auth');
  });

  test('every route × every caller', async (t) => {
    const routes = [...fx.ts.server.app.huaweiRoutes];
    for (const route of routes) {
      const projectRoute = route.url.includes(':project_id');
      const write = !READ_METHODS.has(route.method) && !route.readsOnly;
      const label = `${route.method} ${route.url}`;
      await t.test(label, async (rt) => {
        await rt.test('no credentials → 401 APIGW.0301', async () => {
          assertHuaweiError(await withToken(route, undefined), 401, AUTH_FAIL, label);
        });
        await rt.test('empty X-Auth-Token → 401 APIGW.0301', async () => {
          assertHuaweiError(await withToken(route, ''), 401, AUTH_FAIL, label);
        });
        await rt.test('unknown token → 401 APIGW.0301', async () => {
          assertHuaweiError(await withToken(route, `GP${'x'.repeat(64)}`), 401, AUTH_FAIL, label);
          assertHuaweiError(await withToken(route, 'short'), 401, AUTH_FAIL, label);
        });
        await rt.test('a Basic / Bearer Authorization header is not a credential → 401 APIGW.0301', async () => {
          const { path } = requestFor(route, fx.projectId);
          for (const authorization of ['Basic YWRtaW46YWRtaW4=', `Bearer ${fx.adminToken}`, 'SDK-HMAC-SHA256 garbage']) {
            const result = await http(fx.ts.endpoint, { method: route.method, path, headers: { authorization } });
            assertHuaweiError(result, 401, AUTH_FAIL, `${label} ${authorization.slice(0, 16)}`);
          }
        });
        await rt.test('expired token → 401 APIGW.0307', async () => {
          assertHuaweiError(await withToken(route, fx.expiredToken), 401, 'APIGW.0307', label);
        });
        await rt.test('valid project token → authenticated', async () => {
          assertAllowed(await withToken(route, fx.adminToken), label);
        });
        await rt.test('valid AK/SK signature → authenticated', async () => {
          assertAllowed(await withSignature(route), label);
        });
        await rt.test('signature made with the wrong SK → 401 APIGW.0301', async () => {
          assertHuaweiError(await withSignature(route, { sk: `${fx.ts.credentials.sk}x` }), 401, AUTH_FAIL, label);
        });
        await rt.test('signature with an unknown AK → 401 APIGW.0301', async () => {
          assertHuaweiError(await withSignature(route, { ak: 'UNKNOWNAK0000000000X' }), 401, AUTH_FAIL, label);
        });
        await rt.test('X-Sdk-Date 20 minutes stale or ahead → 401 APIGW.0301', async () => {
          const stale = await withSignature(route, { date: new Date(Date.now() - 20 * 60_000) });
          assert.match(String(assertHuaweiError(stale, 401, AUTH_FAIL, label).error_msg), /15 minutes/);
          const ahead = await withSignature(route, { date: new Date(Date.now() + 20 * 60_000) });
          assert.match(String(assertHuaweiError(ahead, 401, AUTH_FAIL, label).error_msg), /5 minutes ahead/);
          // Control: the same signer with a current explicit date is accepted.
          assertAllowed(await withSignature(route, { date: new Date() }), `${label} fresh explicit date`);
        });

        if (projectRoute) {
          await rt.test("another project's token → 403 APIGW.0302", async () => {
            assertHuaweiError(await withToken(route, fx.otherProjectToken), 403, 'APIGW.0302', label);
          });
          await rt.test("another domain's token → 403 APIGW.0302", async () => {
            assertHuaweiError(await withToken(route, fx.otherDomainToken), 403, 'APIGW.0302', label);
          });
          await rt.test('domain-scoped token on a project route → 403 APIGW.0302', async () => {
            assertHuaweiError(await withToken(route, fx.adminDomainToken), 403, 'APIGW.0302', label);
          });
          await rt.test('path project differs from the token scope → 403 APIGW.0302', async () => {
            assertHuaweiError(await withToken(route, fx.adminToken, fx.otherProject.projectId), 403, 'APIGW.0302', label);
            assertHuaweiError(await withToken(route, fx.adminToken, fx.emptyProjectId), 403, 'APIGW.0302', label);
          });
          await rt.test('AK/SK caller with no role in the path project → 403 APIGW.0302', async () => {
            assertHuaweiError(await withSignature(route, { projectId: fx.otherProject.projectId }), 403, 'APIGW.0302', label);
            assertHuaweiError(await withSignature(route, { projectId: fx.emptyProjectId }), 403, 'APIGW.0302', label);
            assertHuaweiError(await withSignature(route, { projectId: fx.otherDomain.projectId }), 403, 'APIGW.0302', label);
          });
        } else {
          await rt.test('tokens of other projects, domains and domain scope are fine on a non-project route', async () => {
            for (const token of [fx.otherProjectToken, fx.otherDomainToken, fx.adminDomainToken]) assertAllowed(await withToken(route, token), label);
          });
        }

        if (write) {
          const expected = route.url.startsWith('/v5/') ? 'HSS.0013' : 'APIGW.0302';
          await rt.test(`readonly role on a write method → 403 ${expected}`, async () => {
            assertHuaweiError(await withToken(route, fx.readerToken), 403, expected, `${label} readonly token`);
            const signed = await withSignature(route, { ak: fx.readerKey.ak, sk: fx.readerKey.sk });
            assertHuaweiError(signed, 403, expected, `${label} readonly AK/SK`);
          });
        } else {
          await rt.test('readonly role may read', async () => {
            assertAllowed(await withToken(route, fx.readerToken), `${label} readonly token`);
            assertAllowed(await withSignature(route, { ak: fx.readerKey.ak, sk: fx.readerKey.sk }), `${label} readonly AK/SK`);
          });
        }
      });
    }
  });

  test('a disabled user is locked out on every route, by token and by AK/SK', async () => {
    const ts = fx.ts;
    const user = await createUserWithRole(ts, { name: 'soon-disabled', role: 'admin', projectId: fx.projectId });
    const token = await tokenFor(ts, user.userId, { projectId: fx.projectId });
    const key = await ts.server.ctx.identity.createAccessKey(user.userId);
    await ts.server.ctx.store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', user.userId).execute();
    for (const route of ts.server.app.huaweiRoutes) {
      assertHuaweiError(await withToken(route, token), 401, AUTH_FAIL, `${route.method} ${route.url} disabled token`);
      assertHuaweiError(await withSignature(route, { ak: key.ak, sk: key.sk }), 401, AUTH_FAIL, `${route.method} ${route.url} disabled AK`);
    }
  });

  test('an inactive access key is rejected on every route', async () => {
    const ts = fx.ts;
    const key = await ts.server.ctx.identity.createAccessKey(await adminUserId(ts));
    await ts.server.ctx.store.db.updateTable('access_keys').set({ status: 'inactive' }).where('ak', '=', key.ak).execute();
    for (const route of ts.server.app.huaweiRoutes) {
      assertHuaweiError(await withSignature(route, { ak: key.ak, sk: key.sk }), 401, AUTH_FAIL, `${route.method} ${route.url}`);
    }
  });
});

describe('enterprise_project_id scoping on ListHostStatus', () => {
  let epUser: ExtraUser;
  let epToken: string;

  before(async () => {
    const ts = fx.ts;
    epUser = await createUserWithRole(ts, { name: 'ep-x-admin', role: 'admin', projectId: fx.projectId, enterpriseProjectIds: ['ep-x'] });
    epToken = await tokenFor(ts, epUser.userId, { projectId: fx.projectId });
    await enrollAgent(ts, hostFacts({ host_name: 'ep-default-host' }));
    await enrollAgent(ts, hostFacts({ host_name: 'ep-x-host' }), { enterpriseProjectId: 'ep-x' });
    await enrollAgent(ts, hostFacts({ host_name: 'ep-y-host' }), { enterpriseProjectId: 'ep-y' });
  });

  const list = (token: string, ep?: string) => http<{ total_num: number; data_list: Array<{ host_name: string; enterprise_project_id: string }> }>(
    fx.ts.endpoint, {
      path: `/v5/${fx.projectId}/host-management/hosts${ep === undefined ? '' : `?enterprise_project_id=${encodeURIComponent(ep)}`}`,
      headers: { 'x-auth-token': token },
    });
  const names = (result: HttpResult<{ data_list: Array<{ host_name: string }> }>) => result.body.data_list.map((h) => h.host_name).sort();

  test('a user granted only enterprise project X: default / 0 / another EP → 403 HSS.0013', async () => {
    assertHuaweiError(await list(epToken), 403, 'HSS.0013', 'no enterprise_project_id (means 0)');
    assertHuaweiError(await list(epToken, '0'), 403, 'HSS.0013', 'enterprise_project_id=0');
    assertHuaweiError(await list(epToken, 'ep-y'), 403, 'HSS.0013', 'enterprise_project_id=ep-y');
  });

  test('the same user sees exactly EP X with X or all_granted_eps', async () => {
    const x = await list(epToken, 'ep-x');
    assert.equal(x.status, 200, x.text);
    assert.deepEqual(names(x), ['ep-x-host']);
    assert.equal(x.body.total_num, 1);
    const all = await list(epToken, 'all_granted_eps');
    assert.equal(all.status, 200, all.text);
    assert.deepEqual(names(all), ['ep-x-host']);
    assert.equal(all.body.total_num, 1);
  });

  test('an unrestricted admin: default is EP 0 only, all_granted_eps is everything', async () => {
    const byDefault = await list(fx.adminToken);
    assert.equal(byDefault.status, 200, byDefault.text);
    assert.deepEqual(names(byDefault), ['ep-default-host']);
    const all = await list(fx.adminToken, 'all_granted_eps');
    assert.deepEqual(names(all), ['ep-default-host', 'ep-x-host', 'ep-y-host']);
    assert.equal(all.body.total_num, 3);
    const y = await list(fx.adminToken, 'ep-y');
    assert.deepEqual(names(y), ['ep-y-host']);
  });

  test('a malformed enterprise_project_id is a 400, not a 403 or 500', async () => {
    assertHuaweiError(await list(fx.adminToken, '../etc'), 400, 'HSS.0001', 'traversal in enterprise_project_id');
    assertHuaweiError(await list(fx.adminToken, "x' OR '1'='1"), 400, 'HSS.0001', 'quote in enterprise_project_id');
  });
});
