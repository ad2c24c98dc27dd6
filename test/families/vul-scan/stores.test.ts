import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AdvisoryStore } from '../../../src/families/vul-scan/advisory-store.js';
import { FindingsStore } from '../../../src/families/vul-scan/findings-store.js';
import { ScanStore } from '../../../src/families/vul-scan/scan-store.js';
import type { OsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { advisoryKey } from '../../../src/engines/vuln/package-keys.js';
import { hostFacts, openFixture, type StoreFixture } from '../../store/fixture.js';

let fx: StoreFixture;
before(async () => { fx = await openFixture(); });
after(async () => { await fx.close(); });

const record = (id: string, modified: string, extra: Partial<OsvRecord> = {}): OsvRecord => ({
  id, modified, affected: [{ package: { ecosystem: 'PyPI', name: 'Requests' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0' }] }] }],
  ...extra,
});

test('advisories: newer modified replaces, older is unchanged, withdrawn names no packages', async () => {
  const advisories = new AdvisoryStore(fx.store.db);
  const first = await advisories.put([record('PYSEC-1', '2024-01-01T00:00:00Z')], 'i1');
  assert.deepEqual(first.outcomes, ['added']);
  assert.deepEqual([...first.changedEcosystems], ['PyPI']);
  assert.deepEqual((await advisories.put([record('PYSEC-1', '2023-01-01T00:00:00Z')], 'i2')).outcomes, ['unchanged']);
  assert.deepEqual((await advisories.put([record('PYSEC-1', '2024-02-01T00:00:00Z', { summary: 'new' })], 'i3')).outcomes, ['replaced']);
  const found = await advisories.recordsForKeys([advisoryKey('PyPI', 'requests')]);
  assert.deepEqual(found.map((r) => r.summary), ['new']);
  const gone = await advisories.put([record('PYSEC-1', '2024-03-01T00:00:00Z', { withdrawn: '2024-03-01T00:00:00Z' })], 'i4');
  assert.deepEqual(gone.outcomes, ['withdrawn']);
  assert.deepEqual(await advisories.recordsForKeys([advisoryKey('PyPI', 'requests')]), []);
});

test('scan: offline hosts and unsupported types fail at creation, the others get an inventory job', async () => {
  const projectId = await fx.newProject();
  const token = await fx.agents.createEnrollmentToken({ projectId });
  const online = (await fx.agents.enroll(token.token, hostFacts({ host_name: 'on' }))).agent;
  const offline = (await fx.agents.enroll(token.token, hostFacts({ host_name: 'off' }))).agent;
  const scans = new ScanStore(fx.store.db, fx.tasks);
  const task = await scans.createScan({
    projectId, enterpriseProjectId: '0', scanType: 'manual', vulTypes: ['linux_vul', 'windows_vul'], createdBy: 'u',
    targets: [{ agent: online, unavailable: null }, { agent: offline, unavailable: 'the agent is offline' }],
  });
  const hosts = await scans.hostsOfTask(task.id);
  const byAgent = new Map(hosts.map((h) => [h.agent_id, h]));
  assert.equal(byAgent.get(online.id)?.scan_status, 'scanning');
  assert.equal(byAgent.get(offline.id)?.scan_status, 'failed');
  assert.match(byAgent.get(online.id)?.failed_reasons ?? '', /windows_vul/);
  const jobs = await fx.tasks.jobsOfTask(task.id);
  assert.deepEqual(jobs.map((j) => [j.agent_id, j.kind]), [[online.id, 'vul-inventory']]);
  await scans.finishHost(task.id, online.host_id, 'success', [], []);
  assert.equal((await scans.hostsOfTask(task.id)).every((h) => h.scan_status !== 'scanning'), true);
});

test('findings: replaced per host, first_scan_time kept', async () => {
  const projectId = await fx.newProject();
  const findings = new FindingsStore(fx.store.db);
  const f = { vul_id: 'V-1', type: 'app_vul', app_name: 'requests', app_version: '1.0', ecosystem: 'PyPI', app_path: 'a/METADATA', fixed_version: '2.0', severity_level: 'High', cvss: 7.5 };
  await findings.replaceHostFindings(projectId, 'h1', [f], 1000);
  await findings.replaceHostFindings(projectId, 'h1', [f, { ...f, vul_id: 'V-2' }], 2000);
  const rows = await findings.ofHost(projectId, 'h1');
  assert.deepEqual(rows.map((r) => [r.vul_id, r.first_scan_time, r.scan_time, r.cvss]), [['V-1', 1000, 2000, 7.5], ['V-2', 2000, 2000, 7.5]]);
});

test('findings: the same set again only moves scan_time (digest); a changed set is diffed', async () => {
  const projectId = await fx.newProject();
  const findings = new FindingsStore(fx.store.db);
  const f = { vul_id: 'V-1', type: 'app_vul', app_name: 'requests', app_version: '1.0', ecosystem: 'PyPI', app_path: 'a/METADATA', fixed_version: '2.0', severity_level: 'High', cvss: 7.5 };
  const g = { ...f, vul_id: 'V-2' };
  await findings.replaceHostFindings(projectId, 'h-digest', [f, g], 1000);
  const first = await findings.ofHost(projectId, 'h-digest');
  await findings.replaceHostFindings(projectId, 'h-digest', [g, f], 2000);
  const same = await findings.ofHost(projectId, 'h-digest');
  assert.deepEqual(same.map((r) => [r.id, r.scan_time]), first.map((r) => [r.id, 2000]), 'same rows, new scan time, in any order');
  await findings.replaceHostFindings(projectId, 'h-digest', [f, { ...g, fixed_version: '2.1' }], 3000);
  const changed = await findings.ofHost(projectId, 'h-digest');
  assert.deepEqual(changed.map((r) => [r.vul_id, r.fixed_version, r.first_scan_time, r.scan_time]), [['V-1', '2.0', 1000, 3000], ['V-2', '2.1', 1000, 3000]]);
  assert.equal(changed[0]!.id, first[0]!.id, 'the unchanged row is kept');
  await findings.replaceHostFindings(projectId, 'h-digest', [], 4000);
  assert.deepEqual(await findings.ofHost(projectId, 'h-digest'), []);
  await findings.replaceHostFindings(projectId, 'h-digest', [f], 5000);
  assert.deepEqual((await findings.ofHost(projectId, 'h-digest')).map((r) => [r.vul_id, r.first_scan_time]), [['V-1', 5000]]);
});
