import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { constants, promises as fsp } from 'node:fs';
import path from 'node:path';
import { killProcessesRunning } from './process-kill.js';

/**
 * The host's quarantine vault: a root-only directory (0700) where an isolated file is kept encrypted with the
 * vault's own AES-256-GCM key (`vault.key`, 0600, made on first use), so it is neither executable nor readable
 * as it was. Next to each `<ref>.bin` (nonce ‖ tag ‖ ciphertext) a `<ref>.json` records the original path, mode,
 * owner, times and SHA-256; the metadata is the cipher's additional data, so editing it breaks decryption.
 */

/** Larger files are not isolated (they are read whole into memory). */
export const MAX_ISOLATE_BYTES = 256 * 1024 * 1024;

export interface VaultEntry {
  path: string; mode: number; uid: number; gid: number; atime_ms: number; mtime_ms: number; sha256: string; size: number; isolated_at: number;
}

export type IsolateOutcome = { ok: true; ref: string; killed: number[]; entry: VaultEntry } | { ok: false; reason: string };
export type RestoreOutcome = { ok: true; entry: VaultEntry } | { ok: false; reason: string };

const REF = /^[0-9a-f]{32}$/;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

export class QuarantineVault {
  constructor(private readonly dir: string) {}

  private async key(): Promise<Buffer> {
    await fsp.mkdir(this.dir, { recursive: true, mode: 0o700 });
    await fsp.chmod(this.dir, 0o700);
    const file = path.join(this.dir, 'vault.key');
    try {
      const key = await fsp.readFile(file);
      if (key.length !== 32) throw new Error(`${file} is not a 32-byte key`);
      return key;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      const key = randomBytes(32);
      await fsp.writeFile(file, key, { mode: 0o600, flag: 'wx' });
      return fsp.readFile(file);
    }
  }

  /**
   * Isolates `file` if its SHA-256 is still `expectedSha256`: ends the processes running it (by PID), writes the
   * encrypted copy and its record, then removes the original.
   */
  async isolate(file: string, expectedSha256: string): Promise<IsolateOutcome> {
    if (!path.isAbsolute(file) || file.includes('\0')) return { ok: false, reason: `${file} is not an absolute path` };
    let handle: fsp.FileHandle;
    try {
      handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (error) {
      return { ok: false, reason: `cannot open ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
    }
    let data: Buffer;
    let st: Awaited<ReturnType<fsp.FileHandle['stat']>>;
    try {
      st = await handle.stat();
      if (!st.isFile()) return { ok: false, reason: `${file} is not a regular file` };
      if (st.size > MAX_ISOLATE_BYTES) return { ok: false, reason: `${file} is larger than ${MAX_ISOLATE_BYTES} bytes` };
      data = await handle.readFile();
    } finally {
      await handle.close();
    }
    const actual = sha256(data);
    if (actual !== expectedSha256.toLowerCase()) {
      return { ok: false, reason: `${file} changed since the scan: its SHA-256 is ${actual}, not ${expectedSha256.toLowerCase()}; not isolated` };
    }
    const killed = await killProcessesRunning(file);
    const entry: VaultEntry = {
      path: file, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, atime_ms: st.atimeMs, mtime_ms: st.mtimeMs, sha256: actual, size: data.length,
      isolated_at: Date.now(),
    };
    const key = await this.key();
    const ref = randomBytes(16).toString('hex');
    const meta = Buffer.from(JSON.stringify(entry));
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(meta);
    const sealed = Buffer.concat([cipher.update(data), cipher.final()]);
    await fsp.writeFile(path.join(this.dir, `${ref}.bin`), Buffer.concat([nonce, cipher.getAuthTag(), sealed]), { mode: 0o600, flag: 'wx' });
    await fsp.writeFile(path.join(this.dir, `${ref}.json`), meta, { mode: 0o600, flag: 'wx' });
    await fsp.unlink(file);
    return { ok: true, ref, killed, entry };
  }

  /**
   * Writes the file kept under `ref` back byte for byte with its mode, owner and times. An existing file at the
   * path is left alone: the same bytes count as restored, different bytes refuse. `expected` must match the record.
   */
  async restore(ref: string, expected: { path: string; sha256: string }): Promise<RestoreOutcome> {
    if (!REF.test(ref)) return { ok: false, reason: `vault reference ${ref.slice(0, 64)} is malformed` };
    let meta: Buffer;
    let blob: Buffer;
    try {
      meta = await fsp.readFile(path.join(this.dir, `${ref}.json`));
      blob = await fsp.readFile(path.join(this.dir, `${ref}.bin`));
    } catch {
      return { ok: false, reason: `nothing in the vault under ${ref}` };
    }
    const entry = JSON.parse(meta.toString('utf8')) as VaultEntry;
    if (entry.path !== expected.path || entry.sha256 !== expected.sha256.toLowerCase()) {
      return { ok: false, reason: `vault entry ${ref} holds ${entry.path} (${entry.sha256}), not the file asked for` };
    }
    let data: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', await this.key(), blob.subarray(0, 12));
      decipher.setAuthTag(blob.subarray(12, 28));
      decipher.setAAD(meta);
      data = Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
    } catch {
      return { ok: false, reason: `the vault copy ${ref} does not decrypt (tampered or another vault's key)` };
    }
    if (sha256(data) !== entry.sha256) return { ok: false, reason: `the vault copy ${ref} does not match its recorded SHA-256` };
    const existing = await fsp.readFile(entry.path).catch(() => null);
    if (existing && sha256(existing) !== entry.sha256) return { ok: false, reason: `${entry.path} exists with other contents; not overwritten` };
    if (!existing) {
      const temp = path.join(path.dirname(entry.path), `.gp-restore-${ref}`);
      try {
        await fsp.writeFile(temp, data, { mode: 0o600, flag: 'wx' });
        await fsp.chown(temp, entry.uid, entry.gid);
        await fsp.chmod(temp, entry.mode);
        await fsp.utimes(temp, entry.atime_ms / 1000, entry.mtime_ms / 1000);
        // link() never replaces: a file that appeared meanwhile is not overwritten.
        await fsp.link(temp, entry.path);
      } catch (error) {
        return { ok: false, reason: `cannot write ${entry.path} back: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
      } finally {
        await fsp.rm(temp, { force: true });
      }
    }
    await fsp.unlink(path.join(this.dir, `${ref}.bin`));
    await fsp.unlink(path.join(this.dir, `${ref}.json`));
    return { ok: true, entry };
  }
}
