/**
 * Keystone discovery for the SDKs and Terraform: password auth scoped by project name + domain name, and
 * GET /v3/auth/domains, /v3/auth/projects and /v3/regions with a token and with an AK/SK signature.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http, projectToken } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, createDomain, createUserWithRole, domainIdOf, sdkSign, sendSigned } from './support.js';

let ts: TestServer;
let domainId: string;

before(async () => {
  ts = await startTestServer({ env: { GUARDPOST_REGION: 'lab-east-1' } });
  domainId = await domainIdOf(ts);
});

after(async () => {
  await ts?.close();
});

function login(scope: unknown, user = { name: ts.credentials.user_name, password: ts.credentials.password, domain: ts.credentials.domain_name }) {
  return http<{ token: { project?: { id: string; name: string; domain: { id: string; name: string } }; domain?: unknown } }>(ts.endpoint, {
    method: 'POST', path: '/v3/auth/tokens',
    body: { auth: { identity: { methods: ['password'], password: { user: { name: user.name, password: user.password, domain: { name: user.domain } } } }, scope } },
  });
}

describe('password auth scoped to a project by name within a domain (Terraform without project_id)', () => {
  test('{"project":{"name":…,"domain":{"name":…}}} → 201, a project-scoped token that calls project APIs', async () => {
    const result = await login({ project: { name: ts.credentials.project_name, domain: { name: ts.credentials.domain_name } } });
    assert.equal(result.status, 201, result.text);
    assert.equal(result.body.token.project?.id, ts.credentials.project_id);
    assert.deepEqual(result.body.token.project?.domain, { id: domainId, name: ts.credentials.domain_name });
    assert.equal(result.body.token.domain, undefined);
    const subject = result.headers.get('x-subject-token') as string;
    const hosts = await http(ts.endpoint, { path: `/v5/${ts.credentials.project_id}/host-management/hosts`, headers: { 'x-auth-token': subject } });
    assert.equal(hosts.status, 200, hosts.text);
  });

  test('the project domain by id works too; by id with a name inside works as by id', async () => {
    const byDomainId = await login({ project: { name: ts.credentials.project_name, domain: { id: domainId } } });
    assert.equal(byDomainId.status, 201, byDomainId.text);
    const byIds = await login({ project: { id: ts.credentials.project_id, domain: { id: domainId } } });
    assert.equal(byIds.status, 201, byIds.text);
  });

  test('a project name in another domain, an unknown domain, or a project id outside the given domain → 401 IAM.0102', async () => {
    const otherDomain = await createDomain(ts, 'scoped-elsewhere');
    await createUserWithRole(ts, { name: 'elsewhere-user', role: 'admin', domainId: otherDomain, projectName: ts.credentials.project_name });
    assertHuaweiError(await login({ project: { name: ts.credentials.project_name, domain: { name: 'scoped-elsewhere' } } }), 401, 'IAM.0102', 'same name, other domain');
    assertHuaweiError(await login({ project: { name: ts.credentials.project_name, domain: { name: 'no-such-domain' } } }), 401, 'IAM.0102', 'unknown domain');
    assertHuaweiError(await login({ project: { id: ts.credentials.project_id, domain: { id: otherDomain } } }), 401, 'IAM.0102', 'id outside the domain');
  });

  test('unknown keys inside the project scope are still refused with 400', async () => {
    const result = await login({ project: { name: ts.credentials.project_name, domain: { name: ts.credentials.domain_name }, extra: 1 } });
    assertHuaweiError(result, 400, 'IAM.0001', 'additional property');
  });
});

interface Listing { links: { self: string; next: null; previous: null } }
type Domains = Listing & { domains: Array<{ id: string; name: string; enabled: boolean; links: { self: string } }> };
type Projects = Listing & { projects: Array<{ id: string; name: string; domain_id: string; enabled: boolean }> };
type Regions = Listing & { regions: Array<{ id: string; type: string; parent_region_id: null; description: string; links: { self: string } }> };

describe('GET /v3/auth/domains, /v3/auth/projects, /v3/regions', () => {
  async function withToken<T>(path: string, token: string) {
    return http<T>(ts.endpoint, { path, headers: { 'x-auth-token': token } });
  }
  async function withAkSk<T>(path: string) {
    // No X-Project-Id, as the SDK core sends them (its `{}` GET body is covered by test/interop/sdk-hardening.test.ts).
    const result = await sendSigned(sdkSign({ endpoint: ts.endpoint, method: 'GET', path, ak: ts.credentials.ak, sk: ts.credentials.sk }));
    return result as typeof result & { body: T };
  }

  test('domains: the caller\'s own domain, Keystone-shaped, with a token (project or domain scoped) and with AK/SK', async () => {
    for (const token of [await projectToken(ts.endpoint, ts.credentials), await projectToken(ts.endpoint, ts.credentials, 'domain')]) {
      const result = await withToken<Domains>('/v3/auth/domains', token);
      assert.equal(result.status, 200, result.text);
      assert.deepEqual(result.body.domains.map((d) => [d.id, d.name, d.enabled]), [[domainId, ts.credentials.domain_name, true]]);
      assert.equal(typeof result.body.domains[0]?.links.self, 'string');
      assert.match(result.body.links.self, /\/v3\/auth\/domains$/);
    }
    const signed = await withAkSk<Domains>('/v3/auth/domains');
    assert.equal(signed.status, 200, signed.text);
    assert.deepEqual(signed.body.domains.map((d) => d.id), [domainId]);
  });

  test('projects: those the caller holds a role in', async () => {
    const extra = await createUserWithRole(ts, { name: 'projects-reader', role: 'readonly' });
    const token = (await ts.server.ctx.identity.issueToken(extra.userId, { domain: true }, ['password'])).token;
    const theirs = await withToken<Projects>('/v3/auth/projects', token);
    assert.equal(theirs.status, 200, theirs.text);
    assert.deepEqual(theirs.body.projects.map((p) => p.id), [extra.projectId]);
    const mine = await withAkSk<Projects>('/v3/auth/projects');
    assert.equal(mine.status, 200, mine.text);
    assert.ok(mine.body.projects.some((p) => p.id === ts.credentials.project_id && p.domain_id === domainId && p.enabled));
    assert.ok(!mine.body.projects.some((p) => p.id === extra.projectId), 'not another user\'s project');
  });

  test('regions: the configured region (GUARDPOST_REGION) and the caller\'s project names, all public', async () => {
    const result = await withAkSk<Regions>('/v3/regions');
    assert.equal(result.status, 200, result.text);
    const ids = result.body.regions.map((r) => r.id);
    assert.ok(ids.includes('lab-east-1'), JSON.stringify(ids));
    assert.ok(ids.includes(ts.credentials.project_name), JSON.stringify(ids));
    for (const region of result.body.regions) {
      assert.equal(region.type, 'public');
      assert.equal(region.parent_region_id, null);
      assert.equal(typeof region.description, 'string');
      assert.match(region.links.self, new RegExp(`/v3/regions/${region.id}$`));
    }
  });

  test('all three need authentication', async () => {
    for (const path of ['/v3/auth/domains', '/v3/auth/projects', '/v3/regions']) {
      assertHuaweiError(await http(ts.endpoint, { path }), 401, 'APIGW.0301', path);
    }
  });
});
