/**
 * The generic HSS export-task flow end to end on the real server: a family's report type is exported by a
 * server-side job into a zip artifact, polled with ListQueryExportTask / ShowLatestExportTaskByType and
 * downloaded with ListDownloadExportedFile; the zip is read back with python3's zipfile and csv modules.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Type } from 'typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { loadConfig } from '../../src/config.js';
import type { ReportType } from '../../src/export/report-types.js';
import { shippedFamilies } from '../../src/families/server.js';
import type { ServerFamily } from '../../src/families/types.js';
import { startServer, type RunningServer } from '../../src/server/server.js';
import { huaweiRoute, ProjectParams } from '../../src/api/common/routes.js';
import { freshDatabase, type FreshDatabase } from '../helpers/db.js';
import { http } from '../helpers/http.js';
import type { TestServer } from '../helpers/server.js';
import { adminUserId, assertHuaweiError, createUserWithRole, tokenFor } from './support.js';

const rowsReport: ReportType = {
  name: 'test-rows', taskName: 'test_rows_export_task', fileName: () => 'hss-test-rows.zip',
  async sheets({ params }) {
    const { n, fail, empty } = params as { n: number; fail?: boolean; empty?: boolean };
    if (fail) throw new Error('the report source is unavailable');
    if (empty) return [];
    async function* rows() {
      for (let i = 0; i < n; i++) yield { id: i, name: i === 1 ? '=cmd|x' : `row, "${i}"` };
    }
    return [{ name: 'rows', columns: [{ key: 'id', header: 'ID', type: 'number' }, { key: 'name', header: 'Name', type: 'string' }], rows: rows() }];
  },
};

/** A family that exports `test-rows` through its own operation, as the image family will. */
const testFamily: ServerFamily = {
  name: 'test-export', jobKinds: [], migrations: {}, quotas: [],
  start(core) {
    const routes: FastifyPluginAsyncTypebox = async (app) => {
      app.post('/v5/:project_id/test/export', {
        config: huaweiRoute('hss'),
        schema: { operationId: 'TestExport', params: ProjectParams, body: Type.Object({
          n: Type.Integer({ minimum: 0 }), fail: Type.Optional(Type.Boolean()), empty: Type.Optional(Type.Boolean()), every_ep: Type.Optional(Type.Boolean()),
        }) },
      }, async (request) => {
        const task = await core.exports.create({
          projectId: request.params.project_id, enterpriseProjectId: '0', scope: request.body.every_ep ? null : ['0'], reportType: 'test-rows',
          params: request.body, createdBy: request.principal?.userId ?? 'x',
        });
        return { task_id: task.id };
      });
    };
    return { routes: [routes], reportTypes: [rowsReport] };
  },
};

let db: FreshDatabase;
let server: RunningServer;
let endpoint: string;
let projectId: string;
let token: string;
/** This file's server in the shape the API test helpers take. */
let ts: TestServer;

before(async () => {
  db = await freshDatabase();
  server = await startServer(loadConfig({
    GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: '127.0.0.1:0', ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}),
  }), { families: [...shippedFamilies, testFamily] });
  endpoint = server.endpoint;
  projectId = server.credentials!.project_id;
  ts = { server, endpoint, credentials: server.credentials!, db, close: async () => undefined };
  token = await tokenFor(ts, await adminUserId(ts), { projectId });
});

after(async () => {
  await server?.close();
  await db?.drop();
});

const call = <T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown, as = token) =>
  http<T>(endpoint, { method, path: urlPath, headers: { 'X-Auth-Token': as }, ...(body === undefined ? {} : { body }) });

