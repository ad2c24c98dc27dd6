import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream } from 'node:fs';
import { PassThrough, Transform, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';

/**
 * A streaming zip (yazl: deflated entries, data descriptors, ZIP64 records only where a size or
 * offset needs them, UTF-8 names). Entries are written one after another; the zip bytes are counted
 * and hashed on their way to `output`, which is ended when the zip is.
 */
export class ZipWriter {
  private readonly zip = new yazl.ZipFile();
  private readonly hash = createHash('sha256');
  private bytes = 0;
  private readonly count: Transform;
  private readonly done: Promise<void>;
  /** Rejects when the output pipeline fails; lets a writer waiting for 'drain' stop waiting. */
  private readonly failed: Promise<never>;
  readonly entries: string[] = [];
  /** Set when the output pipeline has failed. */
  failure: Error | null = null;

  constructor(
    output: Writable,
    private readonly mtime: Date,
    private readonly forceZip64 = false,
  ) {
    this.count = new Transform({
      transform: (chunk: Buffer, _encoding, callback) => {
        this.hash.update(chunk);
        this.bytes += chunk.length;
        callback(null, chunk);
      },
    });
    this.done = pipeline(this.zip.outputStream, this.count, output);
    this.done.catch((error: unknown) => {
      this.failure = error instanceof Error ? error : new Error(String(error));
    });
    this.failed = this.done.then(() => new Promise<never>(() => undefined));
    this.failed.catch(() => undefined);
  }

  /** Opens the next entry; write with `write`, close with `endEntry` before opening another. */
  openEntry(name: string): PassThrough {
    const entry = new PassThrough();
    this.zip.addReadStream(entry, name, { mtime: this.mtime, compress: true, forceZip64Format: this.forceZip64 });
    this.entries.push(name);
    return entry;
  }

  /** Writes and, when the entry's buffer is full, waits until the zip has taken it (backpressure). */
  async write(entry: Writable, chunk: string | Buffer): Promise<void> {
    if (!entry.write(chunk)) await Promise.race([once(entry, 'drain'), this.failed]);
  }

  async endEntry(entry: Writable): Promise<void> {
    entry.end();
    await Promise.race([once(entry, 'finish'), this.failed]);
  }

  /** Adds a finished file from disk as the next entry (read when its turn comes). */
  addFile(path: string, name: string): void {
    const options = { mtime: this.mtime, compress: true, forceZip64Format: this.forceZip64 };
    this.zip.addReadStreamLazy(name, options, (callback) => callback(null, createReadStream(path)));
    this.entries.push(name);
  }

  async finish(): Promise<{ bytes: number; sha256: string }> {
    this.zip.end({ forceZip64Format: this.forceZip64, comment: '' });
    await this.done;
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  /** Stops after an error: the output is destroyed, no central directory is written. */
  async abort(error: Error): Promise<void> {
    this.count.destroy(error);
    await this.done.catch(() => undefined);
  }
}
