import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openImage } from '../../../src/engines/image/image.js';
import { RegistryClient, RegistryError, pullImage, registryBaseUrl } from '../../../src/engines/registry/index.js';
import { parseManifest } from '../../../src/engines/registry/manifest.js';
import { tempDir } from '../../helpers/db.js';
import { startDockerRegistry, type TestRegistry } from '../../helpers/docker-registry.js';
import { buildImage, type BuiltImage } from '../image/image-builder.js';

const USER = { username: 'robot', password: 's3cret-token-pass' };

const rejectsWith = async (promise: Promise<unknown>, code: string): Promise<void> => {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RegistryError, `expected a RegistryError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    return true;
  });
};

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

describe('registry client: bearer tokens from the registry\'s token realm (auth: token)', () => {
  let registry: TestRegistry;
  let work: string;
  let image: BuiltImage;
  before(async () => {
    registry = await startDockerRegistry({ auth: 'token', users: [USER] });
    work = tempDir('gp-registry-token-');
    image = await buildImage([{ entries: [{ name: 'hello.txt', content: 'hello' }] }, { entries: [{ name: 'second.txt', content: 'two' }] }]);
    await registry.pushImage('team/app', 'v1', image);
  });
  after(async () => {
    await registry?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('pulls with a token fetched once per scope and reused for every request of that scope', async () => {
    const client = new RegistryClient({ url: registry.address, insecure: true, credentials: USER });
    registry.tokenRequests.length = 0;
    const pulled = await pullImage(client, 'team/app', 'v1', path.join(work, 'pulled'));
    assert.equal((await openImage(pulled.layoutDir)).imageId, image.configDigest);
    assert.deepEqual(await client.listTags('team/app'), ['v1']);
    assert.deepEqual(registry.tokenRequests, ['repository:team/app:pull']);
    assert.deepEqual(await client.listRepositories(), ['team/app']);
    assert.deepEqual(registry.tokenRequests, ['repository:team/app:pull', 'registry:catalog:*']);
  });

  it('wrong credentials at the token endpoint → authentication_failed', async () => {
    const client = new RegistryClient({ url: registry.address, insecure: true, credentials: { username: 'robot', password: 'nope' } });
    await rejectsWith(pullImage(client, 'team/app', 'v1', path.join(work, 'denied')), 'authentication_failed');
    assert.equal(fs.existsSync(path.join(work, 'denied')), false);
  });
});

describe('registry client: TLS with a custom CA, and http only for insecure registries', () => {
  let registry: TestRegistry;
  before(async () => { registry = await startDockerRegistry({ auth: 'htpasswd', users: [USER], tls: true }); });
  after(async () => { await registry?.stop(); });

  it('https is the default; the registered CA is trusted; without it the certificate is refused', async () => {
    await new RegistryClient({ url: registry.address, ca: registry.caPem ?? '', credentials: USER }).ping();
    await rejectsWith(new RegistryClient({ url: registry.address, credentials: USER }).ping(), 'registry_unreachable');
  });

  it('an http:// address is refused unless the registry is registered as insecure', () => {
    assert.throws(() => registryBaseUrl({ url: 'http://127.0.0.1:5000' }), (err: unknown) => err instanceof RegistryError && err.code === 'unsupported_format');
    assert.equal(registryBaseUrl({ url: '127.0.0.1:5000', insecure: true }).protocol, 'http:');
    assert.equal(registryBaseUrl({ url: 'registry.example' }).protocol, 'https:');
  });
});

describe('registry client: blob redirects', () => {
  let registry: TestRegistry;
  let front: http.Server;
  let storage: http.Server;
  let work: string;
  let image: BuiltImage;
  const seenAuth: Array<string | undefined> = [];
  let loop = false;
  before(async () => {
    registry = await startDockerRegistry({ auth: 'htpasswd', users: [USER] });
    work = tempDir('gp-registry-redirect-');
    image = await buildImage([{ entries: [{ name: 'a.txt', content: 'redirected layer' }] }]);
    await registry.pushImage('team/app', 'v1', image);
    const target = new URL(registry.url);
    const adminBasic = `Basic ${Buffer.from(`${USER.username}:${USER.password}`).toString('base64')}`;
    // "Blob storage" on another origin: records what it was sent, serves the blob from the registry.
    storage = http.createServer((req, res) => {
      seenAuth.push(req.headers.authorization);
      if (loop) { res.writeHead(302, { location: req.url ?? '/' }).end(); return; }
      const upstream = http.get({ host: target.hostname, port: target.port, path: req.url, headers: { authorization: adminBasic } }, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-length': up.headers['content-length'] ?? '' });
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
    });
    const storagePort = await listen(storage);
    // The registry's front: proxies the API, redirects blob reads to the storage origin.
    front = http.createServer((req, res) => {
      if (req.method === 'GET' && /\/blobs\/sha256:/.test(req.url ?? '')) {
        res.writeHead(307, { location: `http://127.0.0.1:${storagePort}${req.url}` }).end();
        return;
      }
      const upstream = http.request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      upstream.on('error', () => res.destroy());
      req.pipe(upstream);
    });
    await listen(front);
  });
  after(async () => {
    await new Promise((r) => front?.close(r));
    await new Promise((r) => storage?.close(r));
    await registry?.stop();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('follows a redirect to another origin without sending the registry credentials there', async () => {
    const address = `127.0.0.1:${(front.address() as net.AddressInfo).port}`;
    const client = new RegistryClient({ url: address, insecure: true, credentials: USER });
    const pulled = await pullImage(client, 'team/app', 'v1', path.join(work, 'ok'));
    assert.equal((await openImage(pulled.layoutDir)).imageId, image.configDigest);
    assert.equal(seenAuth.length, 2, 'config and layer were fetched from the storage origin');
    assert.deepEqual(seenAuth, [undefined, undefined]);
  });

  it('a redirect loop ends after maxRedirects → registry_unreachable', async () => {
    loop = true;
    const address = `127.0.0.1:${(front.address() as net.AddressInfo).port}`;
    const client = new RegistryClient({ url: address, insecure: true, credentials: USER }, { limits: { maxRedirects: 3 } });
    await rejectsWith(pullImage(client, 'team/app', 'v1', path.join(work, 'loop')), 'registry_unreachable');
    loop = false;
  });
});

describe('manifest formats', () => {
  it('a Docker schema 1 manifest is refused with unsupported_format', () => {
    assert.throws(
      () => parseManifest('application/vnd.docker.distribution.manifest.v1+prettyjws', { schemaVersion: 1, name: 'x', fsLayers: [] }, 'x:1'),
      (err: unknown) => err instanceof RegistryError && err.code === 'unsupported_format' && /schema 1/.test(err.message),
    );
    assert.throws(() => parseManifest('application/vnd.example+json', { schemaVersion: 2 }, 'x:1'), (err: unknown) => err instanceof RegistryError && err.code === 'unsupported_format');
  });
});
