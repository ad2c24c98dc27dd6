import { fileURLToPath } from 'node:url';
import { crc32, deflateRawSync } from 'node:zlib';
import type { InventoryPackage } from '../../../src/engines/inventory/types.js';
import type { VersionComparator } from '../../../src/engines/versions/types.js';

/** The osv.dev exports shipped with the project (`/work/shared/data/osv/`), relative to the repository root. */
export const OSV_DATA = fileURLToPath(new URL('../../../../../shared/data/osv/', import.meta.url));

/** Dotted numbers (`1.10 > 1.9`), enough for the hand-written fixtures. */
export const dotted: VersionComparator = {
  name: 'dotted',
  ecosystems: ['PyPI', 'Debian', 'Ubuntu', 'Alpine', 'npm'],
  compare(a, b) {
    const pa = a.split('.').map(Number);
    const pb = b.split('.').map(Number);
    for (let i = 0; i < Math.max(pa.length, pb.length); i += 1) {
      const d = (pa[i] ?? 0) - (pb[i] ?? 0);
      if (d !== 0) return Math.sign(d);
    }
    return 0;
  },
  isValid: (v) => /^\d+(\.\d+)*$/.test(v),
};

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const TILDE = 126;

/** rpmvercmp of one version or release string: alternating digit/alpha segments, `~` sorts before anything. */
function rpmSegmentCompare(a: string, b: string): number {
  let i = 0;
  let j = 0;
  for (;;) {
    while (i < a.length && !isDigit(a.charCodeAt(i)) && !isAlpha(a.charCodeAt(i)) && a.charCodeAt(i) !== TILDE) i += 1;
    while (j < b.length && !isDigit(b.charCodeAt(j)) && !isAlpha(b.charCodeAt(j)) && b.charCodeAt(j) !== TILDE) j += 1;
    const ta = a.charCodeAt(i) === TILDE;
    const tb = b.charCodeAt(j) === TILDE;
    if (ta || tb) {
      if (!ta) return 1;
      if (!tb) return -1;
      i += 1;
      j += 1;
      continue;
    }
    if (i >= a.length || j >= b.length) return i >= a.length && j >= b.length ? 0 : i >= a.length ? -1 : 1;
    const digit = isDigit(a.charCodeAt(i));
    const same = digit ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < a.length && same(a.charCodeAt(ei))) ei += 1;
    while (ej < b.length && same(b.charCodeAt(ej))) ej += 1;
    if (ej === j) return digit ? 1 : -1;
    if (digit) {
      while (i < ei - 1 && a.charCodeAt(i) === 48) i += 1;
      while (j < ej - 1 && b.charCodeAt(j) === 48) j += 1;
      if (ei - i !== ej - j) return ei - i < ej - j ? -1 : 1;
    }
    const sa = a.slice(i, ei);
    const sb = b.slice(j, ej);
    if (sa !== sb) return sa < sb ? -1 : 1;
    i = ei;
    j = ej;
  }
}

function splitEvr(evr: string): [number, string, string] {
  const colon = evr.indexOf(':');
  const epoch = colon === -1 ? 0 : Number(evr.slice(0, colon)) || 0;
  const rest = colon === -1 ? evr : evr.slice(colon + 1);
  const dash = rest.lastIndexOf('-');
  return dash === -1 ? [epoch, rest, ''] : [epoch, rest.slice(0, dash), rest.slice(dash + 1)];
}

/** A minimal `[epoch:]version-release` comparator (the real one lives in src/engines/versions). */
export const miniRpm: VersionComparator = {
  name: 'mini-rpm',
  ecosystems: ['AlmaLinux', 'Rocky Linux', 'Red Hat'],
  compare(a, b) {
    const [ea, va, ra] = splitEvr(a);
    const [eb, vb, rb] = splitEvr(b);
    if (ea !== eb) return ea < eb ? -1 : 1;
    return rpmSegmentCompare(va, vb) || rpmSegmentCompare(ra, rb);
  },
  isValid: () => true,
};

export const testComparators = (ecosystem: string): VersionComparator | undefined => {
  const base = ecosystem.split(':')[0] ?? ecosystem;
  return [dotted, miniRpm].find((c) => c.ecosystems.includes(base));
};

export function pkg(ecosystem: string, name: string, version: string, extra: Partial<InventoryPackage> = {}): InventoryPackage {
  return { ecosystem, name, version, kind: ecosystem.includes(':') ? 'os' : 'app', location: 'test', extractor: 'test', ...extra };
}

export interface RawZipEntry {
  name: string;
  /** Stored bytes (already deflated when `method` is 8). */
  data: Buffer;
  method: 0 | 8;
  crc: number;
  /** The sizes written into the headers (may lie). */
  uncompressedSize: number;
}

export function storedEntry(name: string, content: string | Buffer): RawZipEntry {
  const data = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return { name, data, method: 0, crc: crc32(data), uncompressedSize: data.length };
}

export function deflatedEntry(name: string, content: string | Buffer): RawZipEntry {
  const raw = Buffer.isBuffer(content) ? content : Buffer.from(content);
  return { name, data: deflateRawSync(raw), method: 8, crc: crc32(raw), uncompressedSize: raw.length };
}

/** A zip writer that writes whatever names and sizes it is given (yazl refuses hostile names, by design). */
export function rawZip(entries: readonly RawZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.uncompressedSize, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.uncompressedSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A minimal valid OSV record. */
export function osv(id: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { id, modified: '2024-01-01T00:00:00Z', ...fields };
}
