/**
 * The Keystone/IAM-compatible surface: POST/GET /v3/auth/tokens and GET /v3/projects, and tokens that verify on a
 * second server instance over the same database (no per-process memory).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { http, type HttpResult } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  adminUserId, assertHuaweiError, createDomain, createUserWithRole, domainIdOf, rowCounts, sdkSign, sendSigned, type ExtraUser,
} from './support.js';

const ISO_MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const DAY_MS = 24 * 3600_000;

interface TokenBody {
  token: {
    methods: string[]; issued_at: string; expires_at: string;
    catalog?: Array<{ type: string; id: string; name: string; endpoints: Array<{ id: string; interface: string; region: string; region_id: string; url: string }> }>;
    project?: { id: string; name: string; domain: { id: string; name: string } };
    domain?: { id: string; name: string };
    roles: Array<{ id: string; name: string }>;
    user: { id: string; name: string; password_expires_at: string; domain: { id: string; name: string } };
  };
}

let ts: TestServer;
let projectId: string;
let domainId: string;

before(async () => {
  ts = await startTestServer();
  projectId = ts.credentials.project_id;
  domainId = await domainIdOf(ts);
});

after(async () => {
  await ts?.close();
});

function passwordAuth(options: {
  user?: string; password?: string; domain?: { name?: string; id?: string }; scope?: unknown; methods?: string[];
} = {}) {
  return {
    auth: {
      identity: {
        methods: options.methods ?? ['password'],
        password: {
          user: {
            name: options.user ?? ts.credentials.user_name, password: options.password ?? ts.credentials.password,
            domain: options.domain ?? { name: ts.credentials.domain_name },
          },
        },
      },
      ...(options.scope === undefined ? {} : { scope: options.scope }),
    },
  };
}

const issue = (body: unknown, query = '', headers: Record<string, string> = {}) =>
  http<TokenBody>(ts.endpoint, { method: 'POST', path: `/v3/auth/tokens${query}`, body, headers });

function assertTokenShape(result: HttpResult<TokenBody>, status: number): TokenBody['token'] {
  assert.equal(result.status, status, result.text);
  assert.match(result.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
  const token = result.body.token;
  assert.deepEqual(token.methods, ['password']);
  assert.match(token.issued_at, ISO_MICROS);
  assert.match(token.expires_at, ISO_MICROS);
  assert.equal(Date.parse(token.expires_at) - Date.parse(token.issued_at), DAY_MS, '24 h validity');
  assert.ok(Math.abs(Date.parse(token.issued_at) - Date.now()) < 60_000, 'issued now');
  assert.equal(token.user.name, ts.credentials.user_name);
  assert.equal(token.user.domain.name, ts.credentials.domain_name);
  assert.equal(token.user.domain.id, domainId);
  assert.equal(token.user.password_expires_at, '');
  assert.match(token.user.id, /^[0-9a-f]+$/);
  return token;
}

describe('POST /v3/auth/tokens', () => {
  test('project scope by id → 201, X-Subject-Token, Keystone body with catalog', async () => {
    const result = await issue(passwordAuth({ scope: { project: { id: projectId } } }));
    const token = assertTokenShape(result, 201);
    assert.match(result.headers.get('x-subject-token') ?? '', /^\S{32,}$/);
    assert.equal(token.project?.id, projectId);
    assert.equal(token.project?.name, ts.credentials.project_name);
    assert.deepEqual(token.project?.domain, { id: domainId, name: ts.credentials.domain_name });
    assert.equal(token.domain, undefined, 'a project-scoped token has no domain scope');
    assert.deepEqual(token.roles.map((r) => r.name), ['te_admin']);
    assert.ok(Array.isArray(token.catalog) && token.catalog.length > 0, 'catalog present by default');
    const types = token.catalog.map((c) => c.type);
    for (const service of ['hss', 'cfw', 'iam']) assert.ok(types.includes(service), `catalog lists ${service}`);
    for (const entry of token.catalog) {
      for (const endpoint of entry.endpoints) {
        assert.equal(endpoint.interface, 'public');
        assert.equal(endpoint.region, ts.credentials.project_name);
        assert.ok(endpoint.url.startsWith(ts.endpoint), endpoint.url);
      }
    }
    // The token is not in the body.
    assert.ok(!result.text.includes(result.headers.get('x-subject-token') as string));
  });

  test('project scope by name → the same project', async () => {
    const result = await issue(passwordAuth({ scope: { project: { name: ts.credentials.project_name } } }));
    const token = assertTokenShape(result, 201);
    assert.equal(token.project?.id, projectId);
  });

  test('domain scope (by name, by id) and no scope → domain-scoped token', async () => {
    for (const scope of [{ domain: { name: ts.credentials.domain_name } }, { domain: { id: domainId } }, undefined]) {
      const result = await issue(passwordAuth({ scope }));
      const token = assertTokenShape(result, 201);
      assert.deepEqual(token.domain, { id: domainId, name: ts.credentials.domain_name }, JSON.stringify(scope));
      assert.equal(token.project, undefined);
      assert.deepEqual(token.roles, []);
      // Domain tokens list projects but cannot call project APIs.
      const subject = result.headers.get('x-subject-token') as string;
      const projects = await http<{ projects: Array<{ id: string }> }>(ts.endpoint, { path: '/v3/projects', headers: { 'x-auth-token': subject } });
      assert.equal(projects.status, 200, projects.text);
      assert.deepEqual(projects.body.projects.map((p) => p.id), [projectId]);
      const hosts = await http(ts.endpoint, { path: `/v5/${projectId}/host-management/hosts`, headers: { 'x-auth-token': subject } });
      assertHuaweiError(hosts, 403, 'APIGW.0302', 'domain token on a project API');
    }
  });

  test('the user domain can be given by id', async () => {
    const result = await issue(passwordAuth({ domain: { id: domainId }, scope: { project: { id: projectId } } }));
    assertTokenShape(result, 201);
  });

  test('nocatalog (any non-empty value) omits the catalog', async () => {
    for (const query of ['?nocatalog=true', '?nocatalog=1', '?nocatalog=yes']) {
      const token = assertTokenShape(await issue(passwordAuth({ scope: { project: { id: projectId } } }), query), 201);
      assert.equal(token.catalog, undefined, query);
    }
    const withEmpty = assertTokenShape(await issue(passwordAuth({ scope: { project: { id: projectId } } }), '?nocatalog='), 201);
    assert.ok(Array.isArray(withEmpty.catalog), 'an empty nocatalog keeps the catalog');
  });

  test('Content-Type application/json;charset=utf8 (the documented header) is accepted', async () => {
    const result = await http<TokenBody>(ts.endpoint, {
      method: 'POST', path: '/v3/auth/tokens', rawBody: JSON.stringify(passwordAuth({ scope: { project: { id: projectId } } })),
      headers: { 'content-type': 'application/json;charset=utf8' },
    });
    assertTokenShape(result, 201);
  });

  test('wrong password, unknown user, unknown domain → 401 with one indistinguishable message, no token stored', async () => {
    const before = (await rowCounts(ts)).tokens;
    const cases = [
      passwordAuth({ password: 'wrong-password' }),
      passwordAuth({ user: 'nobody' }),
      passwordAuth({ domain: { name: 'no-such-domain' } }),
      passwordAuth({ domain: { id: '0'.repeat(32) } }),
      passwordAuth({ password: `${ts.credentials.password} ` }),
    ];
    const messages = new Set<string>();
    for (const body of cases) {
      const result = await issue(body);
      const error = assertHuaweiError(result, 401, 'IAM.0101', JSON.stringify(body));
      assert.equal(result.headers.get('x-subject-token'), null);
      messages.add(String(error.error_msg));
    }
    assert.equal(messages.size, 1, `the reason is not revealed: ${[...messages].join(' | ')}`);
    assert.equal((await rowCounts(ts)).tokens, before);
  });

  test('a user of another domain cannot log in through this domain, nor scope to its projects', async () => {
    const foreignDomain = await createDomain(ts, 'iam-foreign');
    const foreign = await createUserWithRole(ts, { name: 'foreigner', role: 'admin', domainId: foreignDomain, projectName: 'foreign-1' });
    // Right password, wrong domain.
    assertHuaweiError(await issue(passwordAuth({ user: foreign.name, password: foreign.password })), 401, 'IAM.0101', 'wrong domain');
    // Own domain, scope to a project of the other domain (by id and by name).
    const own = { user: foreign.name, password: foreign.password, domain: { name: foreign.domainName } };
    assertHuaweiError(await issue(passwordAuth({ ...own, scope: { project: { id: projectId } } })), 401, 'IAM.0102', 'foreign project id');
    assertHuaweiError(await issue(passwordAuth({ ...own, scope: { project: { name: ts.credentials.project_name } } })), 401, 'IAM.0102', 'foreign project name');
    assertHuaweiError(await issue(passwordAuth({ ...own, scope: { domain: { name: ts.credentials.domain_name } } })), 401, 'IAM.0102', 'foreign domain scope');
    const ok = await issue(passwordAuth({ ...own, scope: { project: { id: foreign.projectId } } }));
    assert.equal(ok.status, 201, ok.text);
    assert.equal(ok.body.token.project?.id, foreign.projectId);
  });

  test('project scope without a role, or to an unknown project → 401 IAM.0102', async () => {
    const bare = await ts.server.ctx.identity.createProject(domainId, 'no-role-project');
    assertHuaweiError(await issue(passwordAuth({ scope: { project: { id: bare } } })), 401, 'IAM.0102', 'no role');
    assertHuaweiError(await issue(passwordAuth({ scope: { project: { name: 'nope' } } })), 401, 'IAM.0102', 'unknown name');
    assertHuaweiError(await issue(passwordAuth({ scope: { project: {} } })), 400, 'IAM.0001', 'neither id nor name');
  });

  test('a readonly user gets a token with the readonly role', async () => {
    const reader = await createUserWithRole(ts, { name: 'iam-reader', role: 'readonly', projectId });
    const result = await issue(passwordAuth({ user: reader.name, password: reader.password, scope: { project: { id: projectId } } }));
    assert.equal(result.status, 201, result.text);
    assert.deepEqual(result.body.token.roles.map((r) => r.name), ['readonly']);
  });

  test('a disabled user cannot obtain a token', async () => {
    const user = await createUserWithRole(ts, { name: 'iam-disabled', role: 'admin', projectId });
    await ts.server.ctx.store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', user.userId).execute();
    assertHuaweiError(await issue(passwordAuth({ user: user.name, password: user.password })), 401, 'IAM.0101', 'disabled');
  });

  test('methods other than a single "password" → 400', async () => {
    for (const methods of [['token'], ['password', 'totp'], ['assume_role']]) {
      assertHuaweiError(await issue(passwordAuth({ methods })), 400, 'IAM.0001', methods.join('+'));
    }
  });
});

describe('GET /v3/auth/tokens (validate)', () => {
  let subject: string;
  let issuedBody: TokenBody;

  before(async () => {
    const result = await issue(passwordAuth({ scope: { project: { id: projectId } } }));
    subject = result.headers.get('x-subject-token') as string;
    issuedBody = result.body;
  });

  test('X-Auth-Token + X-Subject-Token → 200, the subject echoed, the same token description', async () => {
    const result = await http<TokenBody>(ts.endpoint, { path: '/v3/auth/tokens', headers: { 'x-auth-token': subject, 'x-subject-token': subject } });
    const token = assertTokenShape(result, 200);
    assert.equal(result.headers.get('x-subject-token'), subject);
    assert.equal(token.issued_at, issuedBody.token.issued_at);
    assert.equal(token.expires_at, issuedBody.token.expires_at);
    assert.equal(token.project?.id, projectId);
    const nocatalog = await http<TokenBody>(ts.endpoint, { path: '/v3/auth/tokens?nocatalog=true', headers: { 'x-auth-token': subject, 'x-subject-token': subject } });
    assert.equal(assertTokenShape(nocatalog, 200).catalog, undefined);
  });

  test('validation by another caller (AK/SK signed) of a domain-scoped token', async () => {
    const domainToken = (await issue(passwordAuth({ scope: { domain: { name: ts.credentials.domain_name } } }))).headers.get('x-subject-token') as string;
    const call = sdkSign({ endpoint: ts.endpoint, method: 'GET', path: '/v3/auth/tokens', ak: ts.credentials.ak, sk: ts.credentials.sk });
    const result = await sendSigned(call, { headers: { 'X-Subject-Token': domainToken } }) as HttpResult<TokenBody>;
    const token = assertTokenShape(result, 200);
    assert.equal(token.domain?.id, domainId);
  });

  test('unknown or expired subject → 404 IAM.0004; missing subject → 400', async () => {
    const expired = await ts.server.ctx.identity.issueToken(await adminUserId(ts), { projectId }, ['password'], Date.now() - DAY_MS - 1000);
    for (const bad of ['GP' + 'x'.repeat(64), expired.token, 'short']) {
      const result = await http(ts.endpoint, { path: '/v3/auth/tokens', headers: { 'x-auth-token': subject, 'x-subject-token': bad } });
      assertHuaweiError(result, 404, 'IAM.0004', bad.slice(0, 10));
    }
    assertHuaweiError(await http(ts.endpoint, { path: '/v3/auth/tokens', headers: { 'x-auth-token': subject } }), 400, 'IAM.0001', 'no subject');
  });

  test('the expired token itself is refused as a credential with APIGW.0307', async () => {
    const expired = await ts.server.ctx.identity.issueToken(await adminUserId(ts), { projectId }, ['password'], Date.now() - DAY_MS - 1000);
    const result = await http(ts.endpoint, { path: '/v3/auth/tokens', headers: { 'x-auth-token': expired.token, 'x-subject-token': subject } });
    assertHuaweiError(result, 401, 'APIGW.0307', 'expired caller');
  });
});

describe('GET /v3/projects', () => {
  let other: ExtraUser;

  before(async () => {
    other = await createUserWithRole(ts, { name: 'projects-other', role: 'admin', domainId, projectName: 'projects-other-region' });
  });

  async function listProjects(query: string, token?: string) {
    const headers: Record<string, string> = token ? { 'x-auth-token': token } : {};
    if (!token) {
      const call = sdkSign({ endpoint: ts.endpoint, method: 'GET', path: '/v3/projects', query: query ? Object.fromEntries(new URLSearchParams(query)) : {}, ak: ts.credentials.ak, sk: ts.credentials.sk });
      return sendSigned(call) as Promise<HttpResult<{ projects: Array<Record<string, unknown>>; links: Record<string, unknown> }>>;
    }
    return http<{ projects: Array<Record<string, unknown>>; links: Record<string, unknown> }>(ts.endpoint, { path: `/v3/projects${query ? `?${query}` : ''}`, headers });
  }

  test('?name=<region> → exactly the caller\'s project of that name (what the SDKs use to discover project_id)', async () => {
    const result = await listProjects(`name=${ts.credentials.project_name}`);
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body.projects.length, 1);
    const project = result.body.projects[0] as Record<string, unknown>;
    assert.equal(project.id, projectId);
    assert.equal(project.name, ts.credentials.project_name);
    assert.equal(project.domain_id, domainId);
    assert.equal(project.enabled, true);
    assert.equal(project.is_domain, false);
    assert.equal(typeof (project.links as { self: string }).self, 'string');
    assert.equal(typeof result.body.links.self, 'string');
  });

  test('only projects the caller holds a role in; unknown names give an empty list', async () => {
    const mine = await listProjects('');
    assert.deepEqual(mine.body.projects.map((p) => p.id), [projectId]);
    assert.deepEqual((await listProjects('name=projects-other-region')).body.projects, []);
    assert.deepEqual((await listProjects('name=nope')).body.projects, []);
    const otherToken = await ts.server.ctx.identity.issueToken(other.userId, { projectId: other.projectId }, ['password']);
    const theirs = await listProjects('', otherToken.token);
    assert.deepEqual(theirs.body.projects.map((p) => p.id), [other.projectId]);
  });
});

describe('tokens and keys live in the database, not in a process (replica on the same store)', () => {
  let replica: RunningServer;
  let replicaEndpoint: string;

  before(async () => {
    // Same GUARDPOST_HOME (master.key, credentials.json) and the same database: a second server process in all but PID.
    replica = await startServer(loadConfig({
      GUARDPOST_HOME: ts.db.dir, GUARDPOST_LISTEN: '127.0.0.1:0',
      ...(ts.db.databaseUrl ? { GUARDPOST_DATABASE_URL: ts.db.databaseUrl } : {}),
    }));
    replicaEndpoint = replica.endpoint;
    assert.notEqual(replicaEndpoint, ts.endpoint);
  });

  after(async () => {
    await replica?.close();
  });

  test('the replica did not bootstrap a second identity', async () => {
    assert.equal(replica.credentials?.project_id, projectId);
    assert.equal(replica.credentials?.ak, ts.credentials.ak);
    const domains = await replica.ctx.store.db.selectFrom('domains').select('name').execute();
    assert.ok(domains.filter((d) => d.name === ts.credentials.domain_name).length === 1);
  });

  test('a token issued by the first server works on the replica, and the other way round', async () => {
    const fromA = (await issue(passwordAuth({ scope: { project: { id: projectId } } }))).headers.get('x-subject-token') as string;
    const onB = await http(replicaEndpoint, { path: `/v5/${projectId}/host-management/hosts`, headers: { 'x-auth-token': fromA } });
    assert.equal(onB.status, 200, onB.text);
    const validatedOnB = await http<TokenBody>(replicaEndpoint, { path: '/v3/auth/tokens', headers: { 'x-auth-token': fromA, 'x-subject-token': fromA } });
    assert.equal(validatedOnB.status, 200, validatedOnB.text);

    const issuedOnB = await http<TokenBody>(replicaEndpoint, { method: 'POST', path: '/v3/auth/tokens', body: passwordAuth({ scope: { project: { id: projectId } } }) });
    assert.equal(issuedOnB.status, 201, issuedOnB.text);
    const fromB = issuedOnB.headers.get('x-subject-token') as string;
    const onA = await http(ts.endpoint, { path: `/v5/${projectId}/host-management/hosts`, headers: { 'x-auth-token': fromB } });
    assert.equal(onA.status, 200, onA.text);
    // The catalog of each instance points at that instance.
    assert.ok(issuedOnB.body.token.catalog?.every((c) => c.endpoints.every((e) => e.url.startsWith(replicaEndpoint))));
  });

  test('AK/SK signatures verify on the replica (the SK is unsealed with the shared master key)', async () => {
    const path = `/v5/${projectId}/host-management/hosts`;
    const call = sdkSign({ endpoint: replicaEndpoint, method: 'GET', path, query: { limit: '10', offset: '0' }, ak: ts.credentials.ak, sk: ts.credentials.sk, projectId });
    const result = await sendSigned(call);
    assert.equal(result.status, 200, result.text);
  });

  test('a key and a user created through one instance are usable on the other at once', async () => {
    const user = await createUserWithRole(ts, { name: 'replica-user', role: 'readonly', projectId });
    const key = await ts.server.ctx.identity.createAccessKey(user.userId);
    const token = await http<TokenBody>(replicaEndpoint, {
      method: 'POST', path: '/v3/auth/tokens',
      body: passwordAuth({ user: user.name, password: user.password, scope: { project: { id: projectId } } }),
    });
    assert.equal(token.status, 201, token.text);
    const call = sdkSign({ endpoint: replicaEndpoint, method: 'GET', path: '/v3/projects', ak: key.ak, sk: key.sk });
    assert.equal((await sendSigned(call)).status, 200);
  });

  test('expiry is decided from the stored expiry, the same on both instances', async () => {
    const expired = await ts.server.ctx.identity.issueToken(await adminUserId(ts), { projectId }, ['password'], Date.now() - DAY_MS - 1);
    for (const endpoint of [ts.endpoint, replicaEndpoint]) {
      const result = await http(endpoint, { path: `/v5/${projectId}/host-management/hosts`, headers: { 'x-auth-token': expired.token } });
      assertHuaweiError(result, 401, 'APIGW.0307', endpoint);
    }
  });

  test('a replica with a different master key refuses to start on this database', async () => {
    await assert.rejects(startServer(loadConfig({
      GUARDPOST_HOME: ts.db.dir, GUARDPOST_LISTEN: '127.0.0.1:0', GUARDPOST_MASTER_KEY: Buffer.alloc(32, 7).toString('base64'),
      ...(ts.db.databaseUrl ? { GUARDPOST_DATABASE_URL: ts.db.databaseUrl } : {}),
    })), /master key does not match/);
  });
});
