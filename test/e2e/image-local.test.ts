import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers/db.js';
import { guardpostBin, startTestServer, type TestServer } from '../helpers/server.js';
import { waitFor } from '../helpers/wait.js';
import { adminUserId, tokenFor } from '../api/support.js';
import { get, send, writeTestImage, type Api, type ImageFiles } from '../families/image/image-fixtures.js';

/**
 * Local images end to end: a real `guardpost agent --image-dirs DIR` process finds the archives in DIR, scans them
 * in its scan process and uploads gzipped reports; the server stores them as local images of the agent's host.
 * CreateManualImageScanTask (global_image_type=local, is_all) discovers; BatchScanLocalImage rescans one image
 * (no duplicate rows); ListImageLocal, ListImageApps (local_image) and ListImageScanTask read the results.
 */

interface TaskRecord { task_id: string; task_status: number; total_num: number; success_num: number; failed_num: number; image_type: string }

describe('local images scanned by an agent', () => {
  let ts: TestServer;
  let api: Api;
  let files: ImageFiles;
  let base = '';
  let agent: ChildProcess | undefined;
  let output = '';
  let hostId = '';

  const tasks = async () => (await get<{ data_list: TaskRecord[] }>(api, '/v5/{p}/image/tasks?type=image_scan&global_image_type=local&limit=50')).body.data_list;
  const finishedTask = (known: number) => waitFor('a finished local scan task', async () => {
    const list = await tasks();
    return list.length > known && list[0]!.task_status === 100 ? list[0] : undefined;
  }, 180_000, 500);

  before(async () => {
    base = tempDir('gp-image-local-');
    const imageDir = path.join(base, 'images');
    fs.mkdirSync(imageDir);
    files = await writeTestImage(imageDir);
    ts = await startTestServer({ env: { GUARDPOST_AGENT_OFFLINE_SECONDS: '60' } });
    api = { endpoint: ts.endpoint, token: await tokenFor(ts, await adminUserId(ts), { projectId: ts.credentials.project_id }), projectId: ts.credentials.project_id };
    const { token } = await ts.server.ctx.agents.createEnrollmentToken({ projectId: ts.credentials.project_id, maxUses: 1 });
    const stateDir = path.join(base, 'agent');
    // Only the docker-archive and the non-image tar stay in the directory (the OCI archive is the same image).
    fs.rmSync(files.oci);
    // The images sit two levels below the configured directory: the engine's discovery walks into subdirectories.
    const nested = path.join(imageDir, 'hosts', 'a');
    fs.mkdirSync(nested, { recursive: true });
    for (const moved of [files.docker, files.layout]) fs.renameSync(moved, path.join(nested, path.basename(moved)));
    agent = spawn(process.execPath, [guardpostBin, 'agent', '--server', ts.endpoint, '--enroll-token', token, '--state-dir', stateDir,
      '--name', 'image-host', '--image-dirs', imageDir], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    agent.stdout?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-50_000); });
    agent.stderr?.on('data', (c: Buffer) => { output = (output + c.toString()).slice(-50_000); });
    const identity = path.join(stateDir, 'agent.json');
    await waitFor(`the agent to enroll:\n${output}`, async () => (fs.existsSync(identity) ? true : undefined), 30_000, 100);
    hostId = (JSON.parse(fs.readFileSync(identity, 'utf8')) as { host_id: string }).host_id;
    await waitFor('the image-local-scan capability', async () => {
      const row = await ts.server.ctx.store.db.selectFrom('agents').select('capabilities').where('host_id', '=', hostId).executeTakeFirst();
      return row?.capabilities.includes('"image-local-scan"') ? true : undefined;
    }, 30_000, 100);
  });
  after(async () => {
    if (agent && agent.exitCode === null && agent.pid !== undefined) agent.kill('SIGKILL');
    await ts?.close();
    fs.rmSync(base, { recursive: true, force: true });
  });

  test('a scan of all local images discovers the archive and stores its findings', { timeout: 200_000 }, async () => {
    const created = await send(api, 'POST', '/v5/{p}/image/image-scan/tasks?global_image_type=local', { is_all: true });
    assert.equal(created.status, 200, created.text);
    const task = await finishedTask(0);
    assert.deepEqual([task.total_num, task.success_num, task.failed_num, task.image_type], [1, 1, 0, 'local'], output);
    const list = await get<{ total_num: number; data_list: Array<Record<string, unknown>> }>(api, '/v5/{p}/image/local-repositories');
    assert.equal(list.body.total_num, 1);
    const image = list.body.data_list[0]!;
    assert.equal(image.image_id, files.image.configDigest);
    assert.equal(image.host_id, hostId);
    assert.equal(image.host_name, 'image-host');
    assert.equal(image.image_name, 'test/image');
    assert.equal(image.scan_status, 'success');
    assert.equal(image.component_num, 2);
    const apps = await get<{ total_num: number; data_list: Array<{ app_name: string }> }>(api, `/v5/{p}/image/${files.image.configDigest}/apps?image_type=local_image`);
    assert.deepEqual(apps.body.data_list.map((a) => a.app_name), ['busybox', 'musl']);
    const byHost = await get<{ total_num: number }>(api, `/v5/{p}/image/local-repositories?host_id=${hostId}`);
    assert.equal(byHost.body.total_num, 1);
  });

  test('BatchScanLocalImage rescans the named image on its host: no duplicate rows', { timeout: 200_000 }, async () => {
    const known = (await tasks()).length;
    const res = await send(api, 'POST', '/v5/{p}/image/local/batch-scan', { image_info_list: [{ image_id: files.image.configDigest }] });
    assert.equal(res.status, 200, res.text);
    const task = await finishedTask(known);
    assert.deepEqual([task.total_num, task.success_num], [1, 1], output);
    const apps = await get<{ total_num: number }>(api, `/v5/{p}/image/${files.image.configDigest}/apps?image_type=local_image`);
    assert.equal(apps.body.total_num, 2);
    assert.equal((await get<{ total_num: number }>(api, '/v5/{p}/image/local-repositories')).body.total_num, 1);
    const unknown = await send(api, 'POST', '/v5/{p}/image/local/batch-scan', { image_info_list: [{ image_id: `sha256:${'2'.repeat(64)}` }] });
    assert.equal(unknown.status, 400);
  });
});
