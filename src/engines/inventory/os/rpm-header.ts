/**
 * The RPM header blob as stored in every rpmdb backend (no lead-in magic): a big-endian index count and data
 * length, then that many 16-byte index entries (tag, type, offset, count), then the data store.
 */

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  ARCH: 1022,
  OLDFILENAMES: 1027,
  SOURCERPM: 1044,
  DIRINDEXES: 1116,
  BASENAMES: 1117,
  DIRNAMES: 1118,
} as const;

const TYPE_INT32 = 4;
const TYPE_STRING = 6;
const TYPE_STRING_ARRAY = 8;
const TYPE_I18NSTRING = 9;
const MAX_INDEX_ENTRIES = 100_000;
const MAX_ARRAY_ITEMS = 1_000_000;

export class RpmHeaderError extends Error {}

export interface RpmHeaderEntry {
  type: number;
  offset: number;
  count: number;
}

export interface RpmHeader {
  string(tag: number): string | undefined;
  int32(tag: number): number | undefined;
  /** A STRING_ARRAY tag's strings ([] when absent). */
  strings(tag: number): string[];
  /** An INT32 tag's values ([] when absent). */
  int32s(tag: number): number[];
}

export function parseRpmHeader(blob: Buffer): RpmHeader {
  if (blob.length < 8) throw new RpmHeaderError('header blob shorter than its preamble');
  const indexCount = blob.readUInt32BE(0);
  const dataLength = blob.readUInt32BE(4);
  if (indexCount > MAX_INDEX_ENTRIES) throw new RpmHeaderError(`implausible index count ${indexCount}`);
  const dataStart = 8 + indexCount * 16;
  if (dataStart + dataLength > blob.length) throw new RpmHeaderError('header blob shorter than its index and data');
  const data = blob.subarray(dataStart, dataStart + dataLength);
  const entries = new Map<number, RpmHeaderEntry>();
  for (let i = 0; i < indexCount; i++) {
    const at = 8 + i * 16;
    const tag = blob.readUInt32BE(at);
    if (!entries.has(tag)) entries.set(tag, { type: blob.readUInt32BE(at + 4), offset: blob.readInt32BE(at + 8), count: blob.readUInt32BE(at + 12) });
  }
  return {
    string(tag) {
      const e = entries.get(tag);
      if (!e || ![TYPE_STRING, TYPE_STRING_ARRAY, TYPE_I18NSTRING].includes(e.type)) return undefined;
      if (e.offset < 0 || e.offset >= data.length) throw new RpmHeaderError(`tag ${tag} points outside the data`);
      const end = data.indexOf(0, e.offset);
      if (end < 0) throw new RpmHeaderError(`tag ${tag} is not NUL-terminated`);
      return data.subarray(e.offset, end).toString('utf8');
    },
    int32(tag) {
      const e = entries.get(tag);
      if (!e || e.type !== TYPE_INT32 || e.count < 1) return undefined;
      if (e.offset < 0 || e.offset + 4 > data.length) throw new RpmHeaderError(`tag ${tag} points outside the data`);
      return data.readInt32BE(e.offset);
    },
    strings(tag) {
      const e = entries.get(tag);
      if (!e || e.type !== TYPE_STRING_ARRAY) return [];
      if (e.count > MAX_ARRAY_ITEMS) throw new RpmHeaderError(`tag ${tag} has ${e.count} items`);
      const out: string[] = [];
      let at = e.offset;
      for (let i = 0; i < e.count; i++) {
        if (at < 0 || at >= data.length) throw new RpmHeaderError(`tag ${tag} points outside the data`);
        const end = data.indexOf(0, at);
        if (end < 0) throw new RpmHeaderError(`tag ${tag} is not NUL-terminated`);
        out.push(data.subarray(at, end).toString('utf8'));
        at = end + 1;
      }
      return out;
    },
    int32s(tag) {
      const e = entries.get(tag);
      if (!e || e.type !== TYPE_INT32) return [];
      if (e.count > MAX_ARRAY_ITEMS || e.offset < 0 || e.offset + e.count * 4 > data.length) throw new RpmHeaderError(`tag ${tag} points outside the data`);
      return Array.from({ length: e.count }, (_, i) => data.readInt32BE(e.offset + i * 4));
    },
  };
}
