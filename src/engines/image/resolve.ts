import { createHash } from 'node:crypto';
import type { ArchiveFiles } from './archive-files.js';
import { ImageReadError } from './errors.js';
import type { ImageLimits } from './limits.js';
import { parseDockerManifest, parseImageConfig, parseOciIndex, parseOciManifest, type ImageConfig, type OciDescriptor } from './schemas.js';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export const DEFAULT_PLATFORM: Platform = { os: 'linux', architecture: 'amd64' };

/** One layer as the image describes it, before it is read. */
export interface LayerRef {
  /** 0 = bottom. */
  index: number;
  /** The archive member holding the layer blob. */
  member: string;
  /** `sha256:…` of the uncompressed layer tar, from the config's `rootfs.diff_ids`. */
  diffId: string;
  /** `sha256:…` of the blob as stored (OCI descriptors); null when the format gives none (docker-archive). */
  blobDigest: string | null;
  mediaType: string | null;
  /** `created_by` of the layer's non-empty history entry ('' when history does not line up with the layers). */
  createdBy: string;
}

export interface ResolvedImage {
  format: 'docker-archive' | 'oci';
  /** The config digest `sha256:…`: the same for the docker-archive and the OCI form of one image. */
  imageId: string;
  config: ImageConfig;
  /** The config exactly as stored (the analyzers read ENV, labels and history from it). */
  configJson: unknown;
  repoTags: string[];
  layers: LayerRef[];
}

const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);
const LAYER_TYPES = new Set([
  'application/vnd.oci.image.layer.v1.tar',
  'application/vnd.oci.image.layer.v1.tar+gzip',
  'application/vnd.oci.image.layer.v1.tar+zstd',
  'application/vnd.oci.image.layer.nondistributable.v1.tar',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  'application/vnd.docker.image.rootfs.diff.tar',
  'application/vnd.docker.image.rootfs.diff.tar.gzip',
  'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
]);
const MAX_INDEX_DEPTH = 4;

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const blobMember = (digest: string): string => `blobs/sha256/${digest.slice('sha256:'.length)}`;

/** Reads the manifest and config of a docker-archive (manifest.json) or OCI layout (index.json). */
export async function resolveImage(files: ArchiveFiles, platform: Platform, limits: ImageLimits, repoTag?: string): Promise<ResolvedImage> {
  if (files.has('manifest.json')) return resolveDocker(files, limits, repoTag);
  if (files.has('index.json')) return resolveOci(files, platform, limits);
  throw new ImageReadError('unsupported_format', 'neither a docker-archive (manifest.json) nor an OCI layout (index.json)');
}

/** A docker-archive may hold several images (`docker save a b`): the first one, or the one tagged `repoTag`. */
async function resolveDocker(files: ArchiveFiles, limits: ImageLimits, repoTag?: string): Promise<ResolvedImage> {
  const manifest = parseDockerManifest(await files.read('manifest.json', limits.maxMetadataBytes), 'manifest.json');
  const entry = repoTag === undefined ? manifest[0] : manifest.find((m) => (m.RepoTags ?? []).includes(repoTag));
  if (!entry) throw new ImageReadError('unsupported_format', `the docker-archive holds no image tagged ${repoTag}`);
  const configBytes = await files.read(entry.Config, limits.maxMetadataBytes);
  const { config, configJson } = parseConfig(configBytes, entry.Layers.length, limits);
  const createdBy = layerHistory(config, entry.Layers.length);
  const layers = entry.Layers.map((member, index) => ({
    index,
    member,
    diffId: config.rootfs.diff_ids[index] as string,
    blobDigest: null,
    mediaType: null,
    createdBy: createdBy[index] ?? '',
  }));
  return { format: 'docker-archive', imageId: sha256(configBytes), config, configJson, repoTags: entry.RepoTags ?? [], layers };
}

