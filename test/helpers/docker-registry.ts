import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { tempDir } from './db.js';
import { sha256, type BuiltImage } from '../engines/image/image-builder.js';

/**
 * A real Debian `docker-registry` (distribution 2.8) on a loopback port with a generated config: filesystem
 * storage in a temp dir and htpasswd basic auth, or `auth: token` with a tiny token server of this helper
 * (RS256 JWTs signed by a generated certificate the registry trusts). Optionally served over TLS with a
 * generated certificate (the test passes it to the client as a custom CA). Test images are pushed through the
 * registry's own v2 upload API. Not a test file itself.
 */

export interface TestUser { username: string; password: string }

export interface RegistryOptions {
  auth: 'htpasswd' | 'token';
  users: TestUser[];
  tls?: boolean;
}

export interface TestRegistry {
  /** `http://127.0.0.1:port` or `https://127.0.0.1:port`. */
  url: string;
  /** `127.0.0.1:port` (what a user registers). */
  address: string;
  /** PEM of the TLS certificate (also its CA) when `tls`. */
  caPem: string | null;
  /** Token requests seen by the token server (auth: token). */
  tokenRequests: string[];
  pushBlob(name: string, bytes: Buffer): Promise<string>;
  pushManifest(name: string, reference: string, bytes: Buffer, mediaType: string): Promise<string>;
  /** Pushes config, layers and manifest (`docker`: as a Docker v2 schema 2 manifest). Returns the manifest digest. */
  pushImage(name: string, tag: string, image: BuiltImage, options?: { docker?: boolean }): Promise<{ digest: string; manifest: Buffer }>;
  /** Pushes each image and then an index / manifest list over them under `tag`. */
  pushIndex(name: string, tag: string, entries: Array<{ image: BuiltImage; architecture: string; variant?: string }>, options?: { docker?: boolean }): Promise<string>;
  /** Where the registry keeps a blob's bytes on disk (tamper tests). */
  blobDataPath(digest: string): string;
  stop(): Promise<void>;
}

const SERVICE = 'guardpost-test-registry';
const ISSUER = 'guardpost-test-issuer';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function opensslSelfSigned(dir: string, name: string, subject: string, san?: string): { cert: string; key: string } {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  const argv = ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', subject];
  if (san) argv.push('-addext', `subjectAltName=${san}`);
  execFileSync('openssl', argv, { stdio: 'ignore', timeout: 30_000 });
  return { cert, key };
}

const b64url = (value: Buffer | string): string => Buffer.from(value).toString('base64url');

function signToken(keyPem: string, certPem: string, subject: string, access: unknown[]): string {
  const header = { alg: 'RS256', typ: 'JWT', x5c: [new crypto.X509Certificate(certPem).raw.toString('base64')] };
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: ISSUER, sub: subject, aud: SERVICE, iat: now, nbf: now - 10, exp: now + 300, jti: crypto.randomUUID(), access };
  const signingInput = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  return `${signingInput}.${b64url(crypto.sign('sha256', Buffer.from(signingInput), keyPem))}`;
}

/** `repository:name:pull,push` → the JWT access entry. */
function accessOf(scope: string): { type: string; name: string; actions: string[] } | null {
  const parts = scope.split(':');
  if (parts.length < 3) return null;
  const actions = (parts.pop() as string).split(',');
  const type = parts.shift() as string;
  return { type, name: parts.join(':'), actions };
}

