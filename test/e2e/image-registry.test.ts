import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { tempDir } from '../helpers/db.js';
import { startDockerRegistry, type TestRegistry } from '../helpers/docker-registry.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { readZipWithPython } from '../export/zip-reader.js';
import { adminUserId, tokenFor } from '../api/support.js';
import { waitFor } from '../helpers/wait.js';
import { get, send, testImage, waitForTask, type Api } from '../families/image/image-fixtures.js';
import { buildImage, type BuiltImage } from '../engines/image/image-builder.js';

/**
 * Registry images scanned on the server (SQLite or PostgreSQL per GUARDPOST_TEST_DB): a real docker-registry on
 * loopback with basic auth is registered (AddRegistry) and synced; CreateManualImageScanTask names one synced image
 * by its ListRegistryImages id; the image-scan job pulls it with the registry's sealed credentials and scans it in
 * the scan process; ListRegistryImages / ListSwrImageRepository show scan_status success and the config digest;
 * its apps report exports. A tampered blob fails digest_mismatch; a rotated password fails authentication_failed.
 */

const USER = { username: 'scanner', password: 'Registry-Pass-5521' };

interface RegistryImage { id: number; namespace: string; image_name: string; image_version: string; image_id: string; scan_status: string; scan_failed_desc: string; latest_scan_time: number; unsafe_setting_num: number }
interface List<T> { total_num: number; data_list: T[] }

