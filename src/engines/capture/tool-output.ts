import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Reading what a capture tool prints: bounded stderr, its final statistics, write-error messages. */

const STDERR_HEAD = 4 * 1024;
const STDERR_TAIL = 12 * 1024;

/** Keeps the first and last few KiB of a stream. */
export class BoundedText {
  private head = '';
  private tail = '';
  private dropped = 0;

  add(text: string): void {
    if (this.head.length < STDERR_HEAD) {
      const room = STDERR_HEAD - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
    }
    if (!text) return;
    this.tail += text;
    if (this.tail.length > STDERR_TAIL) {
      this.dropped += this.tail.length - STDERR_TAIL;
      this.tail = this.tail.slice(this.tail.length - STDERR_TAIL);
    }
  }

  toString(): string {
    return this.dropped > 0 ? `${this.head}\n[… ${this.dropped} characters omitted …]\n${this.tail}` : this.head + this.tail;
  }
}

export const WRITE_ERROR_RE =
  /No space left on device|ENOSPC|Disk quota exceeded|EDQUOT|File too large|EFBIG|Read-only file system|Input\/output error|couldn't be written|could not be written|error writing|write error/i;

/** Kernel drop counts from dumpcap's or tcpdump's final statistics. */
export function parseKernelDrops(stderr: string): number | undefined {
  let found = false;
  let total = 0;
  for (const m of stderr.matchAll(/received\/dropped on interface '[^'\n]*': (\d+)\/(\d+)/g)) {
    found = true;
    total += Number(m[2]);
  }
  if (found) return total;
  const t = /(\d+) packets? dropped by kernel/.exec(stderr);
  return t ? Number(t[1]) : undefined;
}

/** The number of packets the tool says it wrote ("Packets captured: N" / "N packets captured"). */
export function parseToolPacketCount(stderr: string): number | undefined {
  const d = /Packets captured: (\d+)/.exec(stderr);
  if (d) return Number(d[1]);
  const t = /^(\d+) packets? captured/m.exec(stderr);
  return t ? Number(t[1]) : undefined;
}

export async function freeSpaceNote(file: string): Promise<string> {
  try {
    const fs = await statfs(dirname(file));
    const free = fs.bavail * fs.bsize;
    return free < 1024 * 1024 ? ` (${free} bytes free on the output file system)` : '';
  } catch {
    return '';
  }
}
