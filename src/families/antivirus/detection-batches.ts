import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { MAX_DETECTIONS_STORED } from './domain.js';
import { AvDetectionSchema, type AvDetection } from './job-kind.js';

/**
 * Detections streamed while a scan runs: the agent uploads them as numbered artifacts of the host's job
 * (`av-detections-000001.json`, …), each `{ "detections": [...] }` with at most DETECTIONS_PER_BATCH entries, one
 * upload at a time; the server stores each batch as result rows as soon as it sees it (results-ingest.ts). The final
 * job result still carries every detection; rows are unique per job + path + signature, so nothing is stored twice.
 */

export const DETECTIONS_PER_BATCH = 50;
/** Batches one job may stream (together they hold every detection a host's scan stores). */
export const MAX_STREAMED_BATCHES = Math.ceil(MAX_DETECTIONS_STORED / DETECTIONS_PER_BATCH);
export const MAX_BATCH_BYTES = 1024 * 1024;
export const BATCH_CONTENT_TYPE = 'application/json';

const NAME = /^av-detections-(\d{6})\.json$/;

export function batchName(seq: number): string {
  return `av-detections-${String(seq).padStart(6, '0')}.json`;
}

/** The batch number of an artifact name, or null when it is no (valid) detection batch. */
export function batchSeq(name: string): number | null {
  const m = NAME.exec(name);
  const seq = m ? Number(m[1]) : 0;
  return seq >= 1 && seq <= MAX_STREAMED_BATCHES ? seq : null;
}

const BatchSchema = Type.Object({ detections: Type.Array(AvDetectionSchema, { maxItems: DETECTIONS_PER_BATCH }) }, { additionalProperties: false });
const checkBatch = Compile(BatchSchema);

/** The detections of a batch's bytes, or null when they are not a valid batch. */
export function decodeBatch(bytes: Buffer): AvDetection[] | null {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return null;
  }
  return checkBatch.Check(value) ? value.detections : null;
}
