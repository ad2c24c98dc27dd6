import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pullRegistryImage, RegistryImageNotFound, type RegistryServices } from '../../../../src/families/image/registries/index.js';
import { openImage } from '../../../../src/engines/image/image.js';
import fs from 'node:fs';
import path from 'node:path';
import type { RunningServer } from '../../../../src/server/server.js';
import type { FreshDatabase } from '../../../helpers/db.js';
import { startDockerRegistry, type TestRegistry } from '../../../helpers/docker-registry.js';
import { http } from '../../../helpers/http.js';
import { waitFor } from '../../../helpers/wait.js';
import { buildImage } from '../../../engines/image/image-builder.js';
import { startRegistriesServer, type RegistriesServer } from './registries-server.js';

const USER = { username: 'scanner', password: 'Registry-Pass-7781' };

interface RegistryRecord { id: string; registry_name: string; status: string; fail_reason: string; images_num: number; latest_sync_time: number; registry_username: string }
interface ImageRecord { id: number; namespace: string; image_name: string; image_version: string; image_digest: string; image_type: string; is_multiple_arch?: boolean; latest_version: boolean; registry_name?: string }
interface List<T> { total_num: number; data_list: T[] }

describe('image registries: AddRegistry / ListRegistry / DeleteRegistry / ListRegistryImages / ListSwrImageRepository', () => {
  let registry: TestRegistry;
  let db: FreshDatabase;
  let rs: RegistriesServer | undefined;
  let server: RunningServer;
  let services: RegistryServices | undefined;
  let token: string;
  let projectId: string;
  const digests = new Map<string, string>();
  let armConfigDigest = '';
  const call = <T>(method: string, path: string, body?: unknown) =>
    http<T>(server.endpoint, { method, path: `/v5/${projectId}${path}`, headers: { 'x-auth-token': token }, body });
  const addBody = (overrides: Record<string, unknown> = {}) => ({
    registry_name: 'local-registry', registry_type: 'Other', api_version: 'V2', protocol: 'http', registry_addr: registry.address,
    registry_username: USER.username, registry_password: USER.password, connect_cluster_id: '', get_scan_image_channel: 'Other', ...overrides,
  });
  const settled = (id: string) => waitFor('the registry sync', async () => {
    const list = await call<List<RegistryRecord>>('GET', `/image/registries?registry_id=${id}`);
    const row = list.body.data_list[0];
    return row && row.status !== 'accessing' ? row : undefined;
  }, 30_000);

  before(async () => {
    registry = await startDockerRegistry({ auth: 'htpasswd', users: [USER] });
    const app = await buildImage([{ entries: [{ name: 'app.txt', content: 'app' }] }]);
    const arm = await buildImage([{ entries: [{ name: 'arm.txt', content: 'arm' }] }], { architecture: 'arm64' });
    armConfigDigest = arm.configDigest;
    digests.set('team/app:1.0', (await registry.pushImage('team/app', '1.0', app)).digest);
    digests.set('team/app:latest', (await registry.pushImage('team/app', 'latest', app, { docker: true })).digest);
    digests.set('lib/multi:latest', await registry.pushIndex('lib/multi', 'latest', [{ image: app, architecture: 'amd64' }, { image: arm, architecture: 'arm64' }]));
    rs = await startRegistriesServer();
    ({ server, db, services, projectId, token } = rs);
  });
  after(async () => {
    await rs?.close();
    await registry?.stop();
  });

  it('registers a registry, syncs its catalog, tags and manifests, and never returns or stores the password in clear', async () => {
    const added = await call<{ id: string }>('POST', '/image/registries', addBody());
    assert.equal(added.status, 200, added.text);
    assert.match(added.body.id, /^[0-9a-f]{32}$/);
    const row = await settled(added.body.id);
    assert.equal(row.status, 'success', JSON.stringify(row));
    assert.equal(row.images_num, 5);
    assert.equal(row.registry_username, USER.username);
    assert.ok(row.latest_sync_time > 0);
    const listed = await call('GET', '/image/registries');
    assert.ok(!listed.text.includes(USER.password), 'ListRegistry must not return the password');
    const stored = await server.ctx.store.db.selectFrom('image_registries' as never).selectAll().execute() as unknown as Array<Record<string, unknown>>;
    assert.equal(stored.length, 1);
    assert.ok(!JSON.stringify(stored).includes(USER.password), 'the password is stored sealed');
    assert.equal(services?.registries.endpointOf(stored[0] as never).credentials?.password, USER.password);

    const images = await call<List<ImageRecord>>('GET', '/image/registries/images?limit=50');
    assert.equal(images.status, 200, images.text);
    const seen = images.body.data_list.map((i) => [`${i.namespace}/${i.image_name}:${i.image_version}`, i.image_type, i.is_multiple_arch, i.latest_version, i.registry_name]);
    // pushIndex also tags each platform manifest (latest-amd64, latest-arm64).
    assert.deepEqual(seen, [
      ['lib/multi:latest', 'private_image', true, true, 'local-registry'],
      ['lib/multi:latest-amd64', 'private_image', false, false, 'local-registry'],
      ['lib/multi:latest-arm64', 'private_image', false, false, 'local-registry'],
      ['team/app:1.0', 'private_image', false, false, 'local-registry'],
      ['team/app:latest', 'private_image', false, true, 'local-registry'],
    ]);
    for (const image of images.body.data_list) {
      const ref = `${image.namespace}/${image.image_name}:${image.image_version}`;
      if (digests.has(ref)) assert.equal(image.image_digest, digests.get(ref), ref);
      else assert.match(image.image_digest, /^sha256:[0-9a-f]{64}$/);
    }
    const filtered = await call<List<ImageRecord>>('GET', '/image/registries/images?image_name=app&latest_version=true');
    assert.deepEqual(filtered.body.data_list.map((i) => `${i.image_name}:${i.image_version}`), ['app:latest']);
    assert.equal((await call<List<ImageRecord>>('GET', '/image/registries/images?image_type=harbor')).body.total_num, 0);
    const swr = await call<List<ImageRecord>>('GET', '/image/swr-repository?image_type=private_image');
    assert.equal(swr.body.total_num, 5);
    assert.equal((await call<List<ImageRecord>>('GET', '/image/swr-repository?image_type=shared_image')).body.total_num, 0);

    // A re-sync keeps every image's id.
    const ids = images.body.data_list.map((i) => i.id).sort();
    assert.equal((await call('POST', `/image/registries/${added.body.id}/synchronize`)).status, 200);
    await services?.syncer.idle();
    const again = await call<List<ImageRecord>>('GET', '/image/registries/images?limit=50');
    assert.deepEqual(again.body.data_list.map((i) => i.id).sort(), ids);
  });

  it('wrong credentials: the registry is registered and its status is fail (REQUEST_API_ERROR)', async () => {
    const added = await call<{ id: string }>('POST', '/image/registries', addBody({ registry_name: 'wrong-creds', registry_password: 'not-it' }));
    assert.equal(added.status, 200, added.text);
    const row = await settled(added.body.id);
    assert.equal(row.status, 'fail');
    assert.equal(row.fail_reason, 'REQUEST_API_ERROR');
    assert.equal(row.images_num, 0);
  });

  it('bad input is a 400 HSS error and stores nothing', async () => {
    const before = (await call<List<RegistryRecord>>('GET', '/image/registries')).body.total_num;
    const cases: Array<Record<string, unknown>> = [
      addBody(),
      addBody({ registry_name: 'x1', registry_addr: 'bad host/path' }),
      addBody({ registry_name: 'x2', registry_type: 'Quay' }),
      addBody({ registry_name: 'x3', ca_cert: 'not a certificate' }),
      addBody({ registry_name: 'x4', registry_password: undefined }),
      addBody({ registry_name: 'x5', protocol: 'ftp' }),
    ];
    for (const body of cases) {
      const res = await call<{ error_code: string }>('POST', '/image/registries', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)} → ${res.text}`);
      assert.match(res.body.error_code, /^HSS\./);
    }
    assert.equal((await call<List<RegistryRecord>>('GET', '/image/registries')).body.total_num, before);
    const missing = await call<{ error_code: string }>('DELETE', `/image/registries/${'0'.repeat(32)}`);
    assert.equal(missing.status, 400);
    assert.match(missing.body.error_code, /^HSS\./);
  });

  it('pulls a synced image with the registered credentials into an OCI layout the reader opens', async () => {
    const images = await call<List<ImageRecord>>('GET', '/image/registries/images?image_name=multi&latest_version=true');
    const multi = images.body.data_list[0] as ImageRecord;
    const work = fs.mkdtempSync(path.join(db.dir, 'pull-'));
    const store = services?.registries;
    assert.ok(store);
    const pulled = await pullRegistryImage(store, projectId, multi.id, path.join(work, 'arm'), { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(pulled.repository, 'lib/multi');
    assert.equal((await openImage(pulled.layoutDir)).imageId, armConfigDigest);
    await assert.rejects(pullRegistryImage(store, projectId, 12345, path.join(work, 'none')), RegistryImageNotFound);
    // Another project cannot pull this project's image by its id.
    await assert.rejects(pullRegistryImage(store, 'f'.repeat(32), multi.id, path.join(work, 'other-project')), RegistryImageNotFound);
  });

  it('DeleteRegistry forgets the registry and its images', async () => {
    const list = await call<List<RegistryRecord>>('GET', '/image/registries?registry_name=local-registry');
    const id = (list.body.data_list[0] as RegistryRecord).id;
    assert.equal((await call('DELETE', `/image/registries/${id}`)).status, 200);
    assert.equal((await call<List<RegistryRecord>>('GET', `/image/registries?registry_id=${id}`)).body.total_num, 0);
    assert.equal((await call<List<ImageRecord>>('GET', '/image/registries/images')).body.total_num, 0);
  });
});
