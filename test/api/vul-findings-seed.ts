/**
 * Known findings for the vulnerability-operation tests: hosts enrolled over the real agent protocol, advisories
 * stored with AdvisoryStore.put and findings with FindingsStore.replaceHostFindings (what the match job writes).
 *
 *   web-1 (ep 0, common):    ALSA openssl + openssl-libs (linux), PYSEC requests at two paths (app), GHSA left-pad (app)
 *   web-2 (ep 0, important): ALSA openssl (linux)
 *   ep-host (ep ep-x):       ALSA openssl (linux)
 *   foreign (other project): ALSA openssl (linux)
 */
import assert from 'node:assert/strict';
import { AdvisoryStore } from '../../src/families/vul-scan/advisory-store.js';
import { FindingsStore, type NewFinding } from '../../src/families/vul-scan/findings-store.js';
import { parseOsvRecord, type OsvRecord } from '../../src/engines/vuln/osv-schema.js';
import type { TestServer } from '../helpers/server.js';
import { checkin, createUserWithRole, enrollAgent, hostFacts, type EnrolledAgent, type ExtraUser } from './support.js';

export const ALSA = 'ALSA-2024:0001';
export const PYSEC = 'PYSEC-2024-1';
export const GHSA = 'GHSA-aaaa-bbbb-cccc';

export const RPMDB = 'var/lib/rpm/rpmdb.sqlite';
export const REQUESTS_PATHS = ['opt/tool/requirements.txt', 'srv/app/lib/python3.11/site-packages/requests-2.0.0.dist-info/METADATA'];

function record(value: Record<string, unknown>): OsvRecord {
  const parsed = parseOsvRecord(JSON.stringify(value));
  assert.ok('record' in parsed, JSON.stringify(parsed));
  return parsed.record;
}

export const ADVISORIES: OsvRecord[] = [
  record({
    id: ALSA, modified: '2024-01-10T00:00:00Z', aliases: ['CVE-2024-0001'], summary: 'Important: openssl security update',
    details: 'A flaw was found in OpenSSL certificate parsing.',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }],
    references: [{ type: 'WEB', url: 'https://example.org/web' }, { type: 'ADVISORY', url: 'https://errata.almalinux.org/9/ALSA-2024-0001.html' }],
    affected: [{ package: { ecosystem: 'AlmaLinux:9', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:3.0.7-27.el9' }] }] }],
  }),
  record({
    id: PYSEC, modified: '2024-02-01T00:00:00Z', aliases: ['CVE-2024-1111', 'GHSA-xxxx-yyyy-zzzz'], summary: 'requests leaks Proxy-Authorization',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N' }],
    references: [{ type: 'FIX', url: 'https://github.com/psf/requests/commit/abc' }],
    affected: [{ package: { ecosystem: 'PyPI', name: 'requests' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.31.0' }] }] }],
  }),
  record({
    id: GHSA, modified: '2024-03-01T00:00:00Z', summary: '',
    affected: [{ package: { ecosystem: 'npm', name: 'left-pad' }, versions: ['1.0.0'] }],
  }),
];

export const ALSA_CVSS = 9.8;
export const PYSEC_CVSS = 5.3;

const alsa = (app: string, version: string): NewFinding => ({
  vul_id: ALSA, type: 'linux_vul', app_name: app, app_version: version, ecosystem: 'AlmaLinux:9', app_path: RPMDB,
  fixed_version: '1:3.0.7-27.el9', severity_level: 'Critical', cvss: ALSA_CVSS,
});
const requests = (appPath: string): NewFinding => ({
  vul_id: PYSEC, type: 'app_vul', app_name: 'requests', app_version: '2.0.0', ecosystem: 'PyPI', app_path: appPath,
  fixed_version: '2.31.0', severity_level: 'Medium', cvss: PYSEC_CVSS,
});
const leftPad: NewFinding = {
  vul_id: GHSA, type: 'app_vul', app_name: 'left-pad', app_version: '1.0.0', ecosystem: 'npm', app_path: 'srv/web/package-lock.json',
  fixed_version: null, severity_level: 'Unknown', cvss: null,
};

export const WEB1_FINDINGS: NewFinding[] = [alsa('openssl', '1:3.0.7-24.el9'), alsa('openssl-libs', '1:3.0.7-24.el9'), ...REQUESTS_PATHS.map(requests), leftPad];
export const WEB2_FINDINGS: NewFinding[] = [alsa('openssl', '1:3.0.7-25.el9')];

/** Scan times of the seeded findings (first and latest scan). */
export const FIRST_SCAN = 1_700_000_000_000;
export const LAST_SCAN = 1_700_000_100_000;

export interface Seeded {
  web1: EnrolledAgent; web2: EnrolledAgent; epHost: EnrolledAgent; foreign: EnrolledAgent;
  otherUser: ExtraUser; epUser: ExtraUser;
}

export const scanCapable = (name: string) => hostFacts({
  host_name: name, os_name: 'AlmaLinux', os_version: '9.3', private_ips: [`10.9.0.${name.length}`], public_ips: ['203.0.113.7'],
  capabilities: { job_kinds: ['vul-inventory'], kinds: { 'vul-inventory': { host_root: '/', app_roots: [] } } },
});

export async function seedFindings(ts: TestServer): Promise<Seeded> {
  const db = ts.server.ctx.store.db;
  const web1 = await enrollAgent(ts, scanCapable('web-1'));
  const web2 = await enrollAgent(ts, scanCapable('web-2'));
  const epHost = await enrollAgent(ts, scanCapable('ep-host'), { enterpriseProjectId: 'ep-x' });
  const otherUser = await createUserWithRole(ts, { name: 'vul-other', role: 'admin', projectName: 'vul-other-project' });
  const foreign = await enrollAgent(ts, scanCapable('foreign'), { projectId: otherUser.projectId });
  const epUser = await createUserWithRole(ts, { name: 'vul-ep', role: 'admin', projectId: ts.credentials.project_id, enterpriseProjectIds: ['ep-x'] });
  for (const agent of [web1, web2, epHost, foreign]) await checkin(ts, agent);
  await ts.server.ctx.agents.flushHeartbeats();
  await db.updateTable('agents').set({ asset_value: 'important' }).where('id', '=', web2.agentId).execute();

  const advisories = new AdvisoryStore(db);
  assert.deepEqual((await advisories.put(ADVISORIES, 'seed')).outcomes, ['added', 'added', 'added']);
  const findings = new FindingsStore(db);
  const project = ts.credentials.project_id;
  for (const [agent, rows, projectId] of [
    [web1, WEB1_FINDINGS, project], [web2, WEB2_FINDINGS, project], [epHost, WEB2_FINDINGS, project], [foreign, WEB2_FINDINGS, otherUser.projectId],
  ] as const) {
    await findings.replaceHostFindings(projectId, agent.hostId, rows, FIRST_SCAN);
    await findings.replaceHostFindings(projectId, agent.hostId, rows, LAST_SCAN);
  }
  return { web1, web2, epHost, foreign, otherUser, epUser };
}
