import { ImageReadError } from './errors.js';

const BLOCK = 512;
/** PAX (x, g) and GNU long name / long link (L, K) headers: their bodies are metadata the tar parser buffers. */
const META_TYPES = new Set(['x', 'g', 'L', 'K']);

/** Where one real (non-metadata) entry's data sits in the uncompressed tar stream. */
export interface TarSpan {
  dataOffset: number;
  size: number;
}

/**
 * Reads tar headers itself (fed every chunk in order), ahead of the tar parser: it refuses metadata headers over the
 * limit before the parser buffers them (`header_too_large`), and records where each real entry's data sits
 * (used to reopen one member of an outer archive by byte range). Stops looking at the end-of-archive marker.
 */
export class TarGuard {
  readonly spans: TarSpan[] = [];
  private position = 0;
  private skip = 0;
  private header = Buffer.alloc(0);
  private done = false;

  constructor(
    private readonly maxHeaderBytes: number,
    private readonly recordSpans: boolean,
  ) {}

  /** Follows the header/data framing of one more chunk; throws `header_too_large`. */
  inspect(chunk: Buffer): void {
    let offset = 0;
    while (!this.done && offset < chunk.length) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, chunk.length - offset);
        this.skip -= step;
        offset += step;
        this.position += step;
        continue;
      }
      const step = Math.min(BLOCK - this.header.length, chunk.length - offset);
      this.header = Buffer.concat([this.header, chunk.subarray(offset, offset + step)]);
      offset += step;
      this.position += step;
      if (this.header.length === BLOCK) {
        this.onHeader(this.header);
        this.header = Buffer.alloc(0);
      }
    }
  }

  private onHeader(block: Buffer): void {
    if (block.every((b) => b === 0)) {
      this.done = true;
      return;
    }
    const size = parseSize(block.subarray(124, 136));
    if (size === null) {
      this.done = true; // the tar parser reports the bad header
      return;
    }
    const type = String.fromCharCode(block[156] ?? 0);
    if (META_TYPES.has(type) && size > this.maxHeaderBytes) {
      throw new ImageReadError('header_too_large', `tar ${type} header of ${size} bytes (limit ${this.maxHeaderBytes})`);
    }
    if (!META_TYPES.has(type) && this.recordSpans) this.spans.push({ dataOffset: this.position, size });
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** Tar size field: octal digits, or base-256 when the high bit of the first byte is set; null when neither. */
function parseSize(field: Buffer): number | null {
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return Number.isSafeInteger(value) ? value : null;
  }
  const text = field.toString('latin1').replace(/[\0 ]+/g, ' ').trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) return null;
  return parseInt(text, 8);
}
