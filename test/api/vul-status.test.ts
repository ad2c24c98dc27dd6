/**
 * HSS ChangeVulStatus on the real server over seeded findings: ignore / not_ignore (per vulnerability, per host,
 * select_type), what the lists show after each, verify (a manual scan task of exactly those hosts, the pairs
 * verifying until the rescan ends), the refused repair operations, and bad input answered 400 with nothing stored
 * changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ScanStore } from '../../src/families/vul-scan/scan-store.js';
import { FindingsStore } from '../../src/families/vul-scan/findings-store.js';
import type { VulScanTables } from '../../src/families/vul-scan/tables.js';
import { http, type HttpResult } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminUserId, assertHuaweiError, rowCounts, sdkSign, sendSigned, tokenFor } from './support.js';
import { ALSA, GHSA, PYSEC, seedFindings, WEB2_FINDINGS, type Seeded } from './vul-findings-seed.js';

type Rec = Record<string, unknown>;
interface List { total_num: number; data_list: Rec[] }

let ts: TestServer;
let seeded: Seeded;
let projectId: string;
let token: string;

before(async () => {
  ts = await startTestServer();
  projectId = ts.credentials.project_id;
  token = await tokenFor(ts, await adminUserId(ts), { projectId });
  seeded = await seedFindings(ts);
});

after(async () => {
  await ts?.close();
});

const vulDb = () => ts.server.ctx.store.db.withTables<VulScanTables>();

async function snapshot(): Promise<Record<string, unknown>> {
  const db = vulDb();
  const count = async (table: 'vul_host_status' | 'vul_scan_tasks' | 'vul_scan_hosts' | 'vul_findings') =>
    Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const statuses = await db.selectFrom('vul_host_status').selectAll().orderBy('host_id').orderBy('vul_id').execute();
  return {
    ...(await rowCounts(ts)), vul_host_status: await count('vul_host_status'), vul_scan_tasks: await count('vul_scan_tasks'),
    vul_scan_hosts: await count('vul_scan_hosts'), vul_findings: await count('vul_findings'), statuses: JSON.stringify(statuses),
  };
}

async function change(body: unknown, query = ''): Promise<HttpResult> {
  return http(ts.endpoint, {
    method: 'PUT', path: `/v5/${projectId}/vulnerability/status${query}`, headers: { 'x-auth-token': token }, body,
  });
}

async function changeOk(body: unknown, query = ''): Promise<void> {
  const result = await change(body, query);
  assert.equal(result.status, 200, `${JSON.stringify(body)}: ${result.text}`);
  assert.deepEqual(result.body, {});
}

async function ok(path: string): Promise<List> {
  const result = await http<List>(ts.endpoint, { path, headers: { 'x-auth-token': token } });
  assert.equal(result.status, 200, `${path}: ${result.text}`);
  return result.body;
}

const vulList = (query = '') => ok(`/v5/${projectId}/vulnerability/vulnerabilities${query ? `?${query}` : ''}`);
const hostVuls = (hostId: string, query = '') => ok(`/v5/${projectId}/vulnerability/host/${hostId}${query ? `?${query}` : ''}`);
const statusOn = async (hostId: string, vulId: string, type = 'linux_vul', query = '') =>
  (await hostVuls(hostId, `type=${type}${query}`)).data_list.find((v) => v.vul_id === vulId)?.status;

describe('ChangeVulStatus: bad input is refused and changes nothing', () => {
  test('repairs, whitelist, unknown hosts and vulnerabilities, too many items, no selection', async () => {
    const { web1, web2, foreign, epHost } = seeded;
    const alsaOn = (...hosts: string[]) => [{ vul_id: ALSA, host_id_list: hosts }];
    const before = await snapshot();
    const cases: Array<[string, unknown, RegExp]> = [
      ['immediate_repair', { operate_type: 'immediate_repair', data_list: alsaOn(web1.hostId) }, /does not patch hosts/],
      ['manual_repair', { operate_type: 'manual_repair', data_list: alsaOn(web1.hostId) }, /does not patch hosts/],
      ['add_to_whitelist', { operate_type: 'add_to_whitelist', data_list: alsaOn(web1.hostId) }, /no vulnerability whitelist/],
      ['unknown operate_type', { operate_type: 'delete', data_list: alsaOn(web1.hostId) }, /operate_type|must be equal/],
      ['no operate_type', { data_list: alsaOn(web1.hostId) }, /operate_type/],
      ['unknown host', { operate_type: 'ignore', data_list: alsaOn(web1.hostId, 'no-such-host') }, /no-such-host/],
      ['another project\'s host', { operate_type: 'ignore', data_list: alsaOn(foreign.hostId) }, new RegExp(foreign.hostId)],
      ['a host of another enterprise project', { operate_type: 'ignore', data_list: alsaOn(epHost.hostId) }, new RegExp(epHost.hostId)],
      ['unknown vulnerability', { operate_type: 'ignore', host_data_list: [{ host_id: web1.hostId, vul_id_list: [ALSA, 'NOPE-2024-9'] }] }, /NOPE-2024-9/],
      ['a vulnerability not on that host', { operate_type: 'ignore', host_data_list: [{ host_id: web2.hostId, vul_id_list: [PYSEC] }] },
        new RegExp(`${PYSEC} on ${web2.hostId}`)],
      ['501 data_list items', { operate_type: 'ignore', data_list: Array.from({ length: 501 }, () => alsaOn(web1.hostId)[0]) }, /500/],
      ['501 hosts of one vulnerability', { operate_type: 'ignore', data_list: alsaOn(...Array.from({ length: 501 }, (_, i) => `h-${i}`)) }, /500/],
      ['501 vulnerabilities of one host', { operate_type: 'ignore', host_data_list: [{ host_id: web1.hostId, vul_id_list: Array.from({ length: 501 }, (_, i) => `V-${i}`) }] }, /500/],
      ['no selection', { operate_type: 'ignore' }, /data_list|select_type/],
      ['empty data_list', { operate_type: 'ignore', data_list: [] }, /data_list|fewer|least/],
      ['unknown select_type', { operate_type: 'ignore', select_type: 'everything' }, /select_type|must be equal/],
      ['unknown type', { operate_type: 'ignore', select_type: 'all_vul', type: 'solaris_vul' }, /type|must be equal/],
      ['remark too long', { operate_type: 'ignore', remark: 'r'.repeat(513), data_list: alsaOn(web1.hostId) }, /remark|512/],
      ['host id not a string', { operate_type: 'ignore', data_list: [{ vul_id: ALSA, host_id_list: [42] }] }, /host_id_list|string/],
      ['a NUL in a host id', { operate_type: 'ignore', data_list: [{ vul_id: ALSA, host_id_list: ['web\u0000-1'] }] }, /host_id_list|NUL|U\+0000/],
    ];
    for (const [label, body, message] of cases) {
      const result = await change(body);
      const error = assertHuaweiError(result, 400, /^HSS\./, label);
      assert.match(String(error.error_msg), message, label);
    }
    assertHuaweiError(await change('{not json'), 400, /^HSS\./, 'malformed JSON');
    assert.deepEqual(await snapshot(), before);
  });
});

describe('ChangeVulStatus: ignore and not_ignore', () => {
  test('ignore one host of a vulnerability (signed with the SDK core signer): handled, remark, counts', async () => {
    const { web1, web2 } = seeded;
    const vulnerabilityCounter = async () => new Map((await ok(`/v5/${projectId}/host-management/hosts?limit=200`)).data_list
      .map((h) => [h.host_id, h.vulnerability]));
    const before = await vulnerabilityCounter();
    assert.deepEqual([before.get(web1.hostId), before.get(web2.hostId)], [3, 1], 'ListHostStatus counts distinct unhandled vulnerabilities');
    const call = sdkSign({
      endpoint: ts.endpoint, method: 'PUT', path: `/v5/${projectId}/vulnerability/status`, ak: ts.credentials.ak, sk: ts.credentials.sk, projectId,
      data: { operate_type: 'ignore', remark: 'accepted risk: not reachable', data_list: [{ vul_id: ALSA, host_id_list: [web1.hostId] }] },
    });
    const signed = await sendSigned(call);
    assert.equal(signed.status, 200, signed.text);

    const unhandled = (await vulList('type=linux_vul')).data_list[0] as Rec;
    assert.deepEqual([unhandled.vul_id, unhandled.host_id_list, unhandled.host_num, unhandled.unhandle_host_num, unhandled.ignored_num],
      [ALSA, [web2.hostId], 2, 1, 1]);
    const handled = (await vulList('type=linux_vul&handle_status=handled')).data_list;
    assert.deepEqual(handled.map((v) => [v.vul_id, v.host_id_list]), [[ALSA, [web1.hostId]]]);
    assert.equal(await statusOn(web1.hostId, ALSA), 'vul_status_ignored');
    assert.equal((await vulnerabilityCounter()).get(web1.hostId), 2, 'an ignored vulnerability no longer counts');
    assert.equal(await statusOn(web1.hostId, ALSA, 'linux_vul', '&handle_status=handled'), 'vul_status_ignored');
    assert.equal(await statusOn(web1.hostId, ALSA, 'linux_vul', '&handle_status=unhandled'), undefined);
    const hosts = await ok(`/v5/${projectId}/vulnerability/hosts?vul_id=${encodeURIComponent(ALSA)}&type=linux_vul&status=vul_status_ignored`);
    assert.deepEqual(hosts.data_list.map((h) => [h.host_id, h.status, h.remark]), [[web1.hostId, 'vul_status_ignored', 'accepted risk: not reachable']]);
    const disabled = ((await hostVuls(web1.hostId)).data_list[0] as Rec).disabled_operate_types as Rec[];
    assert.ok(disabled.some((d) => d.operate_type === 'verify'), 'an ignored vulnerability cannot be verified');

    await changeOk({ operate_type: 'ignore', data_list: [{ vul_id: ALSA, host_id_list: [web1.hostId] }] });
    assert.equal((await snapshot()).vul_host_status, 1, 'ignoring again keeps one row');
  });

  test('verify of an ignored vulnerability is refused, nothing changes', async () => {
    const before = await snapshot();
    const error = assertHuaweiError(await change({ operate_type: 'verify', data_list: [{ vul_id: ALSA, host_id_list: [seeded.web1.hostId] }] }), 400, 'HSS.0001');
    assert.match(String(error.error_msg), /not_ignore/);
    assert.deepEqual(await snapshot(), before);
  });

  test('not_ignore reverts; host_data_list and select_type select pairs', async () => {
    const { web1, web2, epHost } = seeded;
    await changeOk({ operate_type: 'not_ignore', data_list: [{ vul_id: ALSA, host_id_list: [web1.hostId] }] });
    assert.equal(await statusOn(web1.hostId, ALSA), 'vul_status_unfix');
    assert.equal((await snapshot()).vul_host_status, 0);
    await changeOk({ operate_type: 'not_ignore', data_list: [{ vul_id: ALSA, host_id_list: [web1.hostId] }] });

    await changeOk({ operate_type: 'ignore', host_data_list: [{ host_id: web1.hostId, vul_id_list: [PYSEC, GHSA] }] });
    assert.deepEqual((await hostVuls(web1.hostId, 'type=app_vul&handle_status=handled')).data_list.map((v) => v.vul_id), [PYSEC, GHSA]);
    assert.deepEqual((await vulList('type=app_vul')).data_list, [], 'no unhandled app vulnerability left');
    await changeOk({ operate_type: 'not_ignore', select_type: 'all_vul', type: 'app_vul' });
    assert.deepEqual((await vulList('type=app_vul')).data_list.map((v) => v.vul_id), [PYSEC, GHSA]);

    // all_host: every host (in scope) having the named vulnerability; the host list given is not a limit.
    await changeOk({ operate_type: 'ignore', select_type: 'all_host', data_list: [{ vul_id: ALSA, host_id_list: [web1.hostId] }] });
    assert.equal(await statusOn(web1.hostId, ALSA), 'vul_status_ignored');
    assert.equal(await statusOn(web2.hostId, ALSA), 'vul_status_ignored');
    assert.equal(await statusOn(epHost.hostId, ALSA, 'linux_vul', '&enterprise_project_id=ep-x'), 'vul_status_unfix', 'outside the scope');
    assert.equal(await statusOn(web1.hostId, PYSEC, 'app_vul'), 'vul_status_unfix');
    // all_vul with the default type linux_vul.
    await changeOk({ operate_type: 'not_ignore', select_type: 'all_vul' });
    assert.equal((await snapshot()).vul_host_status, 0);
  });
});

describe('ChangeVulStatus: verify rescans the host', () => {
  const scanTasks = () => vulDb().selectFrom('vul_scan_tasks').innerJoin('tasks', 'tasks.id', 'vul_scan_tasks.task_id')
    .select(['tasks.id', 'tasks.family', 'tasks.kind', 'tasks.enterprise_project_id', 'vul_scan_tasks.scan_type', 'vul_scan_tasks.scan_vul_types'])
    .orderBy('tasks.created_at').execute();

  async function finishWith(taskId: string, hostId: string, findings: typeof WEB2_FINDINGS): Promise<void> {
    await new FindingsStore(ts.server.ctx.store.db).replaceHostFindings(projectId, hostId, findings);
    await new ScanStore(ts.server.ctx.store.db, ts.server.ctx.tasks).finishHost(taskId, hostId, 'success', [], []);
  }

  test('a manual scan of exactly that host; verifying while it runs, unfix again when the vulnerability is still there', async () => {
    const { web2 } = seeded;
    const before = (await scanTasks()).length;
    await changeOk({ operate_type: 'verify', remark: 'patched, please check', data_list: [{ vul_id: ALSA, host_id_list: [web2.hostId] }] });
    const tasks = await scanTasks();
    assert.equal(tasks.length, before + 1);
    const task = tasks.at(-1)!;
    assert.deepEqual([task.family, task.kind, task.scan_type, JSON.parse(task.scan_vul_types), task.enterprise_project_id],
      ['vul-scan', 'manual', 'manual', ['linux_vul'], '0']);
    const hosts = await new ScanStore(ts.server.ctx.store.db, ts.server.ctx.tasks).hostsOfTask(task.id);
    assert.deepEqual(hosts.map((h) => [h.host_id, h.agent_id, h.scan_status]), [[web2.hostId, web2.agentId, 'scanning']]);
    const jobs = await ts.server.ctx.tasks.jobsOfTask(task.id);
    assert.deepEqual(jobs.map((j) => [j.agent_id, j.kind]), [[web2.agentId, 'vul-inventory']]);

    assert.equal(await statusOn(web2.hostId, ALSA), 'vul_status_verified');
    const alsa = (await vulList('type=linux_vul')).data_list[0] as Rec;
    assert.deepEqual([alsa.verify_num, alsa.unhandle_host_num], [1, 2], 'verifying is still unhandled');
    assert.deepEqual((await vulList('type=linux_vul&status=vul_status_verified')).data_list.map((v) => v.host_id_list), [[web2.hostId]]);

    await finishWith(task.id, web2.hostId, WEB2_FINDINGS);
    assert.equal(await statusOn(web2.hostId, ALSA), 'vul_status_unfix', 'still present after the rescan');
  });

  test('a fixed vulnerability disappears after the rescan', async () => {
    const { web1, web2 } = seeded;
    await changeOk({ operate_type: 'verify', host_data_list: [{ host_id: web2.hostId, vul_id_list: [ALSA] }] });
    const task = (await scanTasks()).at(-1)!;
    await finishWith(task.id, web2.hostId, []);
    assert.deepEqual((await hostVuls(web2.hostId)).data_list, []);
    const alsa = (await vulList('type=linux_vul')).data_list[0] as Rec;
    assert.deepEqual([alsa.host_id_list, alsa.host_num], [[web1.hostId], 1]);
  });

  test('an offline host: the scan is created, the host fails with the reason, the pair reads unfix', async () => {
    const { epHost } = seeded;
    await ts.server.ctx.store.db.updateTable('agents').set({ last_seen_at: Date.now() - 86_400_000 }).where('id', '=', epHost.agentId).execute();
    await changeOk({ operate_type: 'verify', data_list: [{ vul_id: ALSA, host_id_list: [epHost.hostId] }] }, '?enterprise_project_id=ep-x');
    const task = (await scanTasks()).at(-1)!;
    assert.equal(task.enterprise_project_id, 'ep-x');
    const [host] = await new ScanStore(ts.server.ctx.store.db, ts.server.ctx.tasks).hostsOfTask(task.id);
    assert.equal(host?.scan_status, 'failed');
    assert.match(host?.failed_reasons ?? '', /offline/);
    assert.equal(await statusOn(epHost.hostId, ALSA, 'linux_vul', '&enterprise_project_id=ep-x'), 'vul_status_unfix');
  });
});
