import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

/** Builds real image archives in code for the image reader tests (not a test file itself). */

export interface EntrySpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

export interface LayerSpec {
  entries: EntrySpec[];
  compression?: 'gzip' | 'zstd' | 'none';
  createdBy?: string;
  /** Replaces the stored blob (after digests were computed from the real one): corrupt layers. */
  tamper?: (blob: Buffer) => Buffer;
}

export interface BuiltLayer {
  tar: Buffer;
  blob: Buffer;
  diffId: string;
  blobDigest: string;
  mediaType: string;
}

export interface BuiltImage {
  config: Buffer;
  configDigest: string;
  layers: BuiltLayer[];
  /** Extra blobs (manifests, indexes) by digest, for OCI layouts. */
  manifest: Buffer;
  manifestDigest: string;
}

export const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const hex = (digest: string): string => digest.slice('sha256:'.length);

export async function tarOf(entries: EntrySpec[]): Promise<Buffer> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  const done = (async () => {
    for await (const chunk of pack) chunks.push(Buffer.from(chunk as Uint8Array));
  })();
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? Buffer.from(e.content ?? '') : Buffer.alloc(0);
    await new Promise<void>((resolve, reject) => {
      pack.entry({ name: e.name, type, linkname: e.linkname, mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644), mtime: new Date(0) }, body, (err) => (err ? reject(err) : resolve()));
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function zstd(bytes: Buffer): Buffer {
  return execFileSync('zstd', ['-q', '-c', '-3'], { input: bytes, maxBuffer: 1024 * 1024 * 1024 });
}

function compress(tar: Buffer, kind: LayerSpec['compression']): { blob: Buffer; mediaType: string } {
  if (kind === 'zstd') return { blob: zstd(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd' };
  if (kind === 'none') return { blob: tar, mediaType: 'application/vnd.oci.image.layer.v1.tar' };
  return { blob: gzipSync(tar), mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip' };
}

export async function buildImage(specs: LayerSpec[], options: { architecture?: string; env?: string[]; runtime?: Record<string, unknown> } = {}): Promise<BuiltImage> {
  const layers: BuiltLayer[] = [];
  for (const spec of specs) {
    const tar = await tarOf(spec.entries);
    const { blob, mediaType } = compress(tar, spec.compression);
    const stored = spec.tamper ? spec.tamper(blob) : blob;
    layers.push({ tar, blob: stored, diffId: sha256(tar), blobDigest: sha256(blob), mediaType });
  }
  const history = specs.flatMap((s, i) => [
    { created: '2026-01-01T00:00:00Z', created_by: s.createdBy ?? `layer ${i}` },
    { created: '2026-01-01T00:00:00Z', created_by: `/bin/sh -c #(nop)  LABEL step=${i}`, empty_layer: true },
  ]);
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? 'amd64',
      os: 'linux',
      config: { Env: options.env ?? ['PATH=/usr/bin:/bin'], Cmd: ['/bin/sh'], ...options.runtime },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      history,
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.blobDigest, size: l.blob.length })),
    }),
  );
  return { config, configDigest: sha256(config), layers, manifest, manifestDigest: sha256(manifest) };
}

/** `docker save` before Docker 25: `<id>/layer.tar` (uncompressed), `<config hex>.json`, `manifest.json`. */
export async function dockerArchive(image: BuiltImage, file: string, options: { compressLayers?: boolean } = {}): Promise<void> {
  const entries: EntrySpec[] = [];
  const members: string[] = [];
  image.layers.forEach((layer, i) => {
    const id = createHash('sha256').update(`layer-id-${i}-${layer.diffId}`).digest('hex');
    entries.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/VERSION`, content: '1.0' });
    entries.push({ name: `${id}/layer.tar`, content: options.compressLayers ? layer.blob : layer.tar });
    members.push(`${id}/layer.tar`);
  });
  entries.push({ name: `${hex(image.configDigest)}.json`, content: image.config });
  entries.push({ name: 'manifest.json', content: JSON.stringify([{ Config: `${hex(image.configDigest)}.json`, RepoTags: ['test/image:1'], Layers: members }]) });
  writeFileSync(file, await tarOf(entries));
}

/** The members of an OCI layout: oci-layout, index.json, blobs/sha256/… */
function layoutMembers(image: BuiltImage, index?: Buffer, extraBlobs: Buffer[] = []): EntrySpec[] {
  const indexJson =
    index ??
    Buffer.from(JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifest.length }] }));
  const blobs = [image.manifest, image.config, ...image.layers.map((l) => l.blob), ...extraBlobs];
  const byDigest = new Map<string, Buffer>();
  blobs.forEach((b, i) => byDigest.set(i >= 2 && i < 2 + image.layers.length ? (image.layers[i - 2] as BuiltLayer).blobDigest : sha256(b), b));
  return [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    { name: 'index.json', content: indexJson },
    ...[...byDigest].map(([digest, b]) => ({ name: `blobs/sha256/${hex(digest)}`, content: b })),
  ];
}

export async function ociArchive(image: BuiltImage, file: string, index?: Buffer, extraBlobs: Buffer[] = []): Promise<void> {
  writeFileSync(file, await tarOf(layoutMembers(image, index, extraBlobs)));
}

export function ociLayout(image: BuiltImage, dir: string, index?: Buffer, extraBlobs: Buffer[] = []): void {
  for (const member of layoutMembers(image, index, extraBlobs)) {
    const target = path.join(dir, member.name);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, member.content ?? '');
  }
}
