import { inflateRawSync } from 'node:zlib';

/**
 * A small bounded ZIP reader over an in-memory archive (jars, wars, ears): the central directory is listed
 * with a cap on entries, and an entry is inflated only on request, within absolute and ratio limits so a
 * zip bomb is refused with a clear error instead of filling memory. Nothing is ever written to disk, so
 * entry names are data; names with `..`, absolute paths or backslashes are still flagged as unsafe.
 */
export interface ZipLimits {
  maxEntries: number;
  /** Largest uncompressed entry that may be read. */
  maxEntryBytes: number;
  /** Largest uncompressed/compressed ratio accepted for entries over `ratioFloorBytes`. */
  maxRatio: number;
  ratioFloorBytes: number;
}

export interface ZipEntry {
  name: string;
  method: number;
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
  localHeaderOffset: number;
  /** false when the name could escape a directory (`..`, absolute, backslash, NUL). */
  safeName: boolean;
}

export class ZipLimitError extends Error {}

const EOCD_SIG = 0x06054b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const EOCD_MIN = 22;
const MAX_COMMENT = 0xffff;

export function listZipEntries(zip: Buffer, limits: ZipLimits): ZipEntry[] {
  const eocd = findEndOfCentralDirectory(zip);
  const count = zip.readUInt16LE(eocd + 10);
  const cdSize = zip.readUInt32LE(eocd + 12);
  const cdOffset = zip.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new Error('ZIP64 archives are not supported');
  if (count > limits.maxEntries) throw new ZipLimitError(`zip has ${count} entries, more than the limit of ${limits.maxEntries}`);
  if (cdOffset + cdSize > zip.length) throw new Error('zip central directory lies outside the file');
  const entries: ZipEntry[] = [];
  let pos = cdOffset;
  for (let i = 0; i < count; i++) {
    if (pos + 46 > zip.length || zip.readUInt32LE(pos) !== CENTRAL_SIG) throw new Error('corrupt zip central directory');
    const nameLength = zip.readUInt16LE(pos + 28);
    const next = pos + 46 + nameLength + zip.readUInt16LE(pos + 30) + zip.readUInt16LE(pos + 32);
    if (next > zip.length) throw new Error('corrupt zip central directory');
    const name = zip.toString('utf8', pos + 46, pos + 46 + nameLength);
    entries.push({
      name,
      method: zip.readUInt16LE(pos + 10),
      encrypted: (zip.readUInt16LE(pos + 8) & 1) === 1,
      compressedSize: zip.readUInt32LE(pos + 20),
      uncompressedSize: zip.readUInt32LE(pos + 24),
      localHeaderOffset: zip.readUInt32LE(pos + 42),
      safeName: isSafeName(name),
    });
    pos = next;
  }
  return entries;
}

export function readZipEntry(zip: Buffer, entry: ZipEntry, limits: ZipLimits): Buffer {
  if (entry.encrypted) throw new Error(`zip entry ${entry.name} is encrypted`);
  if (entry.uncompressedSize > limits.maxEntryBytes) {
    throw new ZipLimitError(`zip entry ${entry.name} is ${entry.uncompressedSize} bytes uncompressed, over the limit of ${limits.maxEntryBytes}`);
  }
  if (entry.uncompressedSize > limits.ratioFloorBytes && entry.uncompressedSize > entry.compressedSize * limits.maxRatio) {
    throw new ZipLimitError(`zip entry ${entry.name} expands ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}:1, a likely zip bomb`);
  }
  const local = entry.localHeaderOffset;
  if (local + 30 > zip.length || zip.readUInt32LE(local) !== LOCAL_SIG) throw new Error(`zip entry ${entry.name} has no local header`);
  const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (data.length !== entry.compressedSize) throw new Error(`zip entry ${entry.name} is truncated`);
  if (entry.method === 0) {
    if (entry.compressedSize !== entry.uncompressedSize) throw new Error(`stored zip entry ${entry.name} has inconsistent sizes`);
    return data;
  }
  if (entry.method !== 8) throw new Error(`zip entry ${entry.name} uses unsupported compression method ${entry.method}`);
  try {
    // One extra byte lets a lie about the size show as an overflow instead of a silent truncation.
    const out = inflateRawSync(data, { maxOutputLength: entry.uncompressedSize + 1 });
    if (out.length !== entry.uncompressedSize) throw new Error('size mismatch');
    return out;
  } catch (err) {
    throw new ZipLimitError(`zip entry ${entry.name} does not inflate to its declared ${entry.uncompressedSize} bytes (${(err as Error).message})`);
  }
}

function findEndOfCentralDirectory(zip: Buffer): number {
  if (zip.length < EOCD_MIN) throw new Error('not a zip archive (too short)');
  const lowest = Math.max(0, zip.length - EOCD_MIN - MAX_COMMENT);
  for (let pos = zip.length - EOCD_MIN; pos >= lowest; pos--) {
    if (zip.readUInt32LE(pos) === EOCD_SIG) return pos;
  }
  throw new Error('not a zip archive (no end of central directory record)');
}

function isSafeName(name: string): boolean {
  return !name.startsWith('/') && !name.includes('\\') && !name.includes('\0') && !name.split('/').includes('..');
}
