/**
 * HSS ListHostStatus over agents enrolled through the real agent protocol (enroll + check-in over HTTP):
 * filters, online/offline, paging rules and the exact JSON types the Go/Node SDK models expect.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http, type HttpResult } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import {
  adminUserId, assertHuaweiError, checkin, createUserWithRole, enrollAgent, hostFacts, tokenFor, type EnrolledAgent,
} from './support.js';

interface Host { [field: string]: unknown; host_name: string; agent_id: string; host_id: string; agent_status: string; host_status: string }
interface HostList { total_num: number; data_list: Host[] }

let ts: TestServer;
let projectId: string;
let token: string;
let startedAt: number;
const agents = new Map<string, EnrolledAgent>();
const webNames = Array.from({ length: 15 }, (_, i) => `web-${String(i).padStart(2, '0')}`);
const dbNames = Array.from({ length: 5 }, (_, i) => `db-${String(i).padStart(2, '0')}`);
const oddNames = ['odd_name', 'oddXname', 'pct%host'];
const allNames = [...webNames, ...dbNames, ...oddNames].sort();

before(async () => {
  startedAt = Date.now();
  ts = await startTestServer();
  projectId = ts.credentials.project_id;
  token = await tokenFor(ts, await adminUserId(ts), { projectId });
  for (const [i, name] of webNames.entries()) {
    agents.set(name, await enrollAgent(ts, hostFacts({ host_name: name, private_ips: [`10.0.0.${i + 1}`, `fd00::${i + 1}`] })));
  }
  for (const [i, name] of dbNames.entries()) {
    agents.set(name, await enrollAgent(ts, hostFacts({
      host_name: name, os_type: 'Windows', os_name: 'Windows Server', os_version: '2022', kernel_version: '10.0.20348',
      private_ips: [`10.1.0.${i + 1}`], public_ips: [`203.0.113.${i + 1}`],
    })));
  }
  for (const name of oddNames) agents.set(name, await enrollAgent(ts, hostFacts({ host_name: name, private_ips: [] })));
  // Not listed: another project's agent, and a revoked one.
  const other = await createUserWithRole(ts, { name: 'hosts-other', role: 'admin', projectName: 'hosts-other-region' });
  await enrollAgent(ts, hostFacts({ host_name: 'web-foreign' }), { projectId: other.projectId });
  const revoked = await enrollAgent(ts, hostFacts({ host_name: 'web-revoked' }));
  assert.ok(await ts.server.ctx.agents.revoke(revoked.agentId));
  // Every agent checks in over the protocol; then the Windows hosts go quiet for an hour.
  for (const agent of agents.values()) await checkin(ts, agent);
  await ts.server.ctx.agents.flushHeartbeats();
  const ids = dbNames.map((n) => (agents.get(n) as EnrolledAgent).agentId);
  await ts.server.ctx.store.db.updateTable('agents').set({ last_seen_at: Date.now() - 3600_000 }).where('id', 'in', ids).execute();
});

after(async () => {
  await ts?.close();
});

async function list(query = ''): Promise<HttpResult<HostList>> {
  return http<HostList>(ts.endpoint, {
    path: `/v5/${projectId}/host-management/hosts${query ? `?${query}` : ''}`, headers: { 'x-auth-token': token },
  });
}

async function names(query: string): Promise<string[]> {
  const result = await list(query.includes('limit=') ? query : `${query}${query ? '&' : ''}limit=200`);
  assert.equal(result.status, 200, `${query}: ${result.text}`);
  assert.equal(result.body.total_num, result.body.data_list.length, `${query}: total_num matches a single full page`);
  return result.body.data_list.map((h) => h.host_name);
}

const STRING_FIELDS = [
  'host_name', 'host_id', 'agent_id', 'private_ip', 'public_ip', 'enterprise_project_id', 'enterprise_project_name', 'os_name', 'os_version',
  'kernel_version', 'host_status', 'agent_status', 'install_result_code', 'version', 'protect_status', 'os_type', 'os_bit', 'detect_result',
  'charging_mode', 'asset_value', 'agent_version', 'upgrade_status', 'host_sources', 'os_image', 'group_id', 'group_name',
];
const INTEGER_FIELDS = [
  'expire_time', 'agent_create_time', 'agent_update_time', 'open_time', 'asset', 'vulnerability', 'baseline', 'intrusion', 'install_progress',
];
const BOOLEAN_FIELDS = ['outside_host', 'upgradable', 'protect_interrupt', 'protect_degradation'];

describe('ListHostStatus', () => {
  test('default page: total_num counts every enrolled, unrevoked host of the project; 10 per page by host_name', async () => {
    const result = await list();
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body.total_num, allNames.length);
    assert.deepEqual(result.body.data_list.map((h) => h.host_name), allNames.slice(0, 10));
    assert.match(result.text, new RegExp(`"total_num":${allNames.length}[,}]`), 'total_num is a JSON number');
    assert.match(result.headers.get('x-request-id') ?? '', /^[0-9a-f]{32}$/);
    assert.equal(result.headers.get('content-type'), 'application/json; charset=utf-8');
  });

  test('every field has exactly the documented JSON type (numbers are numbers)', async () => {
    const result = await list('limit=200');
    assert.equal(result.body.data_list.length, allNames.length);
    const expectedKeys = [...STRING_FIELDS, ...INTEGER_FIELDS, ...BOOLEAN_FIELDS, 'labels'].sort();
    for (const host of result.body.data_list) {
      assert.deepEqual(Object.keys(host).sort(), expectedKeys, host.host_name);
      for (const field of STRING_FIELDS) assert.equal(typeof host[field], 'string', `${host.host_name}.${field}`);
      for (const field of INTEGER_FIELDS) assert.ok(Number.isInteger(host[field]), `${host.host_name}.${field} = ${JSON.stringify(host[field])}`);
      for (const field of BOOLEAN_FIELDS) assert.equal(typeof host[field], 'boolean', `${host.host_name}.${field}`);
      assert.ok(Array.isArray(host.labels));
      // Epoch milliseconds, from this test run.
      for (const field of ['agent_create_time', 'agent_update_time', 'open_time']) {
        const value = host[field] as number;
        assert.ok(value >= startedAt && value <= Date.now(), `${host.host_name}.${field} = ${value}`);
      }
      const agent = agents.get(host.host_name) as EnrolledAgent;
      assert.equal(host.agent_id, agent.agentId);
      assert.equal(host.host_id, agent.hostId);
      assert.equal(host.enterprise_project_id, '0');
      assert.equal(host.enterprise_project_name, 'default');
    }
    const web = result.body.data_list.find((h) => h.host_name === 'web-03') as Host;
    assert.equal(web.private_ip, '10.0.0.4');
    assert.equal(web.public_ip, '');
    assert.equal(web.os_type, 'Linux');
    assert.equal(web.kernel_version, '6.1.0-13-amd64');
    const db = result.body.data_list.find((h) => h.host_name === 'db-01') as Host;
    assert.equal(db.public_ip, '203.0.113.2');
    assert.equal(db.os_type, 'Windows');
    assert.equal(db.os_image, 'Windows Server 2022');
    for (const host of result.body.data_list) {
      assert.equal(host.install_progress, 100, `${host.host_name}: enrolled agents are installed`);
      assert.equal(host.group_id, '');
      assert.equal(host.group_name, '');
    }
  });

  test('paging: limit 10..200, offset; pages do not overlap and cover everything', async () => {
    const seen: string[] = [];
    for (const offset of [0, 10, 20]) {
      const page = await list(`limit=10&offset=${offset}`);
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.total_num, allNames.length);
      assert.equal(page.body.data_list.length, Math.min(10, allNames.length - offset));
      seen.push(...page.body.data_list.map((h) => h.host_name));
    }
    assert.deepEqual(seen, allNames);
    const odd = await list('limit=11&offset=7');
    assert.deepEqual(odd.body.data_list.map((h) => h.host_name), allNames.slice(7, 18));
    for (const query of ['limit=200', 'limit=10&offset=0', 'offset=0']) assert.equal((await list(query)).status, 200, query);
    const past = await list(`limit=10&offset=${allNames.length}`);
    assert.equal(past.body.total_num, allNames.length);
    assert.deepEqual(past.body.data_list, []);
    assert.deepEqual((await list('offset=2000000')).body.data_list, []);
    for (const query of ['limit=9', 'limit=0', 'limit=201', 'limit=abc', 'offset=-1', 'offset=2000001']) {
      assertHuaweiError(await list(query), 400, 'HSS.0001', query);
    }
  });

  test('host_name is a substring match with %, _ and \\ taken literally', async () => {
    assert.deepEqual(await names('host_name=web-1'), webNames.slice(10));
    assert.deepEqual(await names('host_name=eb-0'), webNames.slice(0, 10));
    assert.deepEqual(await names('host_name=odd_name'), ['odd_name']);
    assert.deepEqual(await names('host_name=odd'), ['oddXname', 'odd_name'].sort());
    assert.deepEqual(await names(`host_name=${encodeURIComponent('pct%')}`), ['pct%host']);
    assert.deepEqual(await names('host_name=%25'), ['pct%host']);
    assert.deepEqual(await names('host_name=_'), ['odd_name']);
    assert.deepEqual(await names(`host_name=${encodeURIComponent('\\')}`), []);
    assert.deepEqual(await names('host_name=nothing-like-this'), []);
    assert.deepEqual(await names('host_name='), allNames, 'an empty filter is no filter');
    assert.deepEqual(await names('host_name=web-foreign'), [], "another project's host is invisible");
    assert.deepEqual(await names('host_name=web-revoked'), [], 'a revoked agent is not listed');
  });

  test('os_type filter', async () => {
    assert.deepEqual(await names('os_type=Windows'), dbNames);
    assert.deepEqual(await names('os_type=Linux'), [...webNames, ...oddNames].sort());
    assertHuaweiError(await list('os_type=Solaris'), 400, 'HSS.0001', 'os_type=Solaris');
  });

  test('agent_status / host_status: online and offline from the last check-in', async () => {
    const linux = [...webNames, ...oddNames].sort();
    assert.deepEqual(await names('agent_status=online'), linux);
    assert.deepEqual(await names('agent_status=offline'), dbNames);
    assert.deepEqual(await names('agent_status=not_online'), dbNames);
    assert.deepEqual(await names('host_status=ACTIVE'), linux);
    assert.deepEqual(await names('host_status=SHUTOFF'), dbNames);
    assert.deepEqual(await names('agent_status=installed'), allNames);
    for (const none of ['agent_status=not_installed', 'agent_status=installing', 'agent_status=install_failed', 'host_status=ERROR']) {
      assert.deepEqual(await names(none), [], none);
    }
    assert.deepEqual(await names('os_type=Windows&agent_status=online'), []);
    const all = (await list('limit=200')).body.data_list;
    for (const host of all) {
      const offline = dbNames.includes(host.host_name);
      assert.equal(host.agent_status, offline ? 'offline' : 'online', host.host_name);
      assert.equal(host.host_status, offline ? 'SHUTOFF' : 'ACTIVE', host.host_name);
    }
    assertHuaweiError(await list('agent_status=sleeping'), 400, 'HSS.0001', 'agent_status=sleeping');
  });

  test('IP filters: private_ip, public_ip, ip_addr (either), host_id exact', async () => {
    assert.deepEqual(await names('private_ip=10.1.0.'), dbNames);
    assert.deepEqual(await names('private_ip=fd00::1'), ['web-00', 'web-09', 'web-10', 'web-11', 'web-12', 'web-13', 'web-14']);
    assert.deepEqual(await names('public_ip=203.0.113.3'), ['db-02']);
    assert.deepEqual(await names('ip_addr=203.0.113.'), dbNames);
    assert.deepEqual(await names('ip_addr=10.0.0.15'), ['web-14']);
    assert.deepEqual(await names('private_ip=10.0.0.1'), ['web-00', 'web-09', 'web-10', 'web-11', 'web-12', 'web-13', 'web-14'], 'a substring match');
    const target = agents.get('web-07') as EnrolledAgent;
    assert.deepEqual(await names(`host_id=${target.hostId}`), ['web-07']);
    assert.deepEqual(await names(`host_id=${target.agentId}`), [], 'host_id is the host id, not the agent id');
  });

  test('protect_status, asset_value, version and detect_result filters', async () => {
    assert.deepEqual(await names('protect_status=opened'), allNames);
    assert.deepEqual(await names('protect_status=closed'), []);
    assert.deepEqual(await names('asset_value=common'), allNames);
    assert.deepEqual(await names('asset_value=important'), []);
    assert.deepEqual(await names('version=hss.version.enterprise'), allNames);
    assert.deepEqual(await names('version=hss.version.basic'), []);
    assert.deepEqual(await names('detect_result=undetected'), allNames);
    assert.deepEqual(await names('detect_result=risk'), []);
  });

  test('a check-in with new facts updates the listing; a quiet host that checks in is online again', async () => {
    const agent = agents.get('db-03') as EnrolledAgent;
    const before = ((await list('host_name=db-03')).body.data_list[0]) as Host;
    assert.equal(before.agent_status, 'offline');
    await checkin(ts, agent, {
      facts: hostFacts({
        host_name: 'db-03', os_type: 'Windows', os_name: 'Windows Server', os_version: '2025', kernel_version: '10.0.26100',
        private_ips: ['192.168.50.5'], public_ips: ['198.51.100.7'], agent_version: '0.2.0',
      }),
    });
    await ts.server.ctx.agents.flushHeartbeats();
    const after = ((await list('host_name=db-03')).body.data_list[0]) as Host;
    assert.equal(after.agent_status, 'online');
    assert.equal(after.host_status, 'ACTIVE');
    assert.equal(after.private_ip, '192.168.50.5');
    assert.equal(after.public_ip, '198.51.100.7');
    assert.equal(after.os_version, '2025');
    assert.equal(after.agent_version, '0.2.0');
    assert.ok((after.agent_update_time as number) >= (before.agent_update_time as number));
    assert.equal(after.agent_create_time, before.agent_create_time);
    assert.deepEqual(await names('private_ip=192.168.50.5'), ['db-03']);
    assert.deepEqual(await names('agent_status=offline'), dbNames.filter((n) => n !== 'db-03'));
  });

  test('AK/SK callers get the same listing; readonly users may list', async () => {
    const reader = await createUserWithRole(ts, { name: 'hosts-reader', role: 'readonly', projectId });
    const readerToken = await tokenFor(ts, reader.userId, { projectId });
    const result = await http<HostList>(ts.endpoint, { path: `/v5/${projectId}/host-management/hosts?limit=200`, headers: { 'x-auth-token': readerToken } });
    assert.equal(result.status, 200, result.text);
    assert.equal(result.body.total_num, allNames.length);
  });
});