async function startTokenServer(users: TestUser[], keyPem: string, certPem: string, seen: string[]): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    seen.push(url.searchParams.getAll('scope').join(' '));
    const auth = req.headers.authorization ?? '';
    const decoded = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString('utf8') : '';
    const user = users.find((u) => `${u.username}:${u.password}` === decoded);
    if (!user || url.pathname !== '/token') {
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"errors":[{"code":"UNAUTHORIZED"}]}');
      return;
    }
    const access = url.searchParams.getAll('scope').flatMap((s) => s.split(' ')).map(accessOf).filter((a) => a !== null);
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ token: signToken(keyPem, certPem, user.username, access), expires_in: 300 }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export async function startDockerRegistry(options: RegistryOptions): Promise<TestRegistry> {
  const dir = tempDir('gp-registry-');
  const storage = path.join(dir, 'storage');
  fs.mkdirSync(storage);
  const port = await freePort();
  const tokenRequests: string[] = [];
  let tokenServer: { port: number; close(): Promise<void> } | null = null;
  let authYaml: string;
  let adminHeader: (scope: string) => string;
  const admin = options.users[0] as TestUser;
  if (options.auth === 'htpasswd') {
    const lines = options.users.map((u) => execFileSync('htpasswd', ['-Bbn', u.username, u.password], { encoding: 'utf8', timeout: 30_000 }).trim());
    fs.writeFileSync(path.join(dir, 'htpasswd'), `${lines.join('\n')}\n`);
    authYaml = `auth:\n  htpasswd:\n    realm: guardpost-test\n    path: ${path.join(dir, 'htpasswd')}\n`;
    const basic = `Basic ${Buffer.from(`${admin.username}:${admin.password}`).toString('base64')}`;
    adminHeader = () => basic;
  } else {
    const signer = opensslSelfSigned(dir, 'token', '/CN=guardpost-test-token');
    const keyPem = fs.readFileSync(signer.key, 'utf8');
    const certPem = fs.readFileSync(signer.cert, 'utf8');
    tokenServer = await startTokenServer(options.users, keyPem, certPem, tokenRequests);
    authYaml = `auth:\n  token:\n    realm: http://127.0.0.1:${tokenServer.port}/token\n    service: ${SERVICE}\n    issuer: ${ISSUER}\n    rootcertbundle: ${signer.cert}\n`;
    adminHeader = (scope) => `Bearer ${signToken(keyPem, certPem, admin.username, [accessOf(scope)])}`;
  }
  let caPem: string | null = null;
  let tlsYaml = '';
  if (options.tls) {
    const server = opensslSelfSigned(dir, 'server', '/CN=127.0.0.1', 'IP:127.0.0.1');
    caPem = fs.readFileSync(server.cert, 'utf8');
    tlsYaml = `  tls:\n    certificate: ${server.cert}\n    key: ${server.key}\n`;
  }
  const config = [
    'version: 0.1',
    'log:\n  level: error\n  accesslog:\n    disabled: true',
    `storage:\n  filesystem:\n    rootdirectory: ${storage}\n  delete:\n    enabled: true`,
    `http:\n  addr: 127.0.0.1:${port}\n  secret: ${crypto.randomBytes(16).toString('hex')}\n${tlsYaml}`,
    authYaml,
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'config.yml'), config);
  const child: ChildProcess = spawn('docker-registry', ['serve', path.join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => { if (stderr.length < 20_000) stderr += chunk.toString('utf8'); });
  const scheme = options.tls ? 'https' : 'http';
  const base = `${scheme}://127.0.0.1:${port}`;
  const request = (method: string, url: string, body?: Buffer, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const target = new URL(url, base);
      const mod = target.protocol === 'https:' ? https : http;
      const req = mod.request(target, { method, headers: { ...headers, ...(body ? { 'content-length': String(body.length) } : {}) }, ...(caPem ? { ca: caPem } : {}) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`${method} ${url} timed out`)));
      req.on('error', reject);
      req.end(body);
    });

  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.pid !== undefined) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      process.kill(child.pid, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
    }
    await tokenServer?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) { await stop(); throw new Error(`docker-registry exited: ${stderr}`); }
    const up = await request('GET', '/v2/').then((r) => r.status, () => 0);
    if (up === 200 || up === 401) break;
    if (Date.now() > deadline) { await stop(); throw new Error(`docker-registry did not start: ${stderr}`); }
    await new Promise((r) => setTimeout(r, 100));
  }

  const pushScope = (name: string): string => `repository:${name}:pull,push`;
  const pushBlob = async (name: string, bytes: Buffer): Promise<string> => {
    const digest = sha256(bytes);
    const auth = adminHeader(pushScope(name));
    const started = await request('POST', `/v2/${name}/blobs/uploads/`, undefined, { authorization: auth });
    if (started.status !== 202) throw new Error(`upload start: HTTP ${started.status} ${started.body.toString()}`);
    const location = new URL(String(started.headers.location), base);
    location.searchParams.set('digest', digest);
    const put = await request('PUT', location.toString(), bytes, { authorization: auth, 'content-type': 'application/octet-stream' });
    if (put.status !== 201) throw new Error(`upload ${digest}: HTTP ${put.status} ${put.body.toString()}`);
    return digest;
  };
  const pushManifest = async (name: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> => {
    const put = await request('PUT', `/v2/${name}/manifests/${reference}`, bytes, { authorization: adminHeader(pushScope(name)), 'content-type': mediaType });
    if (put.status !== 201) throw new Error(`manifest ${name}:${reference}: HTTP ${put.status} ${put.body.toString()}`);
    return sha256(bytes);
  };
  const pushImage = async (name: string, tag: string, image: BuiltImage, pushOptions: { docker?: boolean } = {}): Promise<{ digest: string; manifest: Buffer }> => {
    await pushBlob(name, image.config);
    for (const layer of image.layers) await pushBlob(name, layer.blob);
    const manifest = pushOptions.docker ? dockerManifestOf(image) : image.manifest;
    const mediaType = pushOptions.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json';
    return { digest: await pushManifest(name, tag, manifest, mediaType), manifest };
  };
  const pushIndex = async (name: string, tag: string, entries: Array<{ image: BuiltImage; architecture: string; variant?: string }>, pushOptions: { docker?: boolean } = {}): Promise<string> => {
    const manifests = [];
    for (const entry of entries) {
      const pushed = await pushImage(name, `${tag}-${entry.architecture}${entry.variant ?? ''}`, entry.image, pushOptions);
      manifests.push({
        mediaType: pushOptions.docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json',
        digest: pushed.digest, size: pushed.manifest.length,
        platform: { os: 'linux', architecture: entry.architecture, ...(entry.variant ? { variant: entry.variant } : {}) },
      });
    }
    const mediaType = pushOptions.docker ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json';
    return pushManifest(name, tag, Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests })), mediaType);
  };
  const blobDataPath = (digest: string): string => {
    const hex = digest.slice('sha256:'.length);
    return path.join(storage, 'docker', 'registry', 'v2', 'blobs', 'sha256', hex.slice(0, 2), hex, 'data');
  };
  return { url: base, address: `127.0.0.1:${port}`, caPem, tokenRequests, pushBlob, pushManifest, pushImage, pushIndex, blobDataPath, stop };
}


/** The same image as a Docker v2 schema 2 manifest (Docker media types). */
export function dockerManifestOf(image: BuiltImage): Buffer {
  return Buffer.from(JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
    config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: image.configDigest, size: image.config.length },
    layers: image.layers.map((l) => ({ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: l.blobDigest, size: l.blob.length })),
  }));
}
