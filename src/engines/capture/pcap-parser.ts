import {
  CaptureFormatError,
  MAX_BLOCK_BYTES,
  type CapturedPacket,
  type CaptureParserOptions,
  type CaptureSummary,
} from './pcap-format.js';

/**
 * A bounded, streaming reader for capture files: classic pcap (micro- and nanosecond magic, either
 * byte order) and pcapng (SHB / IDB / EPB / SPB / OPB, ISB drop counters, either byte order, several
 * sections). It never holds more than one block plus one input chunk in memory, rejects absurd
 * length fields before allocating, and treats an incomplete final record (capture tool killed
 * mid-write) as `truncated`, not as an error.
 */

/** libpcap's and Wireshark's standard maximum packet size; classic pcap records beyond max(snaplen, this) are corrupt. */
const STANDARD_MAX_PACKET = 262144;
const MAX_INTERFACES = 65536;

interface PcapngInterface {
  linktype: number;
  snaplen: number;
  unitsPerSec: bigint;
  offsetSec: bigint;
}

type State = 'start' | 'pcap' | 'pcapng';
type PacketSink = (packet: CapturedPacket) => void;

/**
 * Push parser: feed chunks in order with push(); packets are handed to the callback as soon as
 * their record is complete. finish() returns the summary and marks a pending partial record as
 * truncated. Used directly to follow a growing file, and by the file helpers below.
 */
export class CaptureParser {
  private readonly maxBlock: number;
  private chunks: Buffer[] = [];
  private avail = 0;
  private need = 4;
  private offset = 0; // file offset of chunks[0][0]
  private state: State = 'start';
  private le = true;
  private nano = false;
  private pcapLinktype = 0;
  private pcapSnaplen = 0;
  private interfaces: PcapngInterface[] = [];
  private readonly linktypes = new Set<number>();
  private readonly drops = new Map<string, number>();
  private section = 0;
  private failed: Error | null = null;
  private finished = false;
  private s: CaptureSummary = {
    format: null,
    bigEndian: null,
    packets: 0,
    bytes: 0,
    capturedBytes: 0,
    linktypes: [],
    truncated: false,
    firstTs: null,
    lastTs: null,
    interfaceDrops: null,
  };

  constructor(opts: CaptureParserOptions = {}) {
    const max = opts.maxBlockBytes ?? MAX_BLOCK_BYTES;
    if (!Number.isInteger(max) || max < 64 || max > MAX_BLOCK_BYTES) {
      throw new RangeError(`maxBlockBytes must be an integer in 64..${MAX_BLOCK_BYTES}`);
    }
    this.maxBlock = max;
  }

  /** Bytes consumed so far (complete headers and records). */
  get consumedBytes(): number {
    return this.offset;
  }

  /** Running summary (truncated is only decided by finish()). */
  get summary(): CaptureSummary {
    return { ...this.s, linktypes: [...this.linktypes].sort((a, b) => a - b) };
  }

