import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { BlobStore } from '../../blobs/blob-store.js';
import { RegistryError } from '../../engines/registry/index.js';
import type { ImageConfig } from './config.js';
import { pullRegistryImage, RegistryImageNotFound, type RegistryStore } from './registries/index.js';
import type { RegistryScans } from './registry-scans.js';
import type { ImageRow } from './tables.js';

/**
 * Puts the image an `image-scan` job scans into its private directory: a CI/CD row's stored archive is copied,
 * a registry row's image is pulled over the Registry v2 API with the registry's sealed credentials into an OCI
 * layout (bounded by the largest upload and the scan's wall time; aborted with the job). A pull failure is the
 * registry client's typed code (`authentication_failed`, `not_found`, `digest_mismatch`, `image_oversized`,
 * `unsupported_format`, `registry_unreachable`, `timeout`), which the image carries as its `scan_failed_desc`.
 */

export interface ScanSourceDeps {
  config: ImageConfig; blobs: BlobStore;
  registries?: RegistryStore; registryScans?: RegistryScans;
}

export type StagedImage = { ok: true; path: string; imageId: string } | { ok: false; code: string; message: string };

const NO_IMAGE = 'image_not_exist_or_docker_api_fault';

async function pullToLayout(deps: ScanSourceDeps, image: ImageRow, dir: string, signal: AbortSignal): Promise<StagedImage> {
  const { registries, registryScans } = deps;
  if (!registries || !registryScans) return { ok: false, code: NO_IMAGE, message: 'registries are not available on this server' };
  const bounded = AbortSignal.any([signal, AbortSignal.timeout(deps.config.scanTimeoutMs)]);
  try {
    const pulled = await pullRegistryImage(registries, image.project_id, Number(image.registry_image_id), path.join(dir, 'layout'), {
      signal: bounded, limits: { maxImageBytes: deps.config.maxUploadBytes },
    });
    await registryScans.pulled(image.id, pulled.imageId, pulled.manifestDigest);
    return { ok: true, path: pulled.layoutDir, imageId: pulled.imageId };
  } catch (error) {
    if (signal.aborted) throw error;
    if (error instanceof RegistryError) return { ok: false, code: error.code, message: error.message };
    if (error instanceof RegistryImageNotFound) return { ok: false, code: NO_IMAGE, message: error.message };
    throw error;
  }
}

export async function stageImage(deps: ScanSourceDeps, image: ImageRow, dir: string, signal: AbortSignal): Promise<StagedImage> {
  if (image.source === 'registry' && image.registry_image_id !== null) return pullToLayout(deps, image, dir, signal);
  const body = image.blob_key ? await deps.blobs.get(image.blob_key) : null;
  if (!body) return { ok: false, code: NO_IMAGE, message: 'the uploaded archive is gone' };
  const archive = path.join(dir, 'image.tar');
  await pipeline(body, createWriteStream(archive, { flags: 'wx', mode: 0o600 }), { signal });
  return { ok: true, path: archive, imageId: image.image_id };
}
