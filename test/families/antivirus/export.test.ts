/**
 * ExportAntiVirusResult through the generic export flow on a real server: create → ListQueryExportTask until
 * success → ListDownloadExportedFile → the zip read back with python3 (zipfile + csv): the rows ListAntiVirusResult
 * filters select, from `offset`, at most `export_size`, in the columns and labels of `export_headers` (or every
 * field); the enterprise-project scope applies; bad input → 400 HSS.* with no export task created.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EXPORT_FIELDS } from '../../../src/families/antivirus/export-report.js';
import { adminUserId, assertHuaweiError, createUserWithRole, rowCounts, tokenFor, type EnrolledAgent } from '../../api/support.js';
import { hss, hssToken, ok } from '../../api/vul-scan-tasks-support.js';
import type { TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';
import { avTableCounts, isolatingAgent, listResults, scanWith, startAvServer, sweeps } from './ops-support.js';

let ts: TestServer;
let token: string;
let epBToken: string;
let a: EnrolledAgent;
let b: EnrolledAgent;

type Query = Record<string, string | number | string[]>;
const exportCall = (query: Query, body?: unknown) => hss<{ task_id: string }>(ts, 'POST', '/antivirus/result/export',
  { query: { offset: 0, limit: 10, ...query }, ...(body === undefined ? {} : { body }) });

/** Polls the export task until it ends, downloads its zip and returns the CSV rows (header first). */
async function exported(taskId: string, as = token, epQuery = ''): Promise<string[][]> {
  const info = await waitFor('the export task', async () => {
    const r = await hssToken<{ task_status: string; file_id?: string; failure_reason?: string }>(ts, as, 'GET', `/export-task/${taskId}`, { query: epQuery });
    assert.equal(r.status, 200, r.text);
    return r.body.task_status === 'running' ? undefined : r.body;
  }, 60_000, 100);
  assert.equal(info.task_status, 'success', info.failure_reason);
  const res = await fetch(`${ts.endpoint}/v5/${ts.credentials.project_id}/download/${String(info.file_id)}${epQuery ? `?${epQuery}` : ''}`, { headers: { 'X-Auth-Token': as } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-disposition') ?? '', /hss-antivirus-results-\d{8}\.zip/);
  const file = path.join(ts.db.dir, `${taskId}.zip`);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  const script = `import csv, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
assert sorted(z.namelist()) == ['antivirus-result.xlsx', 'antivirus_results.csv'], z.namelist()
print(json.dumps(list(csv.reader(io.StringIO(z.read('antivirus_results.csv').decode('utf-8-sig'), newline='')))))`;
  const out = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout) as string[][];
}

const exportTaskCount = async () => Number((await ts.server.ctx.store.db.selectFrom('tasks').select((eb) => eb.fn.countAll<number>().as('n'))
  .where('family', '<>', 'antivirus').executeTakeFirstOrThrow()).n);

before(async () => {
  ts = await startAvServer();
  const run = sweeps(ts);
  token = await tokenFor(ts, await adminUserId(ts), { projectId: ts.credentials.project_id });
  const viewer = await createUserWithRole(ts, { name: 'ep-b-exporter', role: 'admin', projectId: ts.credentials.project_id, enterpriseProjectIds: ['ep-b'] });
  epBToken = await tokenFor(ts, viewer.userId, { projectId: ts.credentials.project_id });
  a = await isolatingAgent(ts, 'export-a');
  b = await isolatingAgent(ts, 'export-b', { enterpriseProjectId: 'ep-b' });
  await scanWith(ts, a, [
    { path: '/srv/a/one', signature: 'Unix.Trojan.Mirai-1', sha256: '1'.repeat(64) },
    { path: '/srv/a/two', signature: 'Eicar-Signature', sha256: '2'.repeat(64) },
    { path: '/srv/a/three', signature: 'Unix.Worm.Generic-1', sha256: '3'.repeat(64) },
    { path: '/opt/other', signature: 'Unix.Trojan.Mirai-1', sha256: '4'.repeat(64) },
  ], { name: 'export-scan' });
  await scanWith(ts, b, [{ path: '/srv/b/only', signature: 'Unix.Trojan.Mirai-1', sha256: '5'.repeat(64) }], { query: { enterprise_project_id: 'ep-b' } });
  await run.progress.run();
});

after(async () => {
  await ts?.close();
});

describe('ExportAntiVirusResult', () => {
  test('export_headers choose and name the columns; the list filters, offset and export_size select the rows', async () => {
    const listed = (await listResults(ts, { file_path: '/srv/a/' })).data_list;
    assert.equal(listed.length, 3);
    const headers = [['file_path', 'Path'], ['malware_name', 'Virus'], ['host_name', 'Server'], ['file_size', 'Bytes'], ['isolate_tag', 'Isolation']];
    const created = ok(await exportCall({ file_path: '/srv/a/' }, { export_headers: headers }), 'export');
    assert.match(created.task_id, /^[0-9a-f-]{36}$/);
    const rows = await exported(created.task_id);
    assert.deepEqual(rows[0], ['Path', 'Virus', 'Server', 'Bytes', 'Isolation']);
    assert.deepEqual(rows.slice(1), listed.map((r) => [r.file_info.file_path, r.malware_name, 'export-a', '68', 'none']), 'the list order, newest first');

    const sized = await exported(ok(await exportCall({ file_path: '/srv/a/', offset: 1, export_size: 1 }, { export_headers: headers }), 'sized').task_id);
    assert.deepEqual(sized.slice(1).map((r) => r[0]), [listed[1]?.file_info.file_path]);
    const severe = await exported(ok(await exportCall({ malware_name: 'Mirai', task_name: 'export-scan' }, { export_headers: [['file_path', 'p']] }), 'by name').task_id);
    assert.deepEqual(severe.slice(1).map((r) => r[0]).sort(), ['/opt/other', '/srv/a/one']);
  });

  test('without export_headers every field is exported under its own name; the scope is the caller\'s', async () => {
    const rows = await exported(ok(await exportCall({}, {}), 'no headers').task_id);
    assert.deepEqual(rows[0], Object.keys(EXPORT_FIELDS));
    assert.equal(rows.length, 1 + 4, 'the default enterprise project: host a only');
    const pathAt = rows[0]!.indexOf('file_path');
    assert.ok(rows.slice(1).every((r) => r[pathAt] !== '/srv/b/only'));
    const all = await exported(ok(await exportCall({ enterprise_project_id: 'all_granted_eps' }), 'no body').task_id, token, 'enterprise_project_id=all_granted_eps');
    assert.equal(all.length, 1 + 5);

    const created = await hssToken<{ task_id: string }>(ts, epBToken, 'POST', '/antivirus/result/export',
      { query: 'offset=0&limit=10&enterprise_project_id=ep-b', body: { export_headers: [['file_path', 'p'], ['host_name', 'h']] } });
    const epB = await exported(ok(created, 'ep-b export').task_id, epBToken, 'enterprise_project_id=ep-b');
    assert.deepEqual(epB, [['p', 'h'], ['/srv/b/only', 'export-b']]);
  });

  test('bad input → 400 HSS.*, no export task', async () => {
    const before = { core: await rowCounts(ts), av: await avTableCounts(ts), exports: await exportTaskCount() };
    const h = [['file_path', 'Path']];
    const cases: Array<[string, Query, unknown, string, RegExp?]> = [
      ['export_size 0', { export_size: 0 }, { export_headers: h }, 'HSS.0001'],
      ['export_size 500001', { export_size: 500_001 }, { export_headers: h }, 'HSS.0001'],
      ['an unknown field', {}, { export_headers: [['file_path', 'Path'], ['password', 'P']] }, 'HSS.0001', /unknown field "password"/],
      ['a field twice', {}, { export_headers: [['file_path', 'Path'], ['file_path', 'Again']] }, 'HSS.0001', /file_path" twice/],
      ['a header of three', {}, { export_headers: [['file_path', 'Path', 'x']] }, 'HSS.0001'],
      ['a header of one', {}, { export_headers: [['file_path']] }, 'HSS.0001'],
      ['an empty label', {}, { export_headers: [['file_path', '']] }, 'HSS.0001'],
      ['101 headers', {}, { export_headers: Array.from({ length: 101 }, () => ['file_path', 'p']) }, 'HSS.0001'],
      ['headers not an array', {}, { export_headers: 'file_path' }, 'HSS.0001'],
      ['limit 201', { limit: 201 }, { export_headers: h }, 'HSS.0001'],
      ['offset past the maximum', { offset: 2_000_001 }, { export_headers: h }, 'HSS.0001'],
      ['an unknown severity', { severity_list: ['Huge'] }, { export_headers: h }, 'HSS.0001'],
      ['a bad file_hash', { file_hash: 'xyz' }, { export_headers: h }, 'HSS.0001'],
      ['manual_isolate not a boolean', { manual_isolate: 'maybe' }, { export_headers: h }, 'HSS.0001'],
    ];
    for (const [label, query, body, code, message] of cases) {
      const err = assertHuaweiError(await exportCall(query, body), 400, code, label);
      if (message) assert.match(String(err.error_msg), message, label);
    }
    assertHuaweiError(await hssToken(ts, epBToken, 'POST', '/antivirus/result/export', { query: 'offset=0&limit=10', body: {} }), 403, 'HSS.0013', 'ep-b viewer on the default enterprise project');
    assert.deepEqual({ core: await rowCounts(ts), av: await avTableCounts(ts), exports: await exportTaskCount() }, before);
  });
});
