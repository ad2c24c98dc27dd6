import { S3Client } from '@aws-sdk/client-s3';
import type { GuardpostConfig } from '../config.js';
import type { BlobStore } from './blob-store.js';
import { FsBlobStore } from './fs-blob-store.js';
import { parseS3Url, S3BlobStore, s3ClientConfig } from './s3-blob-store.js';

export interface OpenedBlobStore {
  blobs: BlobStore;
  /** Where blobs go, for logs and `/readyz` details (no credentials). */
  description: string;
  close(): void;
}

/** The blob store the configuration names: a directory (default) or an S3-compatible bucket. */
export function openBlobStore(config: Pick<GuardpostConfig, 'blobDir' | 'blobBackend' | 'env'>): OpenedBlobStore {
  if (config.blobBackend.kind === 'fs') return { blobs: new FsBlobStore(config.blobDir), description: `directory ${config.blobDir}`, close: () => undefined };
  const { bucket, prefix } = parseS3Url(config.blobBackend.url);
  const client = new S3Client(s3ClientConfig(config.env));
  const endpoint = config.env.GUARDPOST_S3_ENDPOINT ? ` at ${config.env.GUARDPOST_S3_ENDPOINT}` : '';
  return { blobs: new S3BlobStore({ bucket, prefix, client }), description: `bucket ${bucket}${prefix ? ` prefix ${prefix}` : ''}${endpoint}`, close: () => client.destroy() };
}
