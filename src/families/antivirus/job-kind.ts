import { Type, type Static } from 'typebox';
import { defineJobKind } from '../../core/job-kind.js';
import { MAX_DETECTIONS_STORED, MAX_DIR_LENGTH, MAX_DIRS } from './domain.js';

/**
 * The `av-scan` job: one per host of a task, run by the host's agent with the antivirus engine (its clamd).
 * Payload: what to scan (quick/full: the engine's host roots; custom: `roots`), what to leave out and the limits.
 * Progress detail: the walk's true counts while it runs. Result: the final counts and the detections (bounded).
 */

const Count = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Dir = Type.String({ minLength: 1, maxLength: MAX_DIR_LENGTH, pattern: '^/' });
const Dirs = Type.Array(Dir, { maxItems: MAX_DIRS });

/** One detection with the file's metadata, as the agent reports it (final result and streamed batches). */
export const AvDetectionSchema = Type.Object({
  path: Type.String({ maxLength: MAX_DIR_LENGTH * 2 }),
  signature: Type.String({ maxLength: 512 }),
  sha256: Type.String({ maxLength: 64 }),
  size: Count,
  mode: Type.String({ maxLength: 16 }),
  owner: Type.String({ maxLength: 64 }),
  mtime_ms: Count,
  ctime_ms: Count,
  found_at: Count,
}, { additionalProperties: false });

export const avScanJobKind = defineJobKind({
  name: 'av-scan',
  version: 1,
  runsOn: 'agent',
  payload: Type.Object({
    scan_type: Type.Union([Type.Literal('quick'), Type.Literal('full'), Type.Literal('custom')]),
    /** Only for `custom` (at least one); quick and full use the host's own roots. */
    roots: Dirs,
    ignore_dirs: Dirs,
    /** `file_types` codes (empty or containing 0: every file). */
    file_types: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { maxItems: 7 }),
    /** Larger files are skipped unread (not counted in scanned files). */
    max_file_size: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 * 1024 * 1024 * 1024 })),
  }, { additionalProperties: false }),
  result: Type.Object({
    total_files: Count,
    scanned_files: Count,
    scanned_bytes: Count,
    detections_count: Count,
    skipped_too_large: Count,
    unreadable_files: Count,
    filtered_out: Count,
    scan_errors: Count,
    duration_ms: Count,
    detections: Type.Array(AvDetectionSchema, { maxItems: MAX_DETECTIONS_STORED }),
    detections_truncated: Type.Boolean(),
  }, { additionalProperties: false }),
  capability: Type.Object({
    engine: Type.Literal('clamd'),
    /** False when clamd or a usable signature database is missing; `reason` says which. */
    available: Type.Boolean(),
    reason: Type.String({ maxLength: 500 }),
  }, { additionalProperties: false }),
});

export type AvScanPayload = Static<typeof avScanJobKind.payload>;
export type AvScanResult = Static<typeof avScanJobKind.result>;
export type AvDetection = AvScanResult['detections'][number];

/** What the handler reports with each progress call (read back by the server's progress sweep). */
export interface AvScanProgressDetail {
  files_done: number;
  files_total: number;
  scanned_files: number;
  bytes: number;
  detections: number;
  percent: number;
  elapsed_ms: number;
  /** Detection batches uploaded so far (see detection-batches.ts); absent from agents that do not stream. */
  streamed_batches?: number;
}