async function resolveOci(files: ArchiveFiles, platform: Platform, limits: ImageLimits): Promise<ResolvedImage> {
  let index = parseOciIndex(await files.read('index.json', limits.maxMetadataBytes), 'index.json');
  let descriptor: OciDescriptor | undefined;
  for (let depth = 0; depth < MAX_INDEX_DEPTH; depth++) {
    descriptor = pickManifest(index.manifests, platform);
    if (!INDEX_TYPES.has(descriptor.mediaType ?? '')) break;
    index = parseOciIndex(await readBlob(files, descriptor, limits), `image index ${descriptor.digest}`);
    descriptor = undefined;
  }
  if (!descriptor) throw new ImageReadError('unsupported_format', `image indexes nested over ${MAX_INDEX_DEPTH} deep`);
  const manifest = parseOciManifest(await readBlob(files, descriptor, limits), `manifest ${descriptor.digest}`);
  const configBytes = await readBlob(files, manifest.config, limits);
  const { config, configJson } = parseConfig(configBytes, manifest.layers.length, limits);
  const createdBy = layerHistory(config, manifest.layers.length);
  const layers = manifest.layers.map((layer, i) => {
    if (layer.mediaType !== undefined && !LAYER_TYPES.has(layer.mediaType)) {
      throw new ImageReadError('unsupported_format', `layer ${i} has media type ${layer.mediaType}`);
    }
    return {
      index: i,
      member: blobMember(layer.digest),
      diffId: config.rootfs.diff_ids[i] as string,
      blobDigest: layer.digest,
      mediaType: layer.mediaType ?? null,
      createdBy: createdBy[i] ?? '',
    };
  });
  return { format: 'oci', imageId: manifest.config.digest, config, configJson, repoTags: [], layers };
}

/** The platform's manifest of an index; a lone manifest without a platform is taken as is. */
function pickManifest(manifests: OciDescriptor[], want: Platform): OciDescriptor {
  const matches = manifests.filter(
    (m) => m.platform && m.platform.os === want.os && m.platform.architecture === want.architecture && (want.variant === undefined || m.platform.variant === want.variant),
  );
  const chosen = matches[0] ?? (manifests.length === 1 && !manifests[0]?.platform ? manifests[0] : undefined);
  if (!chosen) {
    const offered = manifests.map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : '?')).join(', ');
    throw new ImageReadError('unsupported_format', `no manifest for ${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ''} (offered: ${offered || 'none'})`);
  }
  return chosen;
}

/** A small blob, checked against its descriptor's digest (`corrupt_layer` on mismatch). */
async function readBlob(files: ArchiveFiles, descriptor: OciDescriptor, limits: ImageLimits): Promise<Buffer> {
  const bytes = await files.read(blobMember(descriptor.digest), limits.maxMetadataBytes);
  if (sha256(bytes) !== descriptor.digest) throw new ImageReadError('corrupt_layer', `blob ${descriptor.digest} does not match its digest`);
  return bytes;
}

function parseConfig(bytes: Buffer, layerCount: number, limits: ImageLimits): { config: ImageConfig; configJson: unknown } {
  const config = parseImageConfig(bytes, 'image config');
  if (layerCount > limits.maxLayers) throw new ImageReadError('unsupported_format', `${layerCount} layers (limit ${limits.maxLayers})`);
  if (config.rootfs.diff_ids.length !== layerCount) {
    throw new ImageReadError('unsupported_format', `the manifest lists ${layerCount} layers, the config ${config.rootfs.diff_ids.length} diff_ids`);
  }
  return { config, configJson: JSON.parse(bytes.toString('utf8')) as unknown };
}

/** `created_by` per layer: the non-empty history entries line up with the layers, bottom first. */
function layerHistory(config: ImageConfig, layerCount: number): string[] {
  const entries = (config.history ?? []).filter((h) => h.empty_layer !== true);
  return entries.length === layerCount ? entries.map((h) => h.created_by ?? '') : [];
}
