/**
 * A user whose role grants no enterprise project asks for `all_granted_eps`: every list answers an empty list and
 * every lookup "not found" — on PostgreSQL too, where a naive `IN ()` is a syntax error (a 500).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, createUserWithRole, enrollAgent, hostFacts, tokenFor, type EnrolledAgent } from './support.js';

let ts: TestServer;
let token: string;
let projectId: string;
let sensor: EnrolledAgent;

before(async () => {
  ts = await startTestServer();
  const user = await createUserWithRole(ts, { name: 'no-eps', role: 'admin', enterpriseProjectIds: [] });
  projectId = user.projectId;
  token = await tokenFor(ts, user.userId, { projectId });
  sensor = await enrollAgent(ts, hostFacts({ host_name: 'scoped-sensor', capabilities: { job_kinds: ['capture'], kinds: { capture: { interfaces: ['lo'] } } } }), { projectId });
});

after(async () => {
  await ts?.close();
});

const get = (path: string) => http<Record<string, unknown>>(ts.endpoint, { method: 'GET', path, headers: { 'X-Auth-Token': token } });

describe('an empty enterprise-project scope', () => {
  test('ListHostStatus lists nothing', async () => {
    const res = await get(`/v5/${projectId}/host-management/hosts?enterprise_project_id=all_granted_eps`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body, { total_num: 0, data_list: [] });
  });

  test('ListFirewallDetail lists nothing', async () => {
    const res = await get(`/v1/${projectId}/firewall/exist?enterprise_project_id=all_granted_eps&offset=0&limit=10&service_type=0`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal((res.body.data as { total: number }).total, 0);
  });

  test('ListCaptureTask and ListCaptureResult do not find the firewall', async () => {
    const fw = sensor.hostId;
    for (const path of [
      `/v1/${projectId}/capture-task?fw_instance_id=${fw}&enterprise_project_id=all_granted_eps&offset=0&limit=10`,
      `/v1/${projectId}/capture-task/capture-result?fw_instance_id=${fw}&enterprise_project_id=all_granted_eps&task_id=00000000-0000-4000-8000-000000000000`,
    ]) {
      assertHuaweiError(await get(path), 400, 'CFW.00200005', path);
    }
  });

  test('the same lists with the default enterprise project are refused, not widened', async () => {
    const res = await get(`/v5/${projectId}/host-management/hosts`);
    assertHuaweiError(res, 403, 'HSS.0013');
  });
});
