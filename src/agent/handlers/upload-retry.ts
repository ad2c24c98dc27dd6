import type { JobContext } from './handler.js';

/**
 * Uploads a job's artifact so that it survives a server restart mid-upload (e.g. `guardpost start` killed and
 * started again): retried with exponential back-off, at most `attempts` times; a 4xx answer is final, and so is
 * an aborted job when `untilAborted` (a capture's final pcap is uploaded after its stop, so it keeps trying).
 */
export async function uploadArtifactWithRetry(ctx: JobContext, artifact: {
  name: string; file: string; contentType: string; attempts: number; untilAborted?: boolean;
}): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await ctx.uploadArtifact(artifact.name, artifact.file, artifact.contentType);
      return;
    } catch (error) {
      const status = (error as { status?: unknown }).status;
      if (attempt >= artifact.attempts || (artifact.untilAborted === true && ctx.signal.aborted) || (typeof status === 'number' && status < 500)) throw error;
      ctx.log(`${artifact.name} upload failed (${(error as Error).message}); retrying`);
      await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
    }
  }
}