async function settled(taskId: string, query = ''): Promise<Record<string, unknown>> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await call('GET', `/v5/${projectId}/export-task/${taskId}${query}`);
    assert.equal(res.status, 200, res.text);
    if (res.body.task_status !== 'running') return res.body;
    if (Date.now() > deadline) throw new Error('the export did not finish');
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readZip(file: string): { entries: string[]; rows: string[][] } {
  const script = `import csv, io, json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
text = z.read('rows.csv').decode('utf-8-sig')
print(json.dumps({'entries': z.namelist(), 'rows': list(csv.reader(io.StringIO(text, newline='')))}))`;
  const out = spawnSync('python3', ['-c', script, file], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(out.status, 0, out.stderr);
  return JSON.parse(out.stdout) as { entries: string[]; rows: string[][] };
}

describe('HSS export tasks', () => {
  test('create → running → success with a file; the zip holds the CSV and XLSX of the report', async () => {
    const created = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 1500 });
    assert.equal(created.status, 200, created.text);
    const info = await settled(created.body.task_id);
    assert.equal(info.task_status, 'success');
    assert.equal(info.task_name, 'test_rows_export_task');
    assert.equal(info.file_name, 'hss-test-rows.zip');
    assert.match(String(info.file_id), /^[0-9a-f]{32}$/);

    const res = await fetch(`${endpoint}/v5/${projectId}/download/${String(info.file_id)}`, { headers: { 'X-Auth-Token': token } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/zip');
    assert.match(res.headers.get('content-disposition') ?? '', /attachment; filename="hss-test-rows.zip"/);
    const file = path.join(db.dir, 'export.zip');
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const zip = readZip(file);
    assert.deepEqual(zip.entries.sort(), ['rows.csv', 'test-rows.xlsx']);
    assert.equal(zip.rows.length, 1501);
    assert.deepEqual(zip.rows[0], ['ID', 'Name']);
    assert.deepEqual(zip.rows[1], ['0', 'row, "0"']);
    assert.deepEqual(zip.rows[2], ['1', "'=cmd|x"], 'formula injection is neutralised');
  });

  test('ShowLatestExportTaskByType answers by id, or the newest of the type', async () => {
    const created = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 1 });
    await settled(created.body.task_id);
    const byId = await call('GET', `/v5/${projectId}/export-task?task_id=${created.body.task_id}`);
    assert.equal(byId.body.task_id, created.body.task_id);
    const byType = await call('GET', `/v5/${projectId}/export-task?task_id=unknown&export_task_type=test-rows`);
    assert.equal(byType.body.task_id, created.body.task_id);
    assertHuaweiError(await call('GET', `/v5/${projectId}/export-task?task_id=unknown&export_task_type=nothing`), 400, 'HSS.0011');
  });

  test('a report that fails ends the task as failure with the reason', async () => {
    const created = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 5, fail: true });
    const info = await settled(created.body.task_id);
    assert.equal(info.task_status, 'failure');
    assert.match(String(info.failure_reason), /the report source is unavailable/);
    assert.equal(info.file_id, undefined);
  });

  test('a report the writer refuses (no sheets) fails at once and leaves no partial upload', async () => {
    const created = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 0, empty: true });
    const info = await settled(created.body.task_id);
    assert.equal(info.task_status, 'failure');
    assert.match(String(info.failure_reason), /sheets/);
    const leftovers = fs.readdirSync(path.join(db.dir, 'blobs'), { recursive: true }).map(String).filter((f) => f.endsWith('.tmp'));
    assert.deepEqual(leftovers, []);
  });

  test('a viewer limited to some enterprise projects cannot see an export rendered over all of them', async () => {
    const limited = await createUserWithRole(ts, { name: 'ep0-viewer', role: 'readonly', projectId, enterpriseProjectIds: ['0'] });
    const limitedToken = await tokenFor(ts, limited.userId, { projectId });
    const everything = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 1, every_ep: true });
    const ep0 = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 1 });
    // Rendered over every enterprise project: only a viewer asking for (and granted) all of them sees it.
    assertHuaweiError(await call('GET', `/v5/${projectId}/export-task/${everything.body.task_id}`), 400, 'HSS.0011');
    const wide = await settled(everything.body.task_id, '?enterprise_project_id=all_granted_eps');
    await settled(ep0.body.task_id);
    assertHuaweiError(await call('GET', `/v5/${projectId}/export-task/${everything.body.task_id}`, undefined, limitedToken), 400, 'HSS.0011');
    assertHuaweiError(await call('GET', `/v5/${projectId}/download/${String(wide.file_id)}`, undefined, limitedToken), 400, 'HSS.0011');
    const visible = await call('GET', `/v5/${projectId}/export-task/${ep0.body.task_id}`, undefined, limitedToken);
    assert.equal(visible.body.task_status, 'success', visible.text);
  });

  test('unknown ids and other projects\' files are "not found"; bad ids are 400', async () => {
    assertHuaweiError(await call('GET', `/v5/${projectId}/export-task/00000000-0000-4000-8000-000000000000`), 400, 'HSS.0011');
    assertHuaweiError(await call('GET', `/v5/${projectId}/download/${'0'.repeat(32)}`), 400, 'HSS.0011');
    assertHuaweiError(await call('GET', `/v5/${projectId}/export-task/${'x'.repeat(65)}`), 400, 'HSS.0001');
    const created = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 1 });
    const info = await settled(created.body.task_id);
    const other = await createUserWithRole(ts, { name: 'other-exporter', role: 'admin' });
    const otherToken = await tokenFor(ts, other.userId, { projectId: other.projectId });
    assertHuaweiError(await call('GET', `/v5/${other.projectId}/export-task/${created.body.task_id}`, undefined, otherToken), 400, 'HSS.0011');
    assertHuaweiError(await call('GET', `/v5/${other.projectId}/download/${String(info.file_id)}`, undefined, otherToken), 400, 'HSS.0011');
  });

  test('retention removes old export tasks with their files', async () => {
    const created = await call<{ task_id: string }>('POST', `/v5/${projectId}/test/export`, { n: 1 });
    const info = await settled(created.body.task_id);
    await server.ctx.exports.purgeOlderThan(Date.now() + 1000);
    assertHuaweiError(await call('GET', `/v5/${projectId}/export-task/${created.body.task_id}`), 400, 'HSS.0011');
    assert.equal(await server.ctx.artifacts.get(String(info.file_id)), undefined);
  });
});
