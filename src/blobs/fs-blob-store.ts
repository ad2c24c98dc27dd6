import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertValidBlobKey, BlobTooLargeError, type BlobInfo, type BlobStore } from './blob-store.js';

/**
 * Blobs as files under one directory. Writes go to a temporary file that is fsynced and renamed
 * into place; the SHA-256 is computed while streaming and kept beside the blob in `.<name>.sha256`
 * (a leading dot, so no valid key can name it) with the inode of the file it describes. Two puts of one key
 * race between the blob's rename and the sidecar's: a sidecar whose inode is not the blob's is stale, and
 * `stat` then hashes the file itself.
 */
const sidecarOf = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.sha256`);

async function hashFile(file: string): Promise<{ size: number; sha256: string }> {
  const hash = crypto.createHash('sha256');
  let size = 0;
  for await (const chunk of fs.createReadStream(file) as AsyncIterable<Buffer>) {
    size += chunk.length;
    hash.update(chunk);
  }
  return { size, sha256: hash.digest('hex') };
}

export class FsBlobStore implements BlobStore {
  constructor(private readonly root: string) {
    fs.mkdirSync(root, { recursive: true });
  }

  private pathOf(key: string): string {
    assertValidBlobKey(key);
    return path.join(this.root, ...key.split('/'));
  }

  async put(key: string, body: Readable, options: { maxBytes?: number } = {}): Promise<BlobInfo> {
    const target = this.pathOf(key);
    await fsp.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    const hash = crypto.createHash('sha256');
    let size = 0;
    const maxBytes = options.maxBytes ?? Number.MAX_SAFE_INTEGER;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        size += chunk.length;
        if (size > maxBytes) return callback(new BlobTooLargeError(maxBytes));
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    // The stream owns the descriptor: `flush` fsyncs it before the close the pipeline waits for. (A FileHandle
    // stream with autoClose: false keeps a reference that makes handle.close() wait forever.)
    const out = fs.createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true });
    try {
      await pipeline(body, meter, out);
    } catch (error) {
      if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
      await fsp.rm(temp, { force: true });
      throw error;
    }
    const sha256 = hash.digest('hex');
    const { ino } = await fsp.stat(temp);
    await fsp.rename(temp, target);
    const sidecarTemp = `${sidecarOf(target)}.${crypto.randomBytes(6).toString('hex')}.tmp`;
    await fsp.writeFile(sidecarTemp, `${sha256} ${size} ${ino}\n`, { mode: 0o600 });
    await fsp.rename(sidecarTemp, sidecarOf(target));
    return { key, size, sha256 };
  }

  async get(key: string): Promise<Readable | null> {
    const file = this.pathOf(key);
    try {
      const handle = await fsp.open(file, 'r');
      return handle.createReadStream();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async stat(key: string): Promise<BlobInfo | null> {
    const file = this.pathOf(key);
    try {
      const stats = await fsp.stat(file);
      const sidecar = await fsp.readFile(sidecarOf(file), 'utf8').catch(() => '');
      const [sha256 = '', , ino] = sidecar.trim().split(' ');
      if (sha256 && (ino === undefined || Number(ino) === stats.ino)) return { key, size: stats.size, sha256 };
      return { key, ...(await hashFile(file)) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<boolean> {
    const file = this.pathOf(key);
    const existed = await fsp.rm(file).then(() => true, (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return false;
      throw error;
    });
    await fsp.rm(sidecarOf(file), { force: true });
    return existed;
  }

  /** A dot-file in the root: no valid key can name it, and concurrent probes never share one. */
  async probe(): Promise<void> {
    const file = path.join(this.root, `.probe-${crypto.randomBytes(6).toString('hex')}`);
    const token = crypto.randomBytes(8).toString('hex');
    try {
      await fsp.writeFile(file, token, { flag: 'wx', mode: 0o600 });
      if ((await fsp.readFile(file, 'utf8')) !== token) throw new Error('the blob directory returned other bytes than were written');
    } finally {
      await fsp.rm(file, { force: true });
    }
  }
}
