import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildMergedView, openImage } from '../../../src/engines/image/image.js';
import { RegistryClient, RegistryError, pullImage, type RegistryEndpoint, type RegistryLimits } from '../../../src/engines/registry/index.js';
import { tempDir } from '../../helpers/db.js';
import { startDockerRegistry, type TestRegistry } from '../../helpers/docker-registry.js';
import { buildImage, type BuiltImage } from '../image/image-builder.js';

const USER = { username: 'ci-user', password: 'correct horse 9' };

const rejectsWith = async (promise: Promise<unknown>, code: string): Promise<void> => {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
};

describe('registry client against a real docker-registry with htpasswd basic auth', () => {
  let registry: TestRegistry;
  let work: string;
  let app: BuiltImage;
  let armApp: BuiltImage;
  let appDigest: string;
  const endpoint = (extra: Partial<RegistryEndpoint> = {}): RegistryEndpoint => ({ url: registry.address, insecure: true, credentials: USER, ...extra });
  const client = (extra: Partial<RegistryEndpoint> = {}, limits: Partial<RegistryLimits> = {}): RegistryClient => new RegistryClient(endpoint(extra), { limits });

  before(async () => {
    registry = await startDockerRegistry({ auth: 'htpasswd', users: [USER] });
    work = tempDir('gp-registry-pull-');
    app = await buildImage([
      { entries: [{ name: 'etc/', type: 'directory' }, { name: 'etc/os-release', content: 'ID=test\n' }], createdBy: 'ADD base' },
      { entries: [{ name: 'app/main.sh', content: '#!/bin/sh\necho hi\n', mode: 0o755 }], createdBy: 'COPY main.sh /app/' },
    ]);
    armApp = await buildImage([{ entries: [{ name: 'arch', content: 'arm64' }] }], { architecture: 'arm64' });
    appDigest = (await registry.pushImage('team/app', '1.0', app)).digest;
    await registry.pushImage('team/app', '1.1', app, { docker: true });
    await registry.pushImage('team/app', '2.0', app);
    await registry.pushIndex('team/multi', 'latest', [{ image: app, architecture: 'amd64' }, { image: armApp, architecture: 'arm64', variant: 'v8' }], { docker: true });
    await registry.pushIndex('team/oci-multi', 'v1', [{ image: armApp, architecture: 'arm64' }, { image: app, architecture: 'amd64' }]);
    await registry.pushImage('other', 'x', armApp);
  });
  after(async () => {
    await registry?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('pings with the right credentials; wrong or missing credentials → authentication_failed', async () => {
    await client().ping();
    await rejectsWith(client({ credentials: { username: USER.username, password: 'wrong' } }).ping(), 'authentication_failed');
    await rejectsWith(client({ credentials: null }).ping(), 'authentication_failed');
  });

  it('lists every repository and tag across Link pages', async () => {
    const small = client({}, { pageSize: 2 });
    assert.deepEqual((await small.listRepositories()).sort(), ['other', 'team/app', 'team/multi', 'team/oci-multi']);
    assert.deepEqual((await small.listTags('team/app')).sort(), ['1.0', '1.1', '2.0']);
    await rejectsWith(client({}, { pageSize: 1, maxPages: 2 }).listRepositories(), 'image_oversized');
  });

  it('pulls by tag into an OCI layout that openImage reads, with the config digest as imageId', async () => {
    const dir = path.join(work, 'by-tag');
    const pulled = await pullImage(client(), 'team/app', '1.0', dir);
    assert.equal(pulled.imageId, app.configDigest);
    assert.equal(pulled.manifestDigest, appDigest);
    const image = await openImage(dir);
    assert.equal(image.imageId, app.configDigest);
    assert.deepEqual(image.layers.map((l) => l.createdBy), ['ADD base', 'COPY main.sh /app/']);
    const view = await buildMergedView(image);
    assert.ok(view.files.has('app/main.sh') || view.files.has('/app/main.sh'), [...view.files.keys()].join(','));
  });

  it('pulls a Docker v2 schema 2 manifest by digest', async () => {
    const manifest = await client().getManifest('team/app', '1.1');
    assert.equal(manifest.mediaType, 'application/vnd.docker.distribution.manifest.v2+json');
    const dir = path.join(work, 'by-digest');
    const pulled = await pullImage(client(), 'team/app', manifest.digest, dir);
    assert.equal(pulled.manifestDigest, manifest.digest);
    assert.equal((await openImage(dir)).imageId, app.configDigest);
  });

  it('picks the configured platform from a manifest list and an OCI index', async () => {
    const arm = await pullImage(client(), 'team/multi', 'latest', path.join(work, 'multi-arm'), { platform: { os: 'linux', architecture: 'arm64' } });
    assert.equal(arm.imageId, armApp.configDigest);
    assert.deepEqual(arm.platform, { os: 'linux', architecture: 'arm64', variant: 'v8' });
    assert.equal((await openImage(arm.layoutDir)).imageId, armApp.configDigest);
    const amd = await pullImage(client(), 'team/oci-multi', 'v1', path.join(work, 'multi-amd'));
    assert.equal(amd.imageId, app.configDigest);
    await rejectsWith(pullImage(client(), 'team/multi', 'latest', path.join(work, 'multi-s390x'), { platform: { os: 'linux', architecture: 's390x' } }), 'not_found');
    assert.equal(fs.existsSync(path.join(work, 'multi-s390x')), false);
  });

  it('a missing tag or repository → not_found; wrong credentials on a pull → authentication_failed', async () => {
    await rejectsWith(pullImage(client(), 'team/app', 'nope', path.join(work, 'missing')), 'not_found');
    await rejectsWith(client().getManifest('team/ghost', 'latest'), 'not_found');
    await rejectsWith(pullImage(client({ credentials: { username: 'ci-user', password: 'nope' } }), 'team/app', '1.0', path.join(work, 'bad-creds')), 'authentication_failed');
    assert.equal(fs.existsSync(path.join(work, 'missing')), false);
  });

  it('bounds layers, image size and manifest size → image_oversized, before anything is written', async () => {
    await rejectsWith(pullImage(client({}, { maxLayers: 1 }), 'team/app', '1.0', path.join(work, 'layers')), 'image_oversized');
    await rejectsWith(pullImage(client({}, { maxImageBytes: 200 }), 'team/app', '1.0', path.join(work, 'size')), 'image_oversized');
    await rejectsWith(pullImage(client({}, { maxManifestBytes: 64 }), 'team/app', '1.0', path.join(work, 'manifest')), 'image_oversized');
    for (const name of ['layers', 'size', 'manifest']) assert.equal(fs.existsSync(path.join(work, name)), false);
  });

  it('a layer whose stored bytes were tampered with → digest_mismatch, and the layout is removed', async () => {
    const victim = await buildImage([{ entries: [{ name: 'payload', content: 'original bytes '.repeat(50) }] }]);
    await registry.pushImage('team/victim', '1', victim);
    const layer = victim.layers[0] as BuiltImage['layers'][number];
    const data = registry.blobDataPath(layer.blobDigest);
    const bytes = fs.readFileSync(data);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] as number) ^ 0xff;
    fs.writeFileSync(data, bytes);
    const dir = path.join(work, 'tampered');
    await rejectsWith(pullImage(client(), 'team/victim', '1', dir), 'digest_mismatch');
    assert.equal(fs.existsSync(dir), false);
  });

  it('an unreachable registry → registry_unreachable; an aborted signal → timeout', async () => {
    await rejectsWith(new RegistryClient({ url: '127.0.0.1:1', insecure: true }).ping(), 'registry_unreachable');
    await rejectsWith(client().ping(AbortSignal.abort()), 'timeout');
  });

  it('a registry that never answers → timeout after requestTimeoutMs', async () => {
    const silent = http.createServer(() => { /* never answers */ });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as net.AddressInfo;
      await rejectsWith(new RegistryClient({ url: `127.0.0.1:${port}`, insecure: true }, { limits: { requestTimeoutMs: 300 } }).ping(), 'timeout');
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
