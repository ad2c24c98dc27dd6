import { createReadStream } from 'node:fs';
import type { CapturedPacket, CaptureParserOptions, CaptureSummary } from './pcap-format.js';
import { CaptureParser } from './pcap-parser.js';

/** File helpers over the push parser (pcap-parser.ts): in-memory buffers, paths and byte streams. */
export * from './pcap-format.js';
export { CaptureParser } from './pcap-parser.js';

/** Parse a whole in-memory capture. */
export function parseCaptureBuffer(
  data: Uint8Array,
  opts: CaptureParserOptions = {},
): { packets: CapturedPacket[]; summary: CaptureSummary } {
  const parser = new CaptureParser(opts);
  const packets: CapturedPacket[] = [];
  parser.push(data, (p) => packets.push(p));
  return { packets, summary: parser.finish() };
}

export type CaptureSource = string | AsyncIterable<Uint8Array>;

function open(source: CaptureSource): AsyncIterable<Uint8Array> {
  return typeof source === 'string' ? createReadStream(source, { highWaterMark: 64 * 1024 }) : source;
}

/**
 * Streams the packets of a capture file (or any byte stream). `summary` is set once iteration has
 * run to the end.
 *
 *   const reader = new CaptureFileReader(path);
 *   for await (const packet of reader) { … }
 *   reader.summary?.truncated
 */
export class CaptureFileReader implements AsyncIterable<CapturedPacket> {
  summary: CaptureSummary | null = null;

  constructor(
    private readonly source: CaptureSource,
    private readonly opts: CaptureParserOptions = {},
  ) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<CapturedPacket, void, undefined> {
    const parser = new CaptureParser(this.opts);
    for await (const chunk of open(this.source)) {
      const batch: CapturedPacket[] = [];
      parser.push(chunk, (p) => batch.push(p));
      yield* batch;
    }
    this.summary = parser.finish();
  }
}

/** Counts a capture file without keeping packets. */
export async function summarizeCaptureFile(source: CaptureSource, opts: CaptureParserOptions = {}): Promise<CaptureSummary> {
  const parser = new CaptureParser(opts);
  for await (const chunk of open(source)) parser.push(chunk);
  return parser.finish();
}

/** Reads a capture file keeping at most `maxPackets` packets (default 100 000); the summary counts all. */
export async function readCaptureFile(
  source: CaptureSource,
  opts: CaptureParserOptions & { maxPackets?: number } = {},
): Promise<{ packets: CapturedPacket[]; summary: CaptureSummary }> {
  const max = opts.maxPackets ?? 100_000;
  const parser = new CaptureParser(opts);
  const packets: CapturedPacket[] = [];
  for await (const chunk of open(source)) {
    parser.push(chunk, (p) => {
      if (packets.length < max) packets.push({ ...p, data: Buffer.from(p.data) });
    });
  }
  return { packets, summary: parser.finish() };
}
