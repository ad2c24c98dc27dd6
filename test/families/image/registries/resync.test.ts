import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RegistryResync, resyncIntervalMs, type RegistryServices } from '../../../../src/families/image/registries/index.js';
import type { RunningServer } from '../../../../src/server/server.js';
import { startDockerRegistry, type TestRegistry } from '../../../helpers/docker-registry.js';
import { http } from '../../../helpers/http.js';
import { waitFor } from '../../../helpers/wait.js';
import { buildImage } from '../../../engines/image/image-builder.js';
import { startRegistriesServer, type RegistriesServer } from './registries-server.js';

/**
 * The periodic re-sync of registries: a registry whose latest sync is older than the interval is walked again
 * (a newly pushed tag appears), two replicas' checks at once re-sync it once (the conditional claim), a recent sync
 * is not due, and the interval setting (minutes, 0 = off) is checked.
 */

const USER = { username: 'resync', password: 'Resync-Pass-3317' };
const MINUTE = 60_000;

describe('registry re-sync periodic', () => {
  let registry: TestRegistry;
  let rs: RegistriesServer | undefined;
  let server: RunningServer;
  let services: RegistryServices | undefined;
  let token: string;
  let projectId: string;
  const call = <T>(method: string, path: string, body?: unknown) =>
    http<T>(server.endpoint, { method, path: `/v5/${projectId}${path}`, headers: { 'x-auth-token': token }, body });

  before(async () => {
    registry = await startDockerRegistry({ auth: 'htpasswd', users: [USER] });
    await registry.pushImage('team/one', '1', await buildImage([{ entries: [{ name: 'one.txt', content: 'one' }] }]));
    rs = await startRegistriesServer();
    ({ server, services, projectId, token } = rs);
  });
  after(async () => {
    await rs?.close();
    await registry?.stop();
  });

  it('re-syncs a registry once its latest sync is older than the interval, once across two replicas', async () => {
    const added = await call<{ id: string }>('POST', '/image/registries', {
      registry_name: 'resynced', registry_type: 'Other', api_version: 'V2', protocol: 'http', registry_addr: registry.address,
      registry_username: USER.username, registry_password: USER.password, connect_cluster_id: '', get_scan_image_channel: 'Other',
    });
    assert.equal(added.status, 200, added.text);
    const row = await waitFor('the first sync', async () => {
      const list = await call<{ data_list: Array<{ status: string; images_num: number; latest_sync_time: number }> }>('GET', `/image/registries?registry_id=${added.body.id}`);
      const r = list.body.data_list[0];
      return r && r.status !== 'accessing' ? r : undefined;
    }, 30_000);
    assert.deepEqual([row.status, row.images_num], ['success', 1]);
    await registry.pushImage('team/two', '1', await buildImage([{ entries: [{ name: 'two.txt', content: 'two' }] }]));
    const { registries, syncer } = services!;
    const hourly = 60 * MINUTE;
    // Two replicas (two periodics over the same database) check at once: one claims the re-sync.
    const replicaA = new RegistryResync(registries, syncer, hourly);
    const replicaB = new RegistryResync(registries, syncer, hourly);
    assert.equal(await replicaA.run(row.latest_sync_time + 30 * MINUTE), 0, 'a sync half an hour old is not due');
    // The latest sync is made an interval and a minute old (the syncs below record the real time).
    await server.ctx.store.db.updateTable('image_registries' as never).set({ latest_sync_time: row.latest_sync_time - hourly - MINUTE } as never)
      .where('id' as never, '=', added.body.id as never).execute();
    const claimed = await Promise.all([replicaA.run(), replicaB.run()]);
    assert.equal(claimed[0]! + claimed[1]!, 1, `claims: ${claimed.join(', ')}`);
    const images = await call<{ data_list: Array<{ image_name: string }> }>('GET', '/image/registries/images');
    assert.deepEqual(images.body.data_list.map((i) => i.image_name).sort(), ['one', 'two']);
    assert.equal(await replicaA.run(Date.now() + 30 * MINUTE), 0, 'just re-synced: not due again');
    assert.equal(await new RegistryResync(registries, syncer, 0).run(Date.now() + 10 * hourly), 0, 'interval 0 turns the re-sync off');
  });

  it('reads the interval in minutes (default 60, 0 = off) and rejects anything else', () => {
    assert.equal(resyncIntervalMs({}), 60 * MINUTE);
    assert.equal(resyncIntervalMs({ GUARDPOST_IMAGE_REGISTRY_SYNC_MINUTES: '15' }), 15 * MINUTE);
    assert.equal(resyncIntervalMs({ GUARDPOST_IMAGE_REGISTRY_SYNC_MINUTES: '0' }), 0);
    for (const bad of ['-1', '1.5', 'hourly']) assert.throws(() => resyncIntervalMs({ GUARDPOST_IMAGE_REGISTRY_SYNC_MINUTES: bad }));
  });
});