  /**
   * Feeds the next bytes. The parser copies what it keeps, so the caller may reuse `chunk`; a
   * packet's `data` handed to `onPacket` may point into `chunk`, so copy it if it must outlive the
   * caller's next write into that buffer.
   */
  push(chunk: Uint8Array, onPacket?: PacketSink): void {
    if (this.failed) throw this.failed;
    if (this.finished) throw new Error('CaptureParser: push() after finish()');
    if (chunk.byteLength === 0) return;
    this.avail += chunk.byteLength;
    if (this.avail < this.need) {
      // Kept across calls: copy, the caller may reuse its buffer.
      this.chunks.push(Buffer.from(chunk));
      return;
    }
    this.chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const buf = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks, this.avail);
    let pos = 0;
    try {
      for (;;) {
        const used = this.step(buf, pos, onPacket);
        if (used < 0) break;
        pos += used;
      }
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      throw this.failed;
    }
    this.offset += pos;
    const rest = buf.subarray(pos);
    // Copy the (partial-record) remainder: it may live in the caller's buffer, and copying lets a
    // big concatenated buffer be released.
    this.chunks = rest.length === 0 ? [] : [Buffer.from(rest)];
    this.avail = rest.length;
  }

  finish(): CaptureSummary {
    if (this.failed) throw this.failed;
    this.finished = true;
    this.s.truncated = this.avail > 0 || this.s.format === null;
    return this.summary;
  }

  // --- parsing ---------------------------------------------------------------------------------

  private fail(message: string, pos: number): never {
    throw new CaptureFormatError(message, this.offset + pos);
  }

  private u16(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt16LE(at) : buf.readUInt16BE(at);
  }

  private u32(buf: Buffer, at: number): number {
    return this.le ? buf.readUInt32LE(at) : buf.readUInt32BE(at);
  }

  private u64(buf: Buffer, at: number): bigint {
    return this.le ? buf.readBigUInt64LE(at) : buf.readBigUInt64BE(at);
  }

  /** Consumes one unit at `pos`; returns bytes used (0 allowed for a state change) or -1 for "need more". */
  private step(buf: Buffer, pos: number, onPacket?: PacketSink): number {
    const avail = buf.length - pos;
    switch (this.state) {
      case 'start':
        return this.readStart(buf, pos, avail);
      case 'pcap':
        return this.readPcapRecord(buf, pos, avail, onPacket);
      case 'pcapng':
        return this.readPcapngBlock(buf, pos, avail, onPacket);
    }
  }

  private readStart(buf: Buffer, pos: number, avail: number): number {
    if (avail < 4) return this.want(4);
    const magic = buf.readUInt32BE(pos);
    if (magic === 0x0a0d0d0a) {
      this.state = 'pcapng';
      this.s.format = 'pcapng';
      return 0;
    }
    let le: boolean;
    let nano: boolean;
    switch (magic) {
      case 0xa1b2c3d4: le = false; nano = false; break;
      case 0xd4c3b2a1: le = true; nano = false; break;
      case 0xa1b23c4d: le = false; nano = true; break;
      case 0x4d3cb2a1: le = true; nano = true; break;
      default:
        return this.fail(`not a pcap or pcapng file (magic 0x${magic.toString(16).padStart(8, '0')})`, pos);
    }
    if (avail < 24) return this.want(24);
    this.le = le;
    this.nano = nano;
    const major = this.u16(buf, pos + 4);
    if (major !== 2) this.fail(`unsupported pcap version ${major}`, pos + 4);
    this.pcapSnaplen = this.u32(buf, pos + 16);
    this.pcapLinktype = this.u32(buf, pos + 20) & 0x03ffffff;
    this.linktypes.add(this.pcapLinktype);
    this.s.format = 'pcap';
    this.s.bigEndian = !le;
    this.state = 'pcap';
    return 24;
  }

  private want(n: number): number {
    this.need = n;
    return -1;
  }

  private readPcapRecord(buf: Buffer, pos: number, avail: number, onPacket?: PacketSink): number {
    if (avail < 16) return this.want(16);
    const caplen = this.u32(buf, pos + 8);
    const origLen = this.u32(buf, pos + 12);
    if (caplen > this.maxBlock || caplen > Math.max(this.pcapSnaplen, STANDARD_MAX_PACKET)) {
      this.fail(`pcap record length ${caplen} is larger than the snapshot length and the ${this.maxBlock}-byte bound`, pos + 8);
    }
    if (avail < 16 + caplen) return this.want(16 + caplen);
    const sec = this.u32(buf, pos);
    const frac = this.u32(buf, pos + 4);
    const ts = sec * 1000 + (this.nano ? frac / 1e6 : frac / 1e3);
    this.emit(ts, caplen, origLen, this.pcapLinktype, 0, buf.subarray(pos + 16, pos + 16 + caplen), onPacket);
    return 16 + caplen;
  }

  private readPcapngBlock(buf: Buffer, pos: number, avail: number, onPacket?: PacketSink): number {
    if (avail < 8) return this.want(8);
    const rawType = buf.readUInt32BE(pos);
    if (rawType === 0x0a0d0d0a) {
      // Section header: the byte-order magic decides the endianness of everything in the section.
      if (avail < 12) return this.want(12);
      const bom = buf.readUInt32BE(pos + 8);
      if (bom === 0x1a2b3c4d) this.le = false;
      else if (bom === 0x4d3c2b1a) this.le = true;
      else this.fail(`pcapng section header has a bad byte-order magic 0x${bom.toString(16)}`, pos + 8);
    }
    const type = this.u32(buf, pos);
    const len = this.u32(buf, pos + 4);
    if (len > this.maxBlock) this.fail(`pcapng block length ${len} exceeds the ${this.maxBlock}-byte bound`, pos + 4);
    if (len < 12 || len % 4 !== 0) this.fail(`pcapng block length ${len} is invalid`, pos + 4);
    if (avail < len) return this.want(len);
    const trailer = this.u32(buf, pos + len - 4);
    if (trailer !== len) this.fail(`pcapng block trailer length ${trailer} does not match ${len}`, pos + len - 4);
    const end = pos + len - 4; // options / body end
    switch (type) {
      case 0x0a0d0d0a:
        this.readSectionHeader(buf, pos, len);
        break;
      case 1:
        this.readInterface(buf, pos, len, end);
        break;
      case 6:
      case 2:
        this.readEnhancedPacket(buf, pos, len, type, onPacket);
        break;
      case 3:
        this.readSimplePacket(buf, pos, len, onPacket);
        break;
      case 5:
        this.readInterfaceStats(buf, pos, len, end);
        break;
      default:
        break; // name resolution, decryption secrets, custom, …: skipped
    }
    return len;
  }

  private readSectionHeader(buf: Buffer, pos: number, len: number): void {
    if (len < 28) this.fail(`pcapng section header block too short (${len})`, pos);
    const major = this.u16(buf, pos + 12);
    if (major !== 1) this.fail(`unsupported pcapng version ${major}`, pos + 12);
    this.interfaces = [];
    this.section += 1;
    this.s.bigEndian = !this.le;
  }

  private forEachOption(buf: Buffer, start: number, end: number, fn: (code: number, at: number, len: number) => void): void {
    let at = start;
    while (at + 4 <= end) {
      const code = this.u16(buf, at);
      const olen = this.u16(buf, at + 2);
      if (code === 0) return;
      const padded = (olen + 3) & ~3;
      if (at + 4 + padded > end) this.fail(`pcapng option ${code} (length ${olen}) overruns its block`, at);
      fn(code, at + 4, olen);
      at += 4 + padded;
    }
  }

  private readInterface(buf: Buffer, pos: number, len: number, end: number): void {
    if (len < 20) this.fail(`pcapng interface block too short (${len})`, pos);
    if (this.interfaces.length >= MAX_INTERFACES) this.fail(`more than ${MAX_INTERFACES} interfaces in one section`, pos);
    const iface: PcapngInterface = {
      linktype: this.u16(buf, pos + 8),
      snaplen: this.u32(buf, pos + 12),
      unitsPerSec: 1_000_000n,
      offsetSec: 0n,
    };
    this.forEachOption(buf, pos + 16, end, (code, at, olen) => {
      if (code === 9 && olen >= 1) {
        // if_tsresol: high bit clear → 10^-n s, set → 2^-n s.
        const v = buf[at] ?? 6;
        const exp = BigInt(v & 0x7f);
        if ((v & 0x80) === 0 && exp > 30n) this.fail(`pcapng if_tsresol 10^-${exp} is out of range`, at);
        iface.unitsPerSec = v & 0x80 ? 1n << exp : 10n ** exp;
      } else if (code === 14 && olen >= 8) {
        iface.offsetSec = this.le ? buf.readBigInt64LE(at) : buf.readBigInt64BE(at);
      }
    });
    this.interfaces.push(iface);
    this.linktypes.add(iface.linktype);
  }

  private iface(id: number, at: number): PcapngInterface {
    const iface = this.interfaces[id];
    if (!iface) return this.fail(`packet refers to undeclared interface ${id}`, at);
    return iface;
  }

  private readEnhancedPacket(buf: Buffer, pos: number, len: number, type: number, onPacket?: PacketSink): void {
    if (len < 32) this.fail(`pcapng packet block too short (${len})`, pos);
    const id = type === 6 ? this.u32(buf, pos + 8) : this.u16(buf, pos + 8);
    const iface = this.iface(id, pos + 8);
    const units = (BigInt(this.u32(buf, pos + 12)) << 32n) | BigInt(this.u32(buf, pos + 16));
    const caplen = this.u32(buf, pos + 20);
    const origLen = this.u32(buf, pos + 24);
    if (caplen > len - 32) this.fail(`pcapng packet captured length ${caplen} exceeds its block (${len})`, pos + 20);
    const seconds = units / iface.unitsPerSec;
    const rest = units % iface.unitsPerSec;
    const ts = Number(seconds + iface.offsetSec) * 1000 + (Number(rest) * 1000) / Number(iface.unitsPerSec);
    this.emit(ts, caplen, origLen, iface.linktype, id, buf.subarray(pos + 28, pos + 28 + caplen), onPacket);
  }

  private readSimplePacket(buf: Buffer, pos: number, len: number, onPacket?: PacketSink): void {
    if (len < 16) this.fail(`pcapng simple packet block too short (${len})`, pos);
    const iface = this.iface(0, pos);
    const origLen = this.u32(buf, pos + 8);
    let caplen = Math.min(origLen, len - 16);
    if (iface.snaplen > 0) caplen = Math.min(caplen, iface.snaplen);
    // A simple packet block carries no timestamp.
    this.emit(Number.NaN, caplen, origLen, iface.linktype, 0, buf.subarray(pos + 12, pos + 12 + caplen), onPacket);
  }

  private readInterfaceStats(buf: Buffer, pos: number, len: number, end: number): void {
    if (len < 24) this.fail(`pcapng interface statistics block too short (${len})`, pos);
    const id = this.u32(buf, pos + 8);
    this.forEachOption(buf, pos + 20, end, (code, at, olen) => {
      if (code === 5 && olen >= 8) {
        // isb_ifdrop: counters are cumulative, keep the last one per interface.
        this.drops.set(`${this.section}/${id}`, Number(this.u64(buf, at)));
        let total = 0;
        for (const v of this.drops.values()) total += v;
        this.s.interfaceDrops = total;
      }
    });
  }

  private emit(
    ts: number,
    caplen: number,
    origLen: number,
    linktype: number,
    interfaceId: number,
    data: Buffer,
    onPacket?: PacketSink,
  ): void {
    const s = this.s;
    s.packets += 1;
    s.bytes += origLen;
    s.capturedBytes += caplen;
    if (!Number.isNaN(ts)) {
      if (s.firstTs === null) s.firstTs = ts;
      s.lastTs = ts;
    }
    onPacket?.({ ts, caplen, origLen, linktype, interfaceId, data });
  }
}
