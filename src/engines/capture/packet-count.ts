import type { Readable } from 'node:stream';
import { CaptureFormatError, CaptureParser } from './pcap-reader.js';

export interface StoredPacketCount {
  /** Complete packets before the end of the file, or before the first corrupt record. */
  packets: number;
  /** The file ends inside a record (a capture cut off mid-write). */
  truncated: boolean;
  /** Why counting stopped early, when the file is corrupt (not just cut off). */
  corrupt: string | null;
}

/**
 * Counts the packets of a stored pcap/pcapng stream without keeping any of them (memory is bounded by one
 * record, at most MAX_BLOCK_BYTES). A partial file from a lost agent counts its complete packets.
 */
export async function countCapturePackets(stream: Readable): Promise<StoredPacketCount> {
  const parser = new CaptureParser();
  try {
    for await (const chunk of stream) parser.push(chunk as Buffer);
  } catch (error) {
    stream.destroy();
    if (!(error instanceof CaptureFormatError)) throw error;
    return { packets: parser.summary.packets, truncated: false, corrupt: error.message };
  }
  const summary = parser.finish();
  return { packets: summary.packets, truncated: summary.truncated, corrupt: null };
}
