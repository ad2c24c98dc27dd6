import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scanImage } from '../../../src/engines/image/scan/scan-image.js';
import { tempDir } from '../../helpers/db.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { adminUserId, assertHuaweiError, createUserWithRole, tokenFor } from '../../api/support.js';
import { BASE_CREATED_BY, get, send, upload, waitForTask, writeTestImage, type Api, type ImageFiles } from './image-fixtures.js';

/**
 * The image family's HTTP API on a real server (SQLite or PostgreSQL per GUARDPOST_TEST_DB): CI/CD uploads of an
 * image built in the test scanned by the real scan process, the image lists, the per-image operations, scan tasks,
 * and the export's bad input (each a 400 HSS.* / 413 that changes no stored row).
 */

const MAX_UPLOAD = 256 * 1024;

describe('image family API', () => {
  let ts: TestServer;
  let api: Api;
  let files: ImageFiles;
  let dir = '';
  let imageId = '';

  before(async () => {
    dir = tempDir('gp-image-api-');
    files = await writeTestImage(dir);
    ts = await startTestServer({ env: { GUARDPOST_IMAGE_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) } });
    const token = await tokenFor(ts, await adminUserId(ts), { projectId: ts.credentials.project_id });
    api = { endpoint: ts.endpoint, token, projectId: ts.credentials.project_id };
  });
  after(async () => {
    await ts?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('an uploaded docker-archive is scanned: ListCicdImages, ListImageScanTask, ListImageApps, ShowImageFilesStat', async () => {
    const res = await upload(api, files.docker, '?image_name=test/app&image_version=1.0&cicd_name=ci-1');
    assert.equal(res.status, 200, res.text);
    imageId = res.body.image_id!;
    assert.equal(imageId, files.image.configDigest);
    assert.deepEqual({ ...res.body, task_id: undefined }, { task_id: undefined, image_id: imageId, image_name: 'test/app', image_version: '1.0' });
    const task = await waitForTask(api, res.body.task_id!);
    assert.deepEqual([task.task_status, task.success_num, task.failed_num, task.total_num], [100, 1, 0, 1]);

    const list = await get<{ total_num: number; data_list: Array<Record<string, unknown>> }>(api, '/v5/{p}/image/cicd/images');
    assert.equal(list.status, 200, list.text);
    assert.equal(list.body.total_num, 1);
    const record = list.body.data_list[0]!;
    assert.equal(record.image_id, imageId);
    assert.equal(record.image_name, 'test/app');
    assert.equal(record.image_version, '1.0');
    assert.equal(record.cicd_name, 'ci-1');
    assert.equal(record.image_type, 'cicd');
    assert.equal(record.scan_status, 'success');
    assert.equal(record.scan_failed_desc, '');
    assert.ok(Number(record.latest_scan_time) > 0);

    const apps = await get<{ total_num: number; data_list: unknown[] }>(api, `/v5/{p}/image/${imageId}/apps?image_type=cicd`);
    assert.equal(apps.status, 200, apps.text);
    assert.deepEqual(apps.body, {
      total_num: 2,
      data_list: [
        { app_name: 'busybox', app_type: 'apk', app_version: '1.30.1-r2', vul_num: 0 },
        { app_name: 'musl', app_type: 'apk', app_version: '1.1.22-r3', vul_num: 0 },
      ],
    });
    const filtered = await get<{ total_num: number }>(api, `/v5/{p}/image/${imageId}/apps?image_type=cicd&app_name=BUSY`);
    assert.equal(filtered.body.total_num, 1);
    const stat = await get(api, `/v5/{p}/image/${imageId}/files-statistics?image_type=cicd`);
    assert.equal(stat.status, 200, stat.text);
    assert.equal(typeof stat.body.total_files_num, 'number');
    void BASE_CREATED_BY;
  });

  test('the OCI archive of the same image is the same image: a rescan with no duplicate rows', async () => {
    const res = await upload(api, files.oci);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.image_id, imageId);
    await waitForTask(api, res.body.task_id!);
    const list = await get<{ total_num: number }>(api, '/v5/{p}/image/cicd/images');
    assert.equal(list.body.total_num, 1);
    const apps = await get<{ total_num: number }>(api, `/v5/{p}/image/${imageId}/apps?image_type=cicd`);
    assert.equal(apps.body.total_num, 2);
    const tasks = await get<{ total_num: number }>(api, '/v5/{p}/image/tasks?type=image_scan');
    assert.equal(tasks.body.total_num, 2);
  });

  test('ListImageFiles lists the unowned files the scan found (the setuid tool among them); StopImageScanTask', async () => {
    const report = await scanImage(files.docker);
    const res = await get<{ total_num: number; data_list: unknown[] }>(api, `/v5/{p}/image/${imageId}/files?image_type=cicd&limit=200`);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body.data_list, report.rows.files.map((f) => ({ file_name: f.fileName, file_path: f.filePath, size: f.size })));
    const tool = report.rows.files.find((f) => f.filePath === '/usr/local/bin/tool');
    assert.deepEqual([tool?.mode, tool?.flags, tool?.layerIndex], [0o4755, ['setuid'], 1]);
    const stat = await get(api, `/v5/{p}/image/${imageId}/files-statistics?image_type=cicd`);
    assert.deepEqual(stat.body, { total_files_num: report.rows.files.length, total_files_size: report.rows.files.reduce((n, f) => n + f.size, 0) });
    const tasks = await get<{ data_list: Array<{ task_id: string }> }>(api, '/v5/{p}/image/tasks?type=image_scan');
    const stop = await send(api, 'PUT', `/v5/{p}/image/image-scan/tasks/${tasks.body.data_list[0]!.task_id}/stop`);
    assert.equal(stop.status, 200, stop.text);
    assertHuaweiError(await send(api, 'PUT', '/v5/{p}/image/image-scan/tasks/no-such-task/stop'), 400, 'HSS.0011');
  });

  test('bad uploads: not an image archive → 400 HSS.*, over the cap → 413; nothing is stored', async () => {
    const before = await imageCounts(ts);
    assertHuaweiError(await upload(api, files.notImage), 400, /^HSS\./, 'not an image');
    const big = path.join(dir, 'big.tar');
    fs.writeFileSync(big, Buffer.alloc(MAX_UPLOAD + 1024, 1));
    assertHuaweiError(await upload(api, big), 413, /^HSS\./, 'too large');
    assert.deepEqual(await imageCounts(ts), before);
  });

  test('unknown image ids and image types are 400 HSS.*', async () => {
    assertHuaweiError(await get(api, `/v5/{p}/image/sha256:${'0'.repeat(64)}/apps?image_type=cicd`), 400, 'HSS.0011');
    assertHuaweiError(await get(api, `/v5/{p}/image/${imageId}/apps?image_type=nonsense`), 400, 'HSS.0001');
    assertHuaweiError(await get(api, `/v5/{p}/image/${imageId}/apps?image_type=local_image`), 400, 'HSS.0011');
  });

  test('export bad input: each a 400 HSS.* that creates no task', async () => {
    const before = await imageCounts(ts);
    const url = '/v5/{p}/image/security-report/export-tasks';
    const base = { export_size: 10, security_report_type: 'apps', operate_all: true, image_type: 'cicd' };
    const cases: Array<[string, unknown, string]> = [
      ['export_size 0', { ...base, export_size: 0 }, 'HSS.0001'],
      ['export_size 200001', { ...base, export_size: 200_001 }, 'HSS.0001'],
      ['unknown type', { ...base, security_report_type: 'viruses' }, 'HSS.0001'],
      ['operate_all=false without ids', { ...base, operate_all: false }, 'HSS.0001'],
      ['201 ids', { ...base, operate_all: false, image_id_list: Array.from({ length: 201 }, (_, i) => `id-${i}`) }, 'HSS.0001'],
      ['unknown ids', { ...base, operate_all: false, image_id_list: [imageId, `sha256:${'1'.repeat(64)}`] }, 'HSS.0011'],
      ['unknown image_type', { ...base, image_type: 'floppy' }, 'HSS.0001'],
    ];
    for (const [label, body, code] of cases) assertHuaweiError(await send(api, 'POST', url, body), 400, code, label);
    assert.deepEqual(await imageCounts(ts), before);
  });

  test('another project cannot read the images or download this project\'s export', async () => {
    const other = await createUserWithRole(ts, { name: 'image-other', role: 'admin' });
    const otherApi: Api = { endpoint: ts.endpoint, token: await tokenFor(ts, other.userId, { projectId: other.projectId }), projectId: other.projectId };
    const created = await send<{ task_id: string }>(api, 'POST', '/v5/{p}/image/security-report/export-tasks',
      { export_size: 10, security_report_type: 'apps', operate_all: true, image_type: 'cicd' });
    assert.equal(created.status, 200, created.text);
    const done = await waitForExport(api, created.body.task_id);
    const before = await imageCounts(ts);
    assertHuaweiError(await get(otherApi, `/v5/{p}/download/${done.file_id}`), 400, 'HSS.0011');
    assertHuaweiError(await get(otherApi, `/v5/{p}/image/${imageId}/apps?image_type=cicd`), 400, 'HSS.0011');
    assert.equal((await get<{ total_num: number }>(otherApi, '/v5/{p}/image/cicd/images')).body.total_num, 0);
    assert.deepEqual(await imageCounts(ts), before);
  });
});

async function waitForExport(api: Api, taskId: string): Promise<{ file_id: string; file_name: string }> {
  for (let i = 0; i < 600; i++) {
    const res = await get<{ task_status: string; file_id: string; file_name: string; failure_reason?: string }>(api, `/v5/{p}/export-task/${taskId}`);
    if (res.body.task_status === 'success') return res.body;
    if (res.body.task_status === 'failure') assert.fail(`export failed: ${res.body.failure_reason}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail('the export did not finish');
}

async function imageCounts(ts: TestServer): Promise<Record<string, number>> {
  const db = ts.server.ctx.store.db;
  const out: Record<string, number> = {};
  for (const table of ['tasks', 'jobs', 'artifacts', 'image_images', 'image_apps', 'image_files', 'image_scan_tasks']) {
    const row = await db.selectFrom(table as 'tasks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    out[table] = Number(row.n);
  }
  return out;
}
