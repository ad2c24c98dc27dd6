import { createReadStream, promises as fsp } from 'node:fs';
import path from 'node:path';
import { abortable } from './abortable.js';
import { decompress, digestTap, newDigest, sniffCompression } from './decompress.js';
import { ByteBudget } from './layer-stream.js';
import { ImageReadError } from './errors.js';
import type { ImageLimits } from './limits.js';
import { readTar } from './tar-read.js';

/**
 * The files of an image container (a docker-archive or OCI archive tar, or an OCI layout directory), opened by
 * name without unpacking anything to disk.
 */
export interface ArchiveFiles {
  has(name: string): boolean;
  /** Streams one member's bytes. */
  open(name: string): AsyncIterable<Buffer>;
  /** Reads a small member whole (manifests, configs); over `maxBytes` is `image_oversized`. */
  read(name: string, maxBytes: number): Promise<Buffer>;
}

interface Member {
  dataOffset: number;
  size: number;
}

/** `./a//b` → `a/b`; refuses absolute names and `..` (`unsafe_path`). */
export function normalizeMemberName(name: string, what: string): string {
  if (name.startsWith('/')) throw new ImageReadError('unsafe_path', `${what}: absolute path ${JSON.stringify(name)}`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ImageReadError('unsafe_path', `${what}: path ${JSON.stringify(name)} climbs out with ..`);
  return parts.join('/');
}

async function collect(stream: AsyncIterable<Buffer>, maxBytes: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > maxBytes) throw new ImageReadError('image_oversized', `${what} is over ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Indexes a tar archive (plain or gzip/zstd-compressed) in one streaming pass: each member's name and where its
 * data sits in the uncompressed stream. A plain tar then serves a member by byte range of the file; a compressed
 * one by re-decompressing up to the member (docker-archives are normally plain; `docker save | gzip` is not).
 * Symlinked members (the old layout links repeated layers) are followed inside the archive, bounded.
 */
export async function indexTarArchive(file: string, limits: ImageLimits, signal?: AbortSignal): Promise<ArchiveFiles> {
  const members = new Map<string, Member>();
  const links = new Map<string, string>();
  const order: Array<{ name: string; kind: 'member' | 'link' | 'skip' }> = [];
  const head = Buffer.alloc(4);
  const handle = await fsp.open(file, 'r');
  let headLength: number;
  try {
    headLength = (await handle.read(head, 0, 4, 0)).bytesRead;
  } finally {
    await handle.close();
  }
  const isCompressed = sniffCompression(head.subarray(0, headLength)) !== 'none';
  const budget = new ByteBudget(limits.maxUncompressedBytes);
  const spans = await readTar(
    digestTap(decompress(abortable(createReadStream(file), signal), 'image archive'), newDigest(), (n) => budget.add(n)),
    (header) => {
      if (order.length >= limits.maxEntries) throw new ImageReadError('too_many_files', `image archive has over ${limits.maxEntries} members`);
      const name = normalizeMemberName(header.name, 'image archive');
      if (header.type === 'symlink') {
        const target = path.posix.join(path.posix.dirname(name), header.linkname);
        links.set(name, normalizeMemberName(target, 'image archive link'));
        order.push({ name, kind: 'link' });
      } else order.push({ name, kind: header.type === 'file' || header.type === 'contiguous-file' ? 'member' : 'skip' });
    },
    { maxHeaderBytes: limits.maxHeaderBytes, what: 'image archive', recordSpans: true },
  ).catch((err: unknown) => {
    // Not one tar header could be read: this is no tar at all, rather than a damaged one.
    if (order.length === 0 && err instanceof ImageReadError && err.code === 'corrupt_layer') {
      throw new ImageReadError('unsupported_format', `not a tar archive (${err.message})`);
    }
    throw err;
  });
  order.forEach((entry, i) => {
    const span = spans[i];
    if (entry.kind === 'member' && span) members.set(entry.name, span);
  });
  const resolve = (name: string): Member | undefined => {
    let current = name;
    for (let hops = 0; hops <= limits.maxLinkHops; hops++) {
      const member = members.get(current);
      if (member) return member;
      const next = links.get(current);
      if (next === undefined) return undefined;
      current = next;
    }
    throw new ImageReadError('unsafe_link', `image archive member ${name}: symlink loop`);
  };
  const open = (name: string): AsyncIterable<Buffer> => {
    const member = resolve(name);
    if (!member) throw new ImageReadError('unsupported_format', `image archive has no member ${name}`);
    if (member.size === 0) return (async function* () {})();
    if (!isCompressed) return createReadStream(file, { start: member.dataOffset, end: member.dataOffset + member.size - 1 });
    return byteRange(decompress(createReadStream(file), 'image archive'), member.dataOffset, member.size);
  };
  return {
    has: (name) => resolve(name) !== undefined,
    open,
    read: (name, maxBytes) => {
      const member = resolve(name);
      if (member && member.size > maxBytes) throw new ImageReadError('image_oversized', `${name} is over ${maxBytes} bytes`);
      return collect(open(name), maxBytes, name);
    },
  };
}

/** The bytes [start, start + length) of a stream; stops reading (and closes the source) once past them. */
async function* byteRange(source: AsyncIterable<Buffer>, start: number, length: number): AsyncGenerator<Buffer> {
  let position = 0;
  const end = start + length;
  for await (const chunk of source) {
    const chunkEnd = position + chunk.length;
    if (chunkEnd > start) yield chunk.subarray(Math.max(0, start - position), Math.min(chunk.length, end - position));
    position = chunkEnd;
    if (position >= end) return;
  }
  throw new ImageReadError('corrupt_layer', 'image archive ended inside a member');
}

/** An OCI layout directory: members are regular files under it, never followed through symlinks. */
export async function openLayoutDirectory(dir: string): Promise<ArchiveFiles> {
  const stat = await fsp.stat(dir);
  if (!stat.isDirectory()) throw new ImageReadError('unsupported_format', `${dir} is not a directory`);
  const locate = (name: string): string => path.join(dir, normalizeMemberName(name, 'OCI layout'));
  const regularSize = async (name: string): Promise<number | null> => {
    try {
      const st = await fsp.lstat(locate(name));
      return st.isFile() ? st.size : null;
    } catch {
      return null;
    }
  };
  const known = new Set<string>();
  for (const name of ['index.json', 'oci-layout', 'manifest.json']) if ((await regularSize(name)) !== null) known.add(name);
  return {
    has: (name) => known.has(name) || name.startsWith('blobs/'),
    open: (name) => openRegular(locate(name), name),
    read: async (name, maxBytes) => {
      const size = await regularSize(name);
      if (size === null) throw new ImageReadError('unsupported_format', `OCI layout has no regular file ${name}`);
      if (size > maxBytes) throw new ImageReadError('image_oversized', `${name} is over ${maxBytes} bytes`);
      return collect(openRegular(locate(name), name), maxBytes, name);
    },
  };
}

async function* openRegular(file: string, name: string): AsyncGenerator<Buffer> {
  const st = await fsp.lstat(file).catch(() => null);
  if (!st?.isFile()) throw new ImageReadError('unsupported_format', `OCI layout has no regular file ${name}`);
  for await (const chunk of createReadStream(file)) yield chunk as Buffer;
}
