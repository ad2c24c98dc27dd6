import fs from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { formatBytes } from './output.js';
import { ProgressReporter, type ProgressStream } from './progress.js';

export interface DownloadResult { file: string; bytes: number; seconds: number }

/**
 * Saves `url` to `file` (through `file.part`, renamed at the end, so a failed download leaves no half file),
 * with a bar of bytes / Content-Length on a terminal.
 */
export async function downloadToFile(url: string, file: string, progressStream: ProgressStream = process.stderr): Promise<DownloadResult> {
  const started = Date.now();
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new Error(`download failed: HTTP ${response.status} ${(await response.text()).slice(0, 300)}`);
  const header = Number(response.headers.get('content-length'));
  const total = Number.isFinite(header) && header > 0 ? header : undefined;
  const progress = new ProgressReporter(progressStream);
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      bytes += chunk.length;
      const label = total === undefined ? formatBytes(bytes) : `${formatBytes(bytes)} / ${formatBytes(total)}`;
      if (progressStream.isTTY) progress.update({ fraction: total === undefined ? undefined : bytes / total, label });
      callback(null, chunk);
    },
  });
  const partial = `${file}.part`;
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), counter, fs.createWriteStream(partial));
    fs.renameSync(partial, file);
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  }
  const seconds = (Date.now() - started) / 1000;
  if (progressStream.isTTY) progress.done(`downloaded ${formatBytes(bytes)}`);
  return { file, bytes, seconds };
}
