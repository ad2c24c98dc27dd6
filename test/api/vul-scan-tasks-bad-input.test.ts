/**
 * The bad-input matrix for the scan-task operations: each case is a 400 with an HSS.* code (the HSS
 * three-field error body and X-Request-Id), and nothing stored changes (core and family row counts).
 * Also: tasks of another project or outside the caller's enterprise projects read as unknown.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminUserId, assertHuaweiError, createUserWithRole, rowCounts, tokenFor, type EnrolledAgent } from './support.js';
import { hss, hssToken, ok, scanAgent, vulRowCounts } from './vul-scan-tasks-support.js';

let ts: TestServer;
let agent: EnrolledAgent;
let revoked: EnrolledAgent;
let foreign: EnrolledAgent;
let taskId: string;
let emptyProject: string;
let adminToken: string;

before(async () => {
  ts = await startTestServer();
  agent = await scanAgent(ts, 'bad-input-host');
  revoked = await scanAgent(ts, 'revoked-host');
  await ts.server.ctx.agents.revoke(revoked.agentId);
  const other = await createUserWithRole(ts, { name: 'other-admin', role: 'admin' });
  foreign = await scanAgent(ts, 'foreign-host', { projectId: other.projectId });
  const empty = await createUserWithRole(ts, { name: 'empty-admin', role: 'admin' });
  emptyProject = empty.projectId;
  adminToken = await tokenFor(ts, empty.userId, { projectId: emptyProject });
  taskId = ok(await hss<{ task_id: string }>(ts, 'POST', '/vulnerability/scan-task', { body: { range_type: 'all_host' } }), 'create').task_id;
});

after(async () => {
  await ts?.close();
});

async function snapshot(): Promise<Record<string, number>> {
  return { ...await rowCounts(ts), ...await vulRowCounts(ts) };
}

type Case = [label: string, method: string, path: string, options: { body?: unknown; query?: Record<string, string | number | string[]> }, code: string, message?: RegExp];

const many = (n: number) => Array.from({ length: n }, (_, i) => `agent-${i}`);

describe('bad input → 400 HSS.*, nothing stored changes', () => {
  const cases = (): Case[] => [
    ['unknown manual_scan_type', 'POST', '/vulnerability/scan-task', { body: { manual_scan_type: ['linux_vul', 'mac_vul'], range_type: 'all_host' } }, 'HSS.0001'],
    ['empty manual_scan_type', 'POST', '/vulnerability/scan-task', { body: { manual_scan_type: [] } }, 'HSS.0001'],
    ['manual_scan_type not a list', 'POST', '/vulnerability/scan-task', { body: { manual_scan_type: 'linux_vul' } }, 'HSS.0001'],
    ['unknown range_type', 'POST', '/vulnerability/scan-task', { body: { range_type: 'some_hosts' } }, 'HSS.0001'],
    ['specific_host without agent_id_list', 'POST', '/vulnerability/scan-task', { body: { range_type: 'specific_host' } }, 'HSS.0001', /agent_id_list/],
    ['more than 200 agents', 'POST', '/vulnerability/scan-task', { body: { range_type: 'specific_host', agent_id_list: many(201) } }, 'HSS.0001'],
    ['empty agent_id_list', 'POST', '/vulnerability/scan-task', { body: { range_type: 'specific_host', agent_id_list: [] } }, 'HSS.0001'],
    ['unknown agent ids (named)', 'POST', '/vulnerability/scan-task', { body: { range_type: 'specific_host', agent_id_list: [agent.agentId, 'no-such-agent'] } }, 'HSS.0011', /no-such-agent/],
    ['a revoked agent', 'POST', '/vulnerability/scan-task', { body: { range_type: 'specific_host', agent_id_list: [revoked.agentId] } }, 'HSS.0011', new RegExp(revoked.agentId)],
    ['an agent of another project', 'POST', '/vulnerability/scan-task', { body: { range_type: 'specific_host', agent_id_list: [foreign.agentId] } }, 'HSS.0011', new RegExp(foreign.agentId)],
    ['agent_id_list with all_host', 'POST', '/vulnerability/scan-task', { body: { range_type: 'all_host', agent_id_list: [agent.agentId] } }, 'HSS.0001', /specific_host/],
    ['batch_flag not a boolean', 'POST', '/vulnerability/scan-task', { body: { batch_flag: 'yes' } }, 'HSS.0001'],
    ['an unknown field', 'POST', '/vulnerability/scan-task', { body: { host_ids: ['x'] } }, 'HSS.0001'],
    ['limit over 200', 'GET', '/vulnerability/scan-tasks', { query: { limit: 201 } }, 'HSS.0001'],
    ['negative offset', 'GET', '/vulnerability/scan-tasks', { query: { offset: -1 } }, 'HSS.0001'],
    ['offset over 2000000', 'GET', '/vulnerability/scan-tasks', { query: { offset: 2_000_001 } }, 'HSS.0001'],
    ['non-numeric limit', 'GET', '/vulnerability/scan-tasks', { query: { limit: 'ten' } }, 'HSS.0001'],
    ['non-numeric min_start_time', 'GET', '/vulnerability/scan-tasks', { query: { min_start_time: 'yesterday' } }, 'HSS.0001'],
    ['non-numeric max_start_time', 'GET', '/vulnerability/scan-tasks', { query: { max_start_time: '1e3x' } }, 'HSS.0001'],
    ['fractional start time', 'GET', '/vulnerability/scan-tasks', { query: { min_start_time: '1.5' } }, 'HSS.0001'],
    ['max_start_time over 9999999999999', 'GET', '/vulnerability/scan-tasks', { query: { max_start_time: '10000000000000' } }, 'HSS.0001'],
    ['scan_type rematch (internal)', 'GET', '/vulnerability/scan-tasks', { query: { scan_type: 'rematch' } }, 'HSS.0001'],
    ['task hosts: unknown task id', 'GET', '/vulnerability/scan-task/0123456789abcdef0123456789abcdef/hosts', {}, 'HSS.0011', /0123456789abcdef/],
    ['task hosts: limit over 200', 'GET', `/vulnerability/scan-task/${taskId}/hosts`, { query: { limit: 500 } }, 'HSS.0001'],
    ['task hosts: unknown scan_status', 'GET', `/vulnerability/scan-task/${taskId}/hosts`, { query: { scan_status: 'done' } }, 'HSS.0001'],
    ['rescan: unknown task id', 'PUT', '/vulnerability/scan/task/no-such-task/rescan', { body: { range_type: 'all_failed_host' } }, 'HSS.0011'],
    ['rescan: no range_type', 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: {} }, 'HSS.0001'],
    ['rescan: specific_host without host_ids', 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'specific_host' } }, 'HSS.0001', /host_ids/],
    ['rescan: a host not in the task (named)', 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'specific_host', host_ids: ['ghost-host'] } }, 'HSS.0011', /ghost-host/],
    ['rescan: more than 1000 hosts', 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'specific_host', host_ids: many(1001) } }, 'HSS.0001'],
    ['rescan: nothing failed', 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { body: { range_type: 'all_failed_host' } }, 'HSS.0001', /no failed hosts/],
    ['estimate: unknown agent', 'POST', '/vulnerability/scan/task/estimated-time', { body: { range_type: 'specific_host', agent_ids: ['nobody'] } }, 'HSS.0011', /nobody/],
    ['trace: unknown task_type', 'POST', '/vulnerability/task/user/trace', { body: { task_type: 'vul_fix' } }, 'HSS.0001'],
    ['trace: no task_type', 'POST', '/vulnerability/task/user/trace', { body: {} }, 'HSS.0001'],
  ];

  test('every case answers 400 with its HSS code and stores nothing', async () => {
    const before = await snapshot();
    for (const [label, method, path, options, code, message] of cases()) {
      const result = await hss(ts, method, path, options);
      const body = assertHuaweiError(result, 400, code, label);
      if (message) assert.match(String(body.error_msg), message, label);
    }
    assert.deepEqual(await snapshot(), before);
  });

  test('a project without hosts: 400 HSS.1001, nothing stored', async () => {
    const before = await snapshot();
    const result = await hssToken(ts, adminToken, 'POST', '/vulnerability/scan-task', { projectId: emptyProject, body: { range_type: 'all_host' } });
    const body = assertHuaweiError(result, 400, 'HSS.1001', 'no hosts');
    assert.match(String(body.error_msg), /no host/);
    assert.deepEqual(await snapshot(), before);
  });
});

describe('tasks of other projects and enterprise projects read as unknown', () => {
  test('another project\'s admin cannot see or rescan the task', async () => {
    const other = await createUserWithRole(ts, { name: 'nosy-admin', role: 'admin' });
    const token = await tokenFor(ts, other.userId, { projectId: other.projectId });
    assertHuaweiError(await hssToken(ts, token, 'GET', `/vulnerability/scan-task/${taskId}/hosts`, { projectId: other.projectId }), 400, 'HSS.0011', 'hosts');
    assertHuaweiError(await hssToken(ts, token, 'PUT', `/vulnerability/scan/task/${taskId}/rescan`, { projectId: other.projectId, body: { range_type: 'all_failed_host' } }), 400, 'HSS.0011', 'rescan');
    const list = ok(await hssToken<{ total_num: number }>(ts, token, 'GET', '/vulnerability/scan-tasks', { projectId: other.projectId }), 'list');
    assert.equal(list.total_num, 0);
  });

  test('a user of enterprise project ep-x sees its own hosts\' tasks only', async () => {
    const projectId = ts.credentials.project_id;
    const epHost = await scanAgent(ts, 'ep-x-host', { enterpriseProjectId: 'ep-x' });
    const epUser = await createUserWithRole(ts, { name: 'ep-x-user', role: 'admin', projectId, enterpriseProjectIds: ['ep-x'] });
    const token = await tokenFor(ts, epUser.userId, { projectId });
    const q = 'enterprise_project_id=ep-x';
    assertHuaweiError(await hssToken(ts, token, 'GET', `/vulnerability/scan-task/${taskId}/hosts`, { query: q }), 400, 'HSS.0011', 'default-EP task');
    // all_host within ep-x is exactly its one host; naming a default-EP agent is unknown from there.
    const created = ok(await hssToken<{ task_id: string }>(ts, token, 'POST', '/vulnerability/scan-task', { query: q, body: {} }), 'create in ep-x');
    const hosts = ok(await hssToken<{ data_list: Array<{ host_id: string }> }>(ts, token, 'GET', `/vulnerability/scan-task/${created.task_id}/hosts`, { query: q }), 'hosts');
    assert.deepEqual(hosts.data_list.map((h) => h.host_id), [epHost.hostId]);
    assertHuaweiError(await hssToken(ts, token, 'POST', '/vulnerability/scan-task', { query: q, body: { agent_id_list: [agent.agentId] } }), 400, 'HSS.0011', 'default-EP agent');
    const list = ok(await hssToken<{ data_list: Array<{ id: string }> }>(ts, token, 'GET', '/vulnerability/scan-tasks', { query: q }), 'list');
    assert.deepEqual(list.data_list.map((t) => t.id), [created.task_id]);
    const admin = await tokenFor(ts, await adminUserId(ts), { projectId });
    const everything = ok(await hssToken<{ total_num: number }>(ts, admin, 'GET', '/vulnerability/scan-tasks', { query: 'enterprise_project_id=all_granted_eps' }), 'admin all');
    assert.equal(everything.total_num, 2);
  });
});
