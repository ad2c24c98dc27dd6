import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Shared helpers for the capture-engine tests (not a test file itself). */

/** test/fixtures/capture, resolved from dist/test/engines/capture at run time. */
export const FIXTURES = fileURLToPath(new URL('../../../../test/fixtures/capture/', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs a command (argv, no shell) with a hard time limit; output is bounded to 4 MiB each. */
export function run(argv: string[], timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(argv[0] as string, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const cap = 4 * 1024 * 1024;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < cap) stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < cap) stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, signal: null, stdout, stderr: stderr + String(err), timedOut });
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** Packet count according to tcpdump (one line per packet with -n -q). */
export async function tcpdumpCount(file: string): Promise<number> {
  const r = await run(['tcpdump', '-n', '-q', '-r', file]);
  if (r.code !== 0) throw new Error(`tcpdump -r ${file} failed: ${r.stderr}`);
  return r.stdout.split('\n').filter((l) => l.trim() !== '').length;
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

// --- crafting capture files ----------------------------------------------------------------------

export interface CraftPacket {
  /** Epoch seconds. */
  sec: number;
  /** Sub-second part in microseconds (or nanoseconds for nano files). */
  frac: number;
  data: Buffer;
  origLen?: number;
}

export function craftPcap(
  linktype: number,
  packets: CraftPacket[],
  opts: { bigEndian?: boolean; nano?: boolean; snaplen?: number } = {},
): Buffer {
  const be = opts.bigEndian ?? false;
  const w32 = (b: Buffer, v: number, at: number): void => {
    if (be) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  };
  const w16 = (b: Buffer, v: number, at: number): void => {
    if (be) b.writeUInt16BE(v, at);
    else b.writeUInt16LE(v, at);
  };
  const header = Buffer.alloc(24);
  w32(header, opts.nano ? 0xa1b23c4d : 0xa1b2c3d4, 0);
  w16(header, 2, 4);
  w16(header, 4, 6);
  w32(header, opts.snaplen ?? 262144, 16);
  w32(header, linktype, 20);
  const parts: Buffer[] = [header];
  for (const p of packets) {
    const rec = Buffer.alloc(16);
    w32(rec, p.sec, 0);
    w32(rec, p.frac, 4);
    w32(rec, p.data.length, 8);
    w32(rec, p.origLen ?? p.data.length, 12);
    parts.push(rec, p.data);
  }
  return Buffer.concat(parts);
}

/** A pcapng block with the given body (little or big endian), padded, with both length fields. */
export function pcapngBlock(type: number, body: Buffer, bigEndian = false): Buffer {
  const padded = Buffer.concat([body, Buffer.alloc((4 - (body.length % 4)) % 4)]);
  const len = 12 + padded.length;
  const b = Buffer.alloc(len);
  const w = (v: number, at: number): void => {
    if (bigEndian) b.writeUInt32BE(v >>> 0, at);
    else b.writeUInt32LE(v >>> 0, at);
  };
  w(type, 0);
  w(len, 4);
  padded.copy(b, 8);
  w(len, len - 4);
  return b;
}

function u32(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(4);
  if (be) b.writeUInt32BE(v >>> 0);
  else b.writeUInt32LE(v >>> 0);
  return b;
}

function u16(v: number, be: boolean): Buffer {
  const b = Buffer.alloc(2);
  if (be) b.writeUInt16BE(v);
  else b.writeUInt16LE(v);
  return b;
}

export function shb(bigEndian = false): Buffer {
  const body = Buffer.concat([u32(0x1a2b3c4d, bigEndian), u16(1, bigEndian), u16(0, bigEndian), Buffer.alloc(8, 0xff)]);
  return pcapngBlock(0x0a0d0d0a, body, bigEndian);
}

export function idb(linktype: number, snaplen: number, bigEndian = false, tsresol?: number): Buffer {
  const opts =
    tsresol === undefined
      ? Buffer.alloc(0)
      : Buffer.concat([u16(9, bigEndian), u16(1, bigEndian), Buffer.from([tsresol, 0, 0, 0]), Buffer.alloc(4)]);
  return pcapngBlock(1, Buffer.concat([u16(linktype, bigEndian), u16(0, bigEndian), u32(snaplen, bigEndian), opts]), bigEndian);
}

export function epb(iface: number, tsUnits: bigint, data: Buffer, bigEndian = false, origLen?: number): Buffer {
  const body = Buffer.concat([
    u32(iface, bigEndian),
    u32(Number(tsUnits >> 32n), bigEndian),
    u32(Number(tsUnits & 0xffffffffn), bigEndian),
    u32(data.length, bigEndian),
    u32(origLen ?? data.length, bigEndian),
    data,
  ]);
  return pcapngBlock(6, body, bigEndian);
}

export function spb(data: Buffer, origLen: number, bigEndian = false): Buffer {
  return pcapngBlock(3, Buffer.concat([u32(origLen, bigEndian), data]), bigEndian);
}

// --- byte swapping real files -------------------------------------------------------------------

/** Rewrites a little-endian classic pcap as big-endian (header and every record header). */
export function swapPcap(le: Buffer): Buffer {
  const out = Buffer.from(le);
  const swap32 = (at: number): void => {
    out.writeUInt32BE(le.readUInt32LE(at), at);
  };
  const swap16 = (at: number): void => {
    out.writeUInt16BE(le.readUInt16LE(at), at);
  };
  swap32(0);
  swap16(4);
  swap16(6);
  for (const at of [8, 12, 16, 20]) swap32(at);
  let pos = 24;
  while (pos + 16 <= le.length) {
    const caplen = le.readUInt32LE(pos + 8);
    for (const at of [0, 4, 8, 12]) swap32(pos + at);
    pos += 16 + caplen;
  }
  return out;
}

/**
 * Rewrites a little-endian pcapng as big-endian. Keeps SHB, IDB, EPB, SPB and ISB blocks (all of
 * whose fixed fields and options are swapped), drops the others.
 */
export function swapPcapng(le: Buffer): Buffer {
  const blocks: Buffer[] = [];
  let pos = 0;
  while (pos + 12 <= le.length) {
    const type = le.readUInt32LE(pos);
    const len = le.readUInt32LE(pos + 4);
    const src = le.subarray(pos, pos + len);
    const out = Buffer.from(src);
    const s32 = (at: number): void => {
      out.writeUInt32BE(src.readUInt32LE(at), at);
    };
    const s16 = (at: number): void => {
      out.writeUInt16BE(src.readUInt16LE(at), at);
    };
    const s64 = (at: number): void => {
      out.writeBigUInt64BE(src.readBigUInt64LE(at), at);
    };
    const options = (start: number, numeric: (code: number) => 4 | 8 | 'ts' | 0): void => {
      let at = start;
      while (at + 4 <= len - 4) {
        const code = src.readUInt16LE(at);
        const olen = src.readUInt16LE(at + 2);
        s16(at);
        s16(at + 2);
        if (code === 0) break;
        const width = numeric(code);
        if (width === 8 && olen === 8) s64(at + 4);
        if (width === 4 && olen === 4) s32(at + 4);
        if (width === 'ts' && olen === 8) {
          s32(at + 4);
          s32(at + 8);
        }
        at += 4 + ((olen + 3) & ~3);
      }
    };
    let keep = true;
    switch (type) {
      case 0x0a0d0d0a:
        s32(8);
        s16(12);
        s16(14);
        s64(16);
        options(24, () => 0);
        break;
      case 1:
        s16(8);
        s16(10);
        s32(12);
        options(16, (code) => (code === 14 || code === 8 ? 8 : 0)); // if_tsoffset, if_speed
        break;
      case 6:
        for (const at of [8, 12, 16, 20, 24]) s32(at);
        // epb_flags, epb_dropcount, epb_packetid, epb_queue
        options(28 + ((src.readUInt32LE(20) + 3) & ~3), (code) => (code === 2 || code === 6 ? 4 : code === 4 || code === 5 ? 8 : 0));
        break;
      case 3:
        s32(8);
        break;
      case 5:
        for (const at of [8, 12, 16]) s32(at);
        // isb_starttime/endtime are two 32-bit halves; isb_ifrecv..isb_usrdeliv are 64-bit counters
        options(20, (code) => (code === 2 || code === 3 ? 'ts' : code >= 4 && code <= 8 ? 8 : 0));
        break;
      default:
        keep = false;
    }
    s32(0);
    s32(4);
    s32(len - 4);
    if (keep) blocks.push(out);
    pos += len;
  }
  return Buffer.concat(blocks);
}