describe('registry images scanned on the server', () => {
  let registry: TestRegistry;
  let ts: TestServer;
  let api: Api;
  let image: BuiltImage;
  let dir = '';
  let registryId = '';

  const images = async (query = '') => (await get<List<RegistryImage>>(api, `/v5/{p}/image/registries/images?limit=50${query}`)).body.data_list;
  const imageOf = async (ref: string) => {
    const found = (await images()).find((i) => `${i.namespace}/${i.image_name}:${i.image_version}` === ref);
    assert.ok(found, ref);
    return found;
  };
  /** Requests a scan of one registry image and waits for its task (100 done, −3 its one image failed); returns the image's row. */
  async function scan(ref: string, expectStatus: number): Promise<RegistryImage> {
    const target = await imageOf(ref);
    const before = (await get<List<{ task_id: string }>>(api, '/v5/{p}/image/tasks?type=image_scan&global_image_type=registry&limit=200')).body.total_num;
    const res = await send(api, 'POST', '/v5/{p}/image/image-scan/tasks?global_image_type=registry', {
      image_info: [{ id: target.id, namespace: target.namespace, image_name: target.image_name, image_version: target.image_version, registry_id: registryId }],
    });
    assert.equal(res.status, 200, res.text);
    const tasks = await waitFor('the scan task', async () => {
      const list = await get<List<{ task_id: string }>>(api, '/v5/{p}/image/tasks?type=image_scan&global_image_type=registry&limit=200');
      return list.body.total_num > before ? list.body.data_list : undefined;
    }, 10_000);
    const task = await waitForTask(api, tasks[0]!.task_id);
    assert.deepEqual([task.task_status, task.total_num], [expectStatus, 1]);
    return imageOf(ref);
  }

  before(async () => {
    dir = tempDir('gp-image-registry-');
    registry = await startDockerRegistry({ auth: 'htpasswd', users: [USER] });
    image = await testImage();
    await registry.pushImage('team/app', '1.0', image);
    await registry.pushImage('team/app', 'latest', image, { docker: true });
    ts = await startTestServer();
    const token = await tokenFor(ts, await adminUserId(ts), { projectId: ts.credentials.project_id });
    api = { endpoint: ts.endpoint, token, projectId: ts.credentials.project_id };
    const added = await send<{ id: string }>(api, 'POST', '/v5/{p}/image/registries', {
      registry_name: 'ci-registry', registry_type: 'Other', api_version: 'V2', protocol: 'http', registry_addr: registry.address,
      registry_username: USER.username, registry_password: USER.password, connect_cluster_id: '', get_scan_image_channel: 'Other',
    });
    assert.equal(added.status, 200, added.text);
    registryId = added.body.id;
    await waitFor('the registry sync', async () => {
      const list = await get<List<{ status: string }>>(api, `/v5/{p}/image/registries?registry_id=${registryId}`);
      return list.body.data_list[0]?.status === 'success' ? true : undefined;
    }, 30_000);
  });
  after(async () => {
    await ts?.close();
    await registry?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a synced image is unscanned until a scan pulls it; then it shows scan_status success and its config digest', async () => {
    const unscanned = await imageOf('team/app:1.0');
    assert.deepEqual([unscanned.scan_status, unscanned.image_id, unscanned.latest_scan_time], ['unscan', '', 0]);
    const scanned = await scan('team/app:1.0', 100);
    assert.equal(scanned.scan_status, 'success', JSON.stringify(scanned));
    assert.equal(scanned.scan_failed_desc, '');
    assert.equal(scanned.image_id, image.configDigest);
    assert.ok(scanned.latest_scan_time > 0);
    // The other tag of the same image keeps its own (unscanned) state.
    assert.equal((await imageOf('team/app:latest')).scan_status, 'unscan');
    const swr = await get<List<RegistryImage>>(api, '/v5/{p}/image/swr-repository?image_type=private_image&image_name=app');
    const row = swr.body.data_list.find((i) => i.image_version === '1.0');
    assert.deepEqual([row?.scan_status, row?.image_id], ['success', image.configDigest]);
    const leftovers = fs.readdirSync(path.join(ts.db.dir, 'image-scan')).filter((f) => f.startsWith('job-'));
    assert.deepEqual(leftovers, [], 'the pull and scan directory is removed');
  });

  test('the scanned registry image\'s findings are served and exported as the apps report', async () => {
    const apps = await get<List<{ app_name: string; app_version: string }>>(api, `/v5/{p}/image/${image.configDigest}/apps?image_type=private_image`);
    assert.equal(apps.status, 200, apps.text);
    assert.deepEqual(apps.body.data_list.map((a) => `${a.app_name}@${a.app_version}`).sort(), ['busybox@1.30.1-r2', 'musl@1.1.22-r3']);
    const created = await send<{ task_id: string }>(api, 'POST', '/v5/{p}/image/security-report/export-tasks', {
      export_size: 100, security_report_type: 'apps', operate_all: false, image_id_list: [image.configDigest], image_type: 'private_image',
    });
    assert.equal(created.status, 200, created.text);
    const info = await waitFor('the export', async () => {
      const res = await get<{ task_status: string; file_id: string }>(api, `/v5/{p}/export-task/${created.body.task_id}`);
      return res.body.task_status === 'running' ? undefined : res.body;
    }, 30_000);
    assert.equal(info.task_status, 'success');
    const download = await fetch(`${ts.endpoint}/v5/${api.projectId}/download/${info.file_id}`, { headers: { 'x-auth-token': api.token } });
    assert.equal(download.status, 200);
    const out = fs.mkdtempSync(path.join(dir, 'zip-'));
    fs.writeFileSync(path.join(out, 'report.zip'), Buffer.from(await download.arrayBuffer()));
    const zip = await readZipWithPython(path.join(out, 'report.zip'), out);
    const rows = zip.csv['apps.csv']!;
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3], r[5]]).sort((a, b) => String(a[3]).localeCompare(String(b[3]))), [
      [image.configDigest, 'app', '1.0', 'busybox', '1.30.1-r2'],
      [image.configDigest, 'app', '1.0', 'musl', '1.1.22-r3'],
    ]);
  });

  test('a layer that does not match its digest ends the scan failed with digest_mismatch', async () => {
    const tampered = await buildImage([{ entries: [{ name: 'tampered.txt', content: 'tampered layer' }] }]);
    await registry.pushImage('team/tampered', '1', tampered);
    await send(api, 'POST', `/v5/{p}/image/registries/${registryId}/synchronize`);
    await waitFor('the re-sync', async () => ((await images()).some((i) => i.image_name === 'tampered') ? true : undefined), 30_000);
    const layer = tampered.layers[tampered.layers.length - 1]!;
    const file = registry.blobDataPath(layer.blobDigest);
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    fs.writeFileSync(file, bytes);
    const result = await scan('team/tampered:1', -3);
    assert.deepEqual([result.scan_status, result.scan_failed_desc], ['failed', 'digest_mismatch']);
  });

  test('credentials the registry no longer accepts end the scan failed with authentication_failed', async () => {
    // The registered password is rotated to a wrong one: the sealed password of a registry registered with it is copied over.
    const wrong = await send<{ id: string }>(api, 'POST', '/v5/{p}/image/registries', {
      registry_name: 'wrong-password', registry_type: 'Other', api_version: 'V2', protocol: 'http', registry_addr: registry.address,
      registry_username: USER.username, registry_password: 'not-the-password', connect_cluster_id: '', get_scan_image_channel: 'Other',
    });
    assert.equal(wrong.status, 200, wrong.text);
    const db = ts.server.ctx.store.db;
    const sealed = await db.selectFrom('image_registries' as never).select('password_sealed' as never).where('id' as never, '=', wrong.body.id as never)
      .executeTakeFirstOrThrow() as { password_sealed: string };
    await db.updateTable('image_registries' as never).set({ password_sealed: sealed.password_sealed } as never).where('id' as never, '=', registryId as never).execute();
    const result = await scan('team/app:latest', -3);
    assert.deepEqual([result.scan_status, result.scan_failed_desc, result.image_id], ['failed', 'authentication_failed', '']);
  });
});
