import { Type, type Static } from 'typebox';
import { defineJobKind } from '../../core/job-kind.js';
import { IMAGE_LOCAL_SCAN_JOB, IMAGE_SCAN_JOB } from './domain.js';

/**
 * `image-scan` (server, any replica): scans the stored archive of one image row in the scan process and stores
 * its report. `image-local-scan` (agent): the agent finds archives and OCI layouts in its `--image-dirs`,
 * scans them and uploads one gzipped NDJSON report per image (`report-N.ndjson.gz`); the server stores them.
 */

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Id = Type.String({ minLength: 1, maxLength: 64 });

export const imageScanJobKind = defineJobKind({
  name: IMAGE_SCAN_JOB,
  version: 1,
  runsOn: 'server',
  payload: Type.Object({ image_row: Id }, { additionalProperties: false }),
  result: Type.Object({
    scan_status: Type.String({ maxLength: 32 }), scan_failed_desc: Type.String({ maxLength: 64 }),
    rows: Type.Record(Type.String({ maxLength: 32 }), Count),
  }, { additionalProperties: false }),
  capability: Type.Object({}, { additionalProperties: false }),
});

const Digest = Type.String({ pattern: '^sha256:[a-f0-9]{64}$' });

export const LocalScanImage = Type.Object({
  image_id: Digest,
  image_name: Type.String({ maxLength: 256 }),
  image_version: Type.String({ maxLength: 256 }),
  path: Type.String({ maxLength: 4096 }),
  size: Count,
  /** The artifact holding its report; absent when the scan failed. */
  report: Type.Optional(Type.String({ pattern: '^report-[0-9]{1,4}\\.ndjson\\.gz$' })),
  scan_failed_desc: Type.Optional(Type.String({ maxLength: 64 })),
}, { additionalProperties: false });
export type LocalScanImage = Static<typeof LocalScanImage>;

export const imageLocalScanJobKind = defineJobKind({
  name: IMAGE_LOCAL_SCAN_JOB,
  version: 1,
  runsOn: 'agent',
  payload: Type.Object({
    /** Only these images (config digests); every image found when absent. */
    image_ids: Type.Optional(Type.Array(Digest, { maxItems: 500 })),
  }, { additionalProperties: false }),
  result: Type.Object({
    images: Type.Array(LocalScanImage, { maxItems: 1000 }),
    /** Candidates not scanned (the bound was reached). */
    skipped: Count,
  }, { additionalProperties: false }),
  capability: Type.Object({
    image_dirs: Type.Array(Type.String({ minLength: 1, maxLength: 4096 }), { minItems: 1, maxItems: 64 }),
    clamd: Type.Boolean(),
  }, { additionalProperties: false }),
});

export type LocalScanPayload = Static<typeof imageLocalScanJobKind.payload>;
export type LocalScanResult = Static<typeof imageLocalScanJobKind.result>;

export const IMAGE_JOB_KINDS = [imageScanJobKind, imageLocalScanJobKind];
void Id;
