/**
 * The values of a BerkeleyDB hash database (rpm's legacy `Packages`, RHEL ≤ 8 / CentOS 7), read from its bytes
 * without libdb: every hash page's key/value pairs, values either inline (H_KEYDATA) or in a chain of overflow
 * pages (H_OFFPAGE). Layout from libdb's dbinc/db_page.h; both byte orders are accepted (the magic tells).
 */

const HASH_MAGIC = 0x061561;
const PAGE_HEADER_BYTES = 26;
const PAGE_TYPE_HASH_UNSORTED = 2;
const PAGE_TYPE_OVERFLOW = 7;
const PAGE_TYPE_HASH = 13;
const ITEM_KEYDATA = 1;
const ITEM_OFFPAGE = 3;
const OFFPAGE_ITEM_BYTES = 12;
const VALID_PAGE_SIZES = new Set([512, 1024, 2048, 4096, 8192, 16384, 32768, 65536]);

export class BerkeleyDbError extends Error {}

interface Reader {
  u16(at: number): number;
  u32(at: number): number;
}

function readerFor(bytes: Buffer): Reader {
  if (bytes.length < 512) throw new BerkeleyDbError('shorter than a BerkeleyDB metadata page');
  const little = bytes.readUInt32LE(12) === HASH_MAGIC;
  if (!little && bytes.readUInt32BE(12) !== HASH_MAGIC) throw new BerkeleyDbError('not a BerkeleyDB hash database');
  return little
    ? { u16: (at) => bytes.readUInt16LE(at), u32: (at) => bytes.readUInt32LE(at) }
    : { u16: (at) => bytes.readUInt16BE(at), u32: (at) => bytes.readUInt32BE(at) };
}

/** Every value stored in the hash database (keys are dropped). */
export function readBerkeleyDbHashValues(bytes: Buffer): Buffer[] {
  const r = readerFor(bytes);
  const pageSize = r.u32(20);
  if (!VALID_PAGE_SIZES.has(pageSize)) throw new BerkeleyDbError(`unexpected page size ${pageSize}`);
  if (bytes[24] !== 0) throw new BerkeleyDbError('encrypted BerkeleyDB databases are not supported');
  const pageCount = Math.min(r.u32(32) + 1, Math.floor(bytes.length / pageSize));
  const values: Buffer[] = [];
  for (let pgno = 1; pgno < pageCount; pgno++) {
    const page = bytes.subarray(pgno * pageSize, (pgno + 1) * pageSize);
    const type = page[25];
    if (type !== PAGE_TYPE_HASH && type !== PAGE_TYPE_HASH_UNSORTED) continue;
    const base = pgno * pageSize;
    const entries = r.u16(base + 20);
    if (PAGE_HEADER_BYTES + entries * 2 > pageSize) throw new BerkeleyDbError(`page ${pgno}: index overflows the page`);
    const offsetOf = (index: number): number => r.u16(base + PAGE_HEADER_BYTES + index * 2);
    // Pairs: even index = key, odd index = value; items are packed downwards from the end of the page.
    for (let index = 1; index < entries; index += 2) {
      const start = offsetOf(index);
      const end = offsetOf(index - 1);
      if (start >= end || end > pageSize) throw new BerkeleyDbError(`page ${pgno}: item ${index} out of bounds`);
      const itemType = page[start];
      if (itemType === ITEM_KEYDATA) values.push(Buffer.from(page.subarray(start + 1, end)));
      else if (itemType === ITEM_OFFPAGE) {
        if (start + OFFPAGE_ITEM_BYTES > end) throw new BerkeleyDbError(`page ${pgno}: short off-page item`);
        values.push(readOverflowChain(bytes, r, pageSize, pageCount, r.u32(base + start + 4), r.u32(base + start + 8)));
      }
    }
  }
  return values;
}

function readOverflowChain(bytes: Buffer, r: Reader, pageSize: number, pageCount: number, first: number, totalLength: number): Buffer {
  const parts: Buffer[] = [];
  let collected = 0;
  let pgno = first;
  for (let hops = 0; pgno !== 0; hops++) {
    if (hops >= pageCount || pgno >= pageCount) throw new BerkeleyDbError(`overflow chain from page ${first} is broken`);
    const base = pgno * pageSize;
    if (bytes[base + 25] !== PAGE_TYPE_OVERFLOW) throw new BerkeleyDbError(`page ${pgno} is not an overflow page`);
    // On overflow pages the "high free offset" field holds the bytes used on this page.
    const used = r.u16(base + 22);
    if (PAGE_HEADER_BYTES + used > pageSize) throw new BerkeleyDbError(`overflow page ${pgno} claims too many bytes`);
    parts.push(bytes.subarray(base + PAGE_HEADER_BYTES, base + PAGE_HEADER_BYTES + used));
    collected += used;
    pgno = r.u32(base + 16);
  }
  if (collected !== totalLength) throw new BerkeleyDbError(`overflow chain from page ${first} holds ${collected} of ${totalLength} bytes`);
  return Buffer.concat(parts);
}
