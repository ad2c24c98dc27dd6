/**
 * HSS ListVulnerabilities, ListVulHosts and ListHostVuls over stored findings (seeded through the stores the
 * scan pipeline writes with), on the real server: grouping per vulnerability across hosts, app_list with
 * ecosystem and app_path, cve_list with CVSS, filters, paging, enterprise-project and project scope, exact
 * JSON types (int32/int64 integers, float cvss), and one call signed with the official SDK core's signer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { http, type HttpResult } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { adminUserId, assertHuaweiError, sdkSign, sendSigned, tokenFor } from './support.js';
import {
  ALSA, ALSA_CVSS, FIRST_SCAN, GHSA, LAST_SCAN, PYSEC, PYSEC_CVSS, REQUESTS_PATHS, RPMDB, seedFindings, type Seeded,
} from './vul-findings-seed.js';

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

async function get(path: string, as = token): Promise<HttpResult<List>> {
  return http<List>(ts.endpoint, { path, headers: { 'x-auth-token': as } });
}

async function ok(path: string, as = token): Promise<List> {
  const result = await get(path, as);
  assert.equal(result.status, 200, `${path}: ${result.text}`);
  assert.ok(Number.isInteger(result.body.total_num), path);
  return result.body;
}

const vuls = (query = '') => ok(`/v5/${projectId}/vulnerability/vulnerabilities${query ? `?${query}` : ''}`);
const vulIds = async (query = '') => (await vuls(query)).data_list.map((v) => v.vul_id);
const vulHosts = (query: string) => ok(`/v5/${projectId}/vulnerability/hosts?${query}`);
const hostVuls = (hostId: string, query = '') => ok(`/v5/${projectId}/vulnerability/host/${hostId}${query ? `?${query}` : ''}`);
const q = encodeURIComponent;

function assertTypes(record: Rec, fields: Record<string, 'string' | 'integer' | 'number' | 'boolean' | 'array' | 'object'>, label: string): void {
  for (const [field, type] of Object.entries(fields)) {
    const value = record[field];
    const where = `${label}.${field} = ${JSON.stringify(value)}`;
    if (type === 'integer') assert.ok(Number.isInteger(value), where);
    else if (type === 'array') assert.ok(Array.isArray(value), where);
    else assert.equal(typeof value, type, where);
  }
}

describe('ListVulnerabilities', () => {
  test('one record per vulnerability across the hosts in scope, most severe first, exact wire types', async () => {
    const list = await vuls('limit=200');
    assert.equal(list.total_num, 3);
    assert.deepEqual(list.data_list.map((v) => v.vul_id), [ALSA, PYSEC, GHSA]);
    const [alsa, pysec, ghsa] = list.data_list as [Rec, Rec, Rec];
    for (const v of list.data_list) {
      assertTypes(v, {
        vul_name: 'string', vul_id: 'string', label_list: 'array', repair_necessity: 'string', severity_level: 'string', host_num: 'integer',
        unhandle_host_num: 'integer', scan_time: 'integer', solution_detail: 'string', url: 'string', description: 'string', type: 'string',
        host_id_list: 'array', cve_list: 'array', repair_priority: 'string', hosts_num: 'object', repair_success_num: 'integer',
        fixed_num: 'integer', ignored_num: 'integer', verify_num: 'integer', repair_priority_list: 'array',
      }, String(v.vul_id));
    }
    assert.equal(alsa.vul_name, 'Important: openssl security update');
    assert.equal(alsa.type, 'linux_vul');
    assert.equal(alsa.severity_level, 'Critical');
    assert.equal(alsa.repair_necessity, 'Critical');
    assert.equal(alsa.repair_priority, 'Critical');
    assert.equal(alsa.host_num, 2);
    assert.equal(alsa.unhandle_host_num, 2);
    assert.deepEqual([...(alsa.host_id_list as string[])].sort(), [seeded.web1.hostId, seeded.web2.hostId].sort());
    assert.deepEqual(alsa.cve_list, [{ cve_id: 'CVE-2024-0001', cvss: ALSA_CVSS }]);
    assert.equal(alsa.description, 'A flaw was found in OpenSSL certificate parsing.');
    assert.equal(alsa.url, 'https://errata.almalinux.org/9/ALSA-2024-0001.html');
    assert.equal(alsa.scan_time, LAST_SCAN);
    assert.match(alsa.solution_detail as string, /Upgrade openssl \(AlmaLinux:9\) to 1:3\.0\.7-27\.el9; openssl-libs \(AlmaLinux:9\) to 1:3\.0\.7-27\.el9\./);
    assert.deepEqual(alsa.hosts_num, { important: 1, common: 1, test: 0 });
    assert.deepEqual(alsa.repair_priority_list, [
      { repair_priority: 'Critical', host_num: 2 }, { repair_priority: 'High', host_num: 0 },
      { repair_priority: 'Medium', host_num: 0 }, { repair_priority: 'Low', host_num: 0 },
    ]);
    assert.equal(pysec.type, 'app_vul');
    assert.equal(pysec.severity_level, 'Medium');
    assert.equal(pysec.host_num, 1);
    assert.deepEqual(pysec.cve_list, [{ cve_id: 'CVE-2024-1111', cvss: PYSEC_CVSS }]);
    assert.equal(pysec.patch_url, 'https://github.com/psf/requests/commit/abc');
    assert.equal(pysec.url, 'https://github.com/psf/requests/commit/abc', 'no ADVISORY reference: the first reference');
    assert.equal(pysec.description, 'requests leaks Proxy-Authorization', 'no details: the summary');
    assert.equal(ghsa.vul_name, GHSA, 'no summary: the id');
    assert.equal(ghsa.severity_level, 'Unknown');
    assert.equal(ghsa.repair_priority, 'Medium');
    assert.equal(ghsa.url, `https://osv.dev/vulnerability/${GHSA}`);
    assert.deepEqual(ghsa.cve_list, []);
    assert.match(ghsa.solution_detail as string, /No fixed version is published yet for left-pad \(npm\)/);
  });

  test('filters: type, vul_id, vul_name, cve_id, repair_priority, status, asset_value; groups and labels match nothing', async () => {
    assert.deepEqual(await vulIds('type=linux_vul'), [ALSA]);
    assert.deepEqual(await vulIds('type=app_vul'), [PYSEC, GHSA]);
    for (const type of ['windows_vul', 'web_cms', 'urgent_vul']) assert.deepEqual(await vuls(`type=${type}`), { total_num: 0, data_list: [] });
    assert.deepEqual(await vulIds('type'), [ALSA, PYSEC, GHSA], 'a bare key (empty value) is no filter');
    assert.deepEqual(await vulIds('vul_id=pysec'), [PYSEC]);
    assert.deepEqual(await vulIds('vul_name=OPENSSL'), [ALSA]);
    assert.deepEqual(await vulIds('vul_name=aaaa-bbbb'), [GHSA], 'vul_name also matches the id');
    assert.deepEqual(await vulIds('cve_id=cve-2024-1111'), [PYSEC]);
    assert.deepEqual(await vulIds('cve_id=CVE-2024-11'), [], 'cve_id is a whole CVE id');
    assert.deepEqual(await vulIds('repair_priority=Critical'), [ALSA]);
    assert.deepEqual(await vulIds('repair_priority=Medium'), [PYSEC, GHSA], 'Unknown severity is repair priority Medium');
    assert.deepEqual(await vulIds('repair_priority=Low'), []);
    assert.deepEqual(await vulIds('status=vul_status_unfix'), [ALSA, PYSEC, GHSA]);
    assert.deepEqual(await vulIds('status=vul_status_fixed'), []);
    assert.deepEqual(await vulIds('handle_status=handled'), []);
    const important = await vuls('asset_value=important');
    assert.deepEqual(important.data_list.map((v) => [v.vul_id, v.host_id_list, v.host_num]), [[ALSA, [seeded.web2.hostId], 2]]);
    assert.deepEqual(await vuls('group_name=web'), { total_num: 0, data_list: [] });
    assert.deepEqual(await vuls('label_list=x'), { total_num: 0, data_list: [] });
  });

  test('paging and bounds', async () => {
    const page = await vuls('limit=1&offset=1');
    assert.equal(page.total_num, 3);
    assert.deepEqual(page.data_list.map((v) => v.vul_id), [PYSEC]);
    assert.deepEqual(await vuls('limit=0'), { total_num: 3, data_list: [] });
    assert.deepEqual((await vuls('offset=3')).data_list, []);
    for (const bad of ['limit=201', 'limit=-1', 'offset=2000001', 'limit=ten', 'type=solaris_vul', 'handle_status=done', 'repair_priority=Urgent',
      'vul_name=a%00b', `vul_id=${'x'.repeat(257)}`, 'cve_id=CVE-2024-0001-and-far-too-long-for-a-cve']) {
      assertHuaweiError(await get(`/v5/${projectId}/vulnerability/vulnerabilities?${bad}`), 400, /^HSS\./, bad);
    }
  });

  test('scope: enterprise projects and other projects', async () => {
    const ep = await vuls('enterprise_project_id=ep-x');
    assert.deepEqual(ep.data_list.map((v) => [v.vul_id, v.host_id_list]), [[ALSA, [seeded.epHost.hostId]]]);
    const all = await vuls('enterprise_project_id=all_granted_eps');
    assert.equal(all.data_list.find((v) => v.vul_id === ALSA)?.host_num, 3);
    const epToken = await tokenFor(ts, seeded.epUser.userId, { projectId });
    assert.deepEqual((await ok(`/v5/${projectId}/vulnerability/vulnerabilities?enterprise_project_id=all_granted_eps`, epToken)).data_list
      .map((v) => [v.vul_id, v.host_num]), [[ALSA, 1]]);
    assertHuaweiError(await get(`/v5/${projectId}/vulnerability/vulnerabilities`, epToken), 403, 'HSS.0013', 'default ep without permission');
    const otherToken = await tokenFor(ts, seeded.otherUser.userId, { projectId: seeded.otherUser.projectId });
    const own = await ok(`/v5/${seeded.otherUser.projectId}/vulnerability/vulnerabilities`, otherToken);
    assert.deepEqual(own.data_list.map((v) => [v.vul_id, v.host_id_list]), [[ALSA, [seeded.foreign.hostId]]]);
    assert.equal((await get(`/v5/${projectId}/vulnerability/vulnerabilities`, otherToken)).status, 403);
  });
});

describe('ListVulHosts', () => {
  test('the hosts of one vulnerability with host facts, status and repair command', async () => {
    const list = await vulHosts(`vul_id=${q(ALSA)}&type=linux_vul`);
    assert.equal(list.total_num, 2);
    assert.deepEqual(list.data_list.map((h) => h.host_name), ['web-1', 'web-2']);
    const web1 = list.data_list[0] as Rec;
    assertTypes(web1, {
      host_id: 'string', agent_id: 'string', repair_necessity: 'string', severity_level: 'string', host_name: 'string', host_ip: 'string',
      private_ip: 'string', public_ip: 'string', cve_num: 'integer', cve_id_list: 'array', status: 'string', remark: 'string',
      repair_cmd: 'string', version: 'string', is_affect_business: 'boolean', asset_value: 'string', os_type: 'string', os_name: 'string',
      host_status: 'string', agent_status: 'string', first_scan_time: 'integer', scan_time: 'integer', support_restore: 'boolean',
      disabled_operate_types: 'array', repair_priority: 'string',
    }, 'VulHostInfo');
    assert.equal(web1.host_id, seeded.web1.hostId);
    assert.equal(web1.agent_id, seeded.web1.agentId);
    assert.equal(web1.host_ip, '10.9.0.5');
    assert.equal(web1.public_ip, '203.0.113.7');
    assert.equal(web1.status, 'vul_status_unfix');
    assert.equal(web1.repair_cmd, 'dnf upgrade openssl openssl-libs');
    assert.equal(web1.app_path, undefined, 'app_path only for application vulnerabilities');
    assert.deepEqual(web1.cve_id_list, ['CVE-2024-0001']);
    assert.equal(web1.cve_num, 1);
    assert.equal(web1.first_scan_time, FIRST_SCAN);
    assert.equal(web1.scan_time, LAST_SCAN);
    assert.equal(web1.agent_status, 'online');
    assert.equal(web1.os_name, 'AlmaLinux');
    assert.ok((web1.disabled_operate_types as Rec[]).some((d) => d.operate_type === 'immediate_repair' && /does not patch/.test(String(d.reason))));
    const app = await vulHosts(`vul_id=${PYSEC}&type=app_vul`);
    assert.deepEqual(app.data_list.map((h) => [h.host_name, h.app_path, h.repair_cmd]), [['web-1', REQUESTS_PATHS[0], undefined]]);
  });

  test('filters, scope and bounds', async () => {
    const names = async (query: string) => (await vulHosts(`vul_id=${q(ALSA)}&type=linux_vul&${query}`)).data_list.map((h) => h.host_name);
    assert.deepEqual(await names('host_name=WEB-2'), ['web-2']);
    assert.deepEqual(await names('host_ip=10.9.0'), ['web-1', 'web-2']);
    assert.deepEqual(await names('asset_value=important'), ['web-2']);
    assert.deepEqual(await names('severity_level=Low,Critical'), ['web-1', 'web-2']);
    assert.deepEqual(await names('severity_level=High'), []);
    assert.deepEqual(await names('repair_priority=Critical&handle_status=unhandled'), ['web-1', 'web-2']);
    assert.deepEqual(await names(`min_scan_time=${LAST_SCAN + 1}`), []);
    assert.deepEqual(await names(`max_scan_time=${LAST_SCAN}`), ['web-1', 'web-2']);
    assert.deepEqual(await names('is_container=true'), []);
    assert.deepEqual(await names('is_affect_business=false'), ['web-1', 'web-2']);
    assert.deepEqual(await names('enterprise_project_id=all_granted_eps'), ['ep-host', 'web-1', 'web-2']);
    assert.deepEqual(await names('limit=10&offset=1'), ['web-2']);
    assert.deepEqual((await vulHosts(`vul_id=${q(ALSA)}&type=app_vul`)).data_list, [], 'a linux vulnerability has no app_vul hosts');
    assert.deepEqual(await vulHosts('vul_id=NOPE-1&type=linux_vul'), { total_num: 0, data_list: [] });
    for (const bad of [`type=linux_vul`, `vul_id=${ALSA}`, `vul_id=${ALSA}&type=linux_vul&limit=5`, `vul_id=${ALSA}&type=linux_vul&severity_level=Severe`]) {
      assertHuaweiError(await get(`/v5/${projectId}/vulnerability/hosts?${bad}`), 400, /^HSS\./, bad);
    }
  });
});

describe('ListHostVuls', () => {
  test('the vulnerabilities of one host with every affected package (ecosystem, app_path, upgrade_version)', async () => {
    const linux = await hostVuls(seeded.web1.hostId);
    assert.equal(linux.total_num, 1, 'type defaults to linux_vul');
    const alsa = linux.data_list[0] as Rec;
    assertTypes(alsa, {
      vul_name: 'string', vul_id: 'string', label_list: 'array', repair_necessity: 'string', scan_time: 'integer', type: 'string', app_list: 'array',
      severity_level: 'string', solution_detail: 'string', url: 'string', description: 'string', repair_cmd: 'string', status: 'string',
      repair_success_num: 'integer', cve_list: 'array', is_affect_business: 'boolean', first_scan_time: 'integer', app_name: 'string',
      app_path: 'string', app_version: 'string', version: 'string', support_restore: 'boolean', disabled_operate_types: 'array',
      repair_priority: 'string', software_version: 'string',
    }, 'HostVulInfo');
    assert.equal(alsa.vul_id, ALSA);
    assert.equal(alsa.repair_necessity, 'immediate_repair');
    assert.equal(alsa.status, 'vul_status_unfix');
    assert.deepEqual(alsa.cve_list, [{ cve_id: 'CVE-2024-0001', cvss: ALSA_CVSS }]);
    assert.deepEqual(alsa.app_list, [
      { app_name: 'openssl', app_version: '1:3.0.7-24.el9', upgrade_version: '1:3.0.7-27.el9', app_path: RPMDB, ecosystem: 'AlmaLinux:9' },
      { app_name: 'openssl-libs', app_version: '1:3.0.7-24.el9', upgrade_version: '1:3.0.7-27.el9', app_path: RPMDB, ecosystem: 'AlmaLinux:9' },
    ]);
    assert.equal(alsa.first_scan_time, FIRST_SCAN);
    assert.equal(alsa.scan_time, LAST_SCAN);
    assert.equal(alsa.software_version, 'openssl 1:3.0.7-24.el9 → 1:3.0.7-27.el9; openssl-libs 1:3.0.7-24.el9 → 1:3.0.7-27.el9');

    const apps = await hostVuls(seeded.web1.hostId, 'type=app_vul');
    assert.deepEqual(apps.data_list.map((v) => [v.vul_id, v.repair_necessity, v.repair_cmd, v.software_version]), [
      [PYSEC, 'delay_repair', undefined, undefined], [GHSA, 'delay_repair', undefined, undefined],
    ]);
    assert.deepEqual((apps.data_list[0] as Rec).app_list, REQUESTS_PATHS.map((p) => ({
      app_name: 'requests', app_version: '2.0.0', upgrade_version: '2.31.0', app_path: p, ecosystem: 'PyPI',
    })));
    assert.deepEqual((apps.data_list[1] as Rec).app_list, [
      { app_name: 'left-pad', app_version: '1.0.0', upgrade_version: '', app_path: 'srv/web/package-lock.json', ecosystem: 'npm' },
    ]);
  });

  test('filters, paging, unknown and out-of-scope hosts', async () => {
    const ids = async (hostId: string, query: string) => (await hostVuls(hostId, query)).data_list.map((v) => v.vul_id);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=app_vul&vul_id=GHSA'), [GHSA]);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=app_vul&vul_name=proxy'), [PYSEC]);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=app_vul&severity_level=Medium'), [PYSEC]);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=app_vul&repair_priority=Medium'), [PYSEC, GHSA]);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=app_vul&handle_status=unhandled&status=vul_status_unfix'), [PYSEC, GHSA]);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=app_vul&excluded_label_list=x'), [PYSEC, GHSA]);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=app_vul&label_list=x'), []);
    assert.deepEqual(await ids(seeded.web1.hostId, 'type=windows_vul'), []);
    const page = await hostVuls(seeded.web1.hostId, 'type=app_vul&limit=1&offset=1');
    assert.deepEqual([page.total_num, page.data_list.map((v) => v.vul_id)], [2, [GHSA]]);
    assert.deepEqual(await ids(seeded.web2.hostId, ''), [ALSA]);
    for (const hostId of ['00000000-0000-4000-8000-000000000000', seeded.foreign.hostId, seeded.epHost.hostId]) {
      assertHuaweiError(await get(`/v5/${projectId}/vulnerability/host/${hostId}`), 400, 'HSS.0011', hostId);
    }
    assert.deepEqual(await ids(seeded.epHost.hostId, 'enterprise_project_id=ep-x'), [ALSA]);
    assertHuaweiError(await get(`/v5/${projectId}/vulnerability/host/${seeded.web1.hostId}?limit=500`), 400, /^HSS\./);
  });

  test('signed with the official SDK core signer (AK/SK, as HcClient sends it)', async () => {
    const call = sdkSign({
      endpoint: ts.endpoint, method: 'GET', path: `/v5/${projectId}/vulnerability/host/${seeded.web1.hostId}`,
      query: { type: 'app_vul', limit: 10, offset: 0 }, ak: ts.credentials.ak, sk: ts.credentials.sk, projectId, date: new Date(),
    });
    const result = await sendSigned(call);
    assert.equal(result.status, 200, result.text);
    assert.deepEqual((result.body as List).data_list.map((v) => v.vul_id), [PYSEC, GHSA]);
  });
});
