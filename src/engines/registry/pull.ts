import { createHash } from 'node:crypto';
import { createWriteStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { DEFAULT_PLATFORM, type Platform } from '../image/resolve.js';
import type { RegistryClient } from './client.js';
import { RegistryError, asRegistryError } from './errors.js';
import { readBounded } from './http.js';
import { MEDIA_TYPES, parseJsonObject, parseManifest, pickPlatform, sha256Digest, type Descriptor, type FetchedManifest } from './manifest.js';

export interface PullOptions {
  /** Picked from an OCI index / Docker manifest list (default linux/amd64). */
  platform?: Platform;
  signal?: AbortSignal;
}

export interface PulledImage {
  /** The OCI layout directory: `openImage(layoutDir)` reads it. */
  layoutDir: string;
  /** Digest of the image manifest pulled (for a multi-platform tag: the platform's manifest). */
  manifestDigest: string;
  /** Digest of the tag's top-level manifest or index (what `name@digest` names). */
  referenceDigest: string;
  /** The config digest: the reader's imageId. */
  imageId: string;
  /** Bytes of the config and every layer as stored. */
  totalBytes: number;
  platform: Platform | null;
}

const MAX_INDEX_DEPTH = 2;

/** The image manifest of a tag or digest, through an index / manifest list to the platform's entry. */
export async function resolveImageManifest(client: RegistryClient, name: string, reference: string, options: PullOptions = {}): Promise<{
  top: FetchedManifest; manifest: FetchedManifest; config: Descriptor; layers: Descriptor[]; platform: Platform | null;
}> {
  const want = options.platform ?? DEFAULT_PLATFORM;
  const top = await client.getManifest(name, reference, options.signal);
  let current = top;
  let platform: Platform | null = null;
  for (let depth = 0; depth <= MAX_INDEX_DEPTH; depth++) {
    const parsed = parseManifest(current.mediaType, parseJsonObject(current.bytes, `manifest ${current.digest}`), `${name}:${reference}`);
    if (parsed.kind === 'image') return { top, manifest: current, config: parsed.config, layers: parsed.layers, platform };
    const entry = pickPlatform(parsed.manifests, want, `${name}:${reference}`);
    platform = entry.platform ?? platform;
    current = await client.getManifest(name, entry.digest, options.signal);
  }
  throw new RegistryError('unsupported_format', `${name}:${reference}: indexes nested over ${MAX_INDEX_DEPTH} deep`);
}

/**
 * Pulls one image into a fresh OCI layout directory `layoutDir` (created; must not exist): the platform's
 * manifest, its config and every layer, each blob streamed to disk and verified against its digest and size.
 * Over `maxLayers` or `maxImageBytes` → image_oversized before a layer is fetched. On failure the
 * directory is removed.
 */
export async function pullImage(client: RegistryClient, name: string, reference: string, layoutDir: string, options: PullOptions = {}): Promise<PulledImage> {
  const { top, manifest, config, layers, platform } = await resolveImageManifest(client, name, reference, options);
  const { limits } = client;
  if (layers.length > limits.maxLayers) throw new RegistryError('image_oversized', `${layers.length} layers (limit ${limits.maxLayers})`);
  if (config.size > limits.maxConfigBytes) throw new RegistryError('image_oversized', `config is ${config.size} bytes (limit ${limits.maxConfigBytes})`);
  const totalBytes = layers.reduce((sum, l) => sum + l.size, config.size);
  if (totalBytes > limits.maxImageBytes) throw new RegistryError('image_oversized', `image is ${totalBytes} bytes (limit ${limits.maxImageBytes})`);

  await fsp.mkdir(layoutDir, { recursive: false });
  try {
    const blobs = path.join(layoutDir, 'blobs', 'sha256');
    await fsp.mkdir(blobs, { recursive: true });
    await writeBlobFile(blobs, manifest.digest, manifest.bytes);
    const configRes = await client.openBlob(name, config.digest, options.signal);
    const configBytes = await readBounded(configRes, config.size, `config ${config.digest}`);
    if (configBytes.length !== config.size || sha256Digest(configBytes) !== config.digest) {
      throw new RegistryError('digest_mismatch', `config blob does not match ${config.digest}`);
    }
    await writeBlobFile(blobs, config.digest, configBytes);
    const written = new Set<string>([manifest.digest, config.digest]);
    for (const layer of layers) {
      if (written.has(layer.digest)) continue;
      await downloadBlob(client, name, layer, blobs, options.signal);
      written.add(layer.digest);
    }
    const refName = reference.startsWith('sha256:') ? undefined : reference;
    const index = {
      schemaVersion: 2,
      mediaType: MEDIA_TYPES.ociIndex,
      manifests: [{
        mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length,
        ...(refName ? { annotations: { 'org.opencontainers.image.ref.name': refName } } : {}),
      }],
    };
    await fsp.writeFile(path.join(layoutDir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    await fsp.writeFile(path.join(layoutDir, 'index.json'), JSON.stringify(index));
    return { layoutDir, manifestDigest: manifest.digest, referenceDigest: top.digest, imageId: config.digest, totalBytes, platform };
  } catch (err) {
    await fsp.rm(layoutDir, { recursive: true, force: true });
    throw asRegistryError(err, `pull ${name}:${reference}`, options.signal);
  }
}

async function writeBlobFile(dir: string, digest: string, bytes: Buffer): Promise<void> {
  await fsp.writeFile(path.join(dir, digest.slice('sha256:'.length)), bytes, { flag: 'wx' });
}

/** Streams a layer to `<hex>.partial` while hashing; over its declared size or the wrong digest → digest_mismatch. */
async function downloadBlob(client: RegistryClient, name: string, layer: Descriptor, dir: string, signal?: AbortSignal): Promise<void> {
  const hex = layer.digest.slice('sha256:'.length);
  const partial = path.join(dir, `${hex}.partial`);
  const res = await client.openBlob(name, layer.digest, signal);
  const declared = Number(res.headers['content-length']);
  if (Number.isFinite(declared) && declared !== layer.size) {
    res.body.destroy();
    throw new RegistryError('digest_mismatch', `layer ${layer.digest} is served as ${declared} bytes, the manifest says ${layer.size}`);
  }
  const hash = createHash('sha256');
  let seen = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      if (seen > layer.size) { done(new RegistryError('digest_mismatch', `layer ${layer.digest} is longer than its ${layer.size} bytes`)); return; }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(res.body, meter, createWriteStream(partial, { flags: 'wx' }), { signal });
  } catch (err) {
    await fsp.rm(partial, { force: true });
    throw asRegistryError(err, `layer ${layer.digest}`, signal);
  }
  const actual = `sha256:${hash.digest('hex')}`;
  if (seen !== layer.size || actual !== layer.digest) {
    await fsp.rm(partial, { force: true });
    throw new RegistryError('digest_mismatch', `layer blob is ${actual} (${seen} bytes), expected ${layer.digest} (${layer.size} bytes)`);
  }
  await fsp.rename(partial, path.join(dir, hex));
}
