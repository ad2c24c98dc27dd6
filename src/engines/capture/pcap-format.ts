/** Types and constants shared by the capture-file reader (pcap-reader.ts) and the packet decoder (packet-decoder.ts). */

export const LINKTYPE = {
  NULL: 0,
  EN10MB: 1,
  RAW: 101,
  LOOP: 108,
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

/** Hard bound for any block / record length field (the brief: reject anything above 256 MiB). */
export const MAX_BLOCK_BYTES = 256 * 1024 * 1024;

export interface CapturedPacket {
  /** Capture time, epoch milliseconds (fractional below the millisecond). */
  ts: number;
  /** Bytes present in the file. */
  caplen: number;
  /** Bytes on the wire. */
  origLen: number;
  linktype: number;
  /** pcapng interface index (always 0 for classic pcap). */
  interfaceId: number;
  data: Buffer;
}

export interface CaptureSummary {
  format: 'pcap' | 'pcapng' | null;
  /** Byte order of the file (of the last section for pcapng); null before a header was read. */
  bigEndian: boolean | null;
  packets: number;
  /** Sum of on-wire lengths. */
  bytes: number;
  /** Sum of captured lengths. */
  capturedBytes: number;
  /** Distinct link types declared by the file (header / interface blocks), ascending. */
  linktypes: number[];
  /** The file ended inside a header or record (or had no header at all); complete packets are counted. */
  truncated: boolean;
  firstTs: number | null;
  lastTs: number | null;
  /** pcapng interface-statistics `isb_ifdrop`, summed over interfaces (last value each); null when absent. */
  interfaceDrops: number | null;
}

export class CaptureFormatError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} (at byte ${offset})`);
    this.name = 'CaptureFormatError';
  }
}

export interface CaptureParserOptions {
  /** Largest accepted block / record, bytes (default and maximum 256 MiB). */
  maxBlockBytes?: number;
}
