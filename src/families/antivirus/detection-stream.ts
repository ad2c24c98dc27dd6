import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { JobContext } from '../../agent/handlers/handler.js';
import { uploadArtifactWithRetry } from '../../agent/handlers/upload-retry.js';
import { BATCH_CONTENT_TYPE, batchName, DETECTIONS_PER_BATCH, MAX_STREAMED_BATCHES } from './detection-batches.js';
import { MAX_DETECTIONS_STORED } from './domain.js';
import type { AvDetection } from './job-kind.js';

/**
 * The agent side of streamed detections (detection-batches.ts): collects a scan's detections and uploads them in
 * numbered batches, one upload at a time, when a batch is full or `flushAfterMs` after its first detection. A batch
 * whose upload fails for good is left to the final result. `uploaded` goes into the progress detail, which tells
 * the server that a new batch is there to store.
 */
export class DetectionStream {
  private pending: AvDetection[] = [];
  private taken = 0;
  private assigned = 0;
  private uploadedBatches = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: JobContext, private readonly flushAfterMs = 2000) {}

  /** Batches the server has accepted so far. */
  get uploaded(): number {
    return this.uploadedBatches;
  }

  add(detection: AvDetection): void {
    if (this.taken >= MAX_DETECTIONS_STORED) return;
    this.taken++;
    this.pending.push(detection);
    if (this.pending.length >= DETECTIONS_PER_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.flushAfterMs);
  }

  /** Waits for the uploads under way; with `flush`, uploads what is still pending first (a scan without a final result). */
  async close(flush: boolean): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (flush) this.flush();
    await this.chain;
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.pending.length > 0 && this.assigned < MAX_STREAMED_BATCHES) {
      const batch = this.pending.splice(0, DETECTIONS_PER_BATCH);
      const seq = ++this.assigned;
      this.chain = this.chain.then(() => this.upload(seq, batch));
    }
  }

  private async upload(seq: number, detections: AvDetection[]): Promise<void> {
    const name = batchName(seq);
    const file = path.join(this.ctx.workDir, name);
    try {
      await fsp.writeFile(file, JSON.stringify({ detections }), { mode: 0o600 });
      await uploadArtifactWithRetry(this.ctx, { name, file, contentType: BATCH_CONTENT_TYPE, attempts: 3 });
      this.uploadedBatches = seq;
    } catch (error) {
      this.ctx.log(`detection batch ${seq} was not uploaded (${(error as Error).message}); the final result carries it`);
    } finally {
      await fsp.rm(file, { force: true }).catch(() => undefined);
    }
  }
}
