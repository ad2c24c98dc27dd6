import { open } from 'node:fs/promises';
import { CaptureParser, type CaptureSummary } from './pcap-reader.js';

/** Follows a growing capture file incrementally with one CaptureParser. */
export class FileFollower {
  private parser = new CaptureParser();
  private offset = 0;
  parseError: Error | null = null;
  size = 0;
  exists = false;

  constructor(private readonly path: string) {}

  get summary(): CaptureSummary {
    return this.parser.summary;
  }

  async poll(): Promise<void> {
    let fh;
    try {
      fh = await open(this.path, 'r');
    } catch {
      return; // not created yet
    }
    try {
      this.exists = true;
      const { size } = await fh.stat();
      this.size = size;
      if (size < this.offset) {
        // Rewritten from scratch (should not happen): start over.
        this.parser = new CaptureParser();
        this.offset = 0;
        this.parseError = null;
      }
      if (this.parseError) return;
      const buf = Buffer.allocUnsafe(Math.min(1 << 20, Math.max(1, size - this.offset)));
      while (this.offset < size) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - this.offset), this.offset);
        if (bytesRead === 0) break;
        this.offset += bytesRead;
        try {
          this.parser.push(buf.subarray(0, bytesRead));
        } catch (err) {
          this.parseError = err instanceof Error ? err : new Error(String(err));
          return;
        }
      }
    } finally {
      await fh.close();
    }
  }

  finish(): CaptureSummary | null {
    if (!this.exists || this.parseError) return null;
    return this.parser.finish();
  }
}
