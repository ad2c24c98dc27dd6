import path from 'node:path';
import { ImageReadError } from './errors.js';
import type { TarHeader } from './tar-read.js';

export type ImageFileType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** Where a file's bytes are: the layer and the entry's position in that layer's tar. */
export interface ContentSource {
  layer: number;
  entry: number;
}

/** One path of the image, with the layer that wrote it. */
export interface ImageFile {
  /** Relative to the image root, `/`-separated, no leading `/`. */
  path: string;
  type: ImageFileType;
  /** Bytes of a regular file (a hard link: of its target); 0 otherwise. */
  size: number;
  /** Permission bits with setuid/setgid/sticky (`mode & 0o7777`). */
  mode: number;
  uid: number;
  gid: number;
  /** Symlink or hard link target as written in the tar. */
  linkTarget?: string;
  /** The layer that wrote this entry (0 = bottom). */
  layer: number;
  /** Where the bytes are (for a hard link, its target's entry), for re-streaming. */
  content: ContentSource;
}

/** A file a later layer removed (whiteout, opaque directory) or replaced; analyzers still see it, on its layer. */
export interface RemovedFile extends ImageFile {
  removedBy: { layer: number; reason: 'whiteout' | 'opaque' | 'replaced' };
}

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * The merged filesystem of an image, built layer by layer from tar headers alone: whiteouts and opaque
 * directories remove what lower layers wrote; every removed or replaced entry is kept in `removed`.
 */
export class MergedViewBuilder {
  readonly files = new Map<string, ImageFile>();
  readonly removed: RemovedFile[] = [];
  /** Directory → child paths ever added (a superset: removed children stay listed and are skipped). */
  private readonly children = new Map<string, Set<string>>();

  constructor(private readonly maxPathBytes: number) {}

  /** Applies one tar entry of `layer`; returns the file it put in the view (null for whiteouts and the root). */
  add(layer: number, entry: number, header: TarHeader): ImageFile | null {
    const where = `layer ${layer}`;
    if (Buffer.byteLength(header.name) > this.maxPathBytes || Buffer.byteLength(header.linkname ?? '') > this.maxPathBytes) {
      throw new ImageReadError('header_too_large', `${where}: a path or link target over ${this.maxPathBytes} bytes`);
    }
    const rel = normalizeEntryPath(header.name, where);
    if (rel === '') return null;
    const base = path.posix.basename(rel);
    const dir = parentOf(rel);
    if (base === OPAQUE) {
      this.removeChildren(dir, layer, 'opaque');
      return null;
    }
    if (base.startsWith(WHITEOUT)) {
      this.removeTree(join(dir, base.slice(WHITEOUT.length)), layer, 'whiteout');
      return null;
    }
    const file = this.record(layer, entry, rel, header);
    this.put(file);
    return file;
  }

  private record(layer: number, entry: number, rel: string, header: TarHeader): ImageFile {
    const base = { path: rel, mode: (header.mode ?? 0) & 0o7777, uid: header.uid ?? 0, gid: header.gid ?? 0, layer, content: { layer, entry } };
    switch (header.type) {
      case 'file':
      case 'contiguous-file':
        return { ...base, type: 'file', size: header.size ?? 0 };
      case 'directory':
        return { ...base, type: 'dir', size: 0 };
      case 'symlink':
        checkSymlink(rel, header.linkname ?? '', `layer ${layer}`);
        return { ...base, type: 'symlink', size: 0, linkTarget: header.linkname ?? '' };
      case 'link': {
        const target = this.hardlinkTarget(rel, header.linkname ?? '', layer);
        return { ...base, type: 'hardlink', size: target.size, linkTarget: header.linkname ?? '', content: target.content };
      }
      default:
        return { ...base, type: 'other', size: 0 };
    }
  }

  private hardlinkTarget(rel: string, linkname: string, layer: number): ImageFile {
    let targetPath: string;
    try {
      targetPath = normalizeEntryPath(linkname, `layer ${layer}`);
    } catch {
      throw new ImageReadError('unsafe_link', `layer ${layer}: hard link ${rel} → ${JSON.stringify(linkname)} points outside the image`);
    }
    const target = this.files.get(targetPath);
    if (!target || (target.type !== 'file' && target.type !== 'hardlink')) {
      throw new ImageReadError('unsafe_link', `layer ${layer}: hard link ${rel} → ${targetPath}: no such file in the image`);
    }
    return target;
  }

  private put(file: ImageFile): void {
    const existing = this.files.get(file.path);
    if (existing && !(existing.type === 'dir' && file.type === 'dir')) this.removeTree(file.path, file.layer, 'replaced', true);
    this.files.set(file.path, file);
    let child = file.path;
    for (let parent = parentOf(child); ; parent = parentOf(parent)) {
      let set = this.children.get(parent);
      if (!set) this.children.set(parent, (set = new Set()));
      const known = set.has(child);
      set.add(child);
      if (known || parent === '') break;
      child = parent;
    }
  }

  /** Removes `dir`'s lower-layer contents (not `dir` itself). */
  private removeChildren(dir: string, layer: number, reason: RemovedFile['removedBy']['reason']): void {
    for (const child of [...(this.children.get(dir) ?? [])]) this.removeTree(child, layer, reason);
  }

  /** Removes `top` and everything under it that a lower layer wrote (`anyLayer`: also this layer's, on replace). */
  private removeTree(top: string, layer: number, reason: RemovedFile['removedBy']['reason'], anyLayer = false): void {
    const stack = [top];
    while (stack.length > 0) {
      const current = stack.pop() as string;
      const kids = this.children.get(current);
      if (kids) stack.push(...kids);
      const file = this.files.get(current);
      if (file && (anyLayer || file.layer < layer)) {
        this.files.delete(current);
        this.removed.push({ ...file, removedBy: { layer, reason } });
      }
    }
  }
}

const parentOf = (rel: string): string => {
  const slash = rel.lastIndexOf('/');
  return slash < 0 ? '' : rel.slice(0, slash);
};
const join = (dir: string, name: string): string => (dir === '' ? name : `${dir}/${name}`);

/** Tar entry name → root-relative path; absolute names and `..` are `unsafe_path`. */
export function normalizeEntryPath(name: string, where: string): string {
  if (name.startsWith('/')) throw new ImageReadError('unsafe_path', `${where}: absolute path ${JSON.stringify(name)}`);
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw new ImageReadError('unsafe_path', `${where}: path ${JSON.stringify(name)} climbs out with ..`);
  return parts.join('/');
}

/** A relative symlink target that climbs above the image root is `unsafe_link` (absolute ones stay inside). */
function checkSymlink(rel: string, target: string, where: string): void {
  if (target.startsWith('/')) return;
  let depth = rel.split('/').length - 1;
  for (const part of target.split('/')) {
    if (part === '' || part === '.') continue;
    depth += part === '..' ? -1 : 1;
    if (depth < 0) throw new ImageReadError('unsafe_link', `${where}: symlink ${rel} → ${JSON.stringify(target)} escapes the image root`);
  }
}
