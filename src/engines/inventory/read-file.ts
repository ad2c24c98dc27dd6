import { constants, promises as fsp } from 'node:fs';

/** The file could not be opened or read as a regular file (gone, permission, swapped for a symlink or FIFO). */
export class UnreadableFileError extends Error {}

/**
 * Reads a regular file without following a symlink in its last component (O_NOFOLLOW: a file swapped for a
 * symlink after the walk saw it fails with ELOOP) and without blocking on a FIFO swapped in (O_NONBLOCK, then
 * fstat must say regular file). Reads at most `maxBytes`; a file that grew past it is refused.
 */
export async function readRegularFile(file: string, maxBytes: number): Promise<Buffer> {
  let handle;
  try {
    handle = await fsp.open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new UnreadableFileError(`cannot open: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) throw new UnreadableFileError('not a regular file when opened');
    if (stat.size > maxBytes) throw new UnreadableFileError(`grew to ${stat.size} bytes, over the ${maxBytes} limit`);
    const buffer = Buffer.alloc(stat.size);
    let offset = 0;
    while (offset < buffer.length) {
      const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, offset);
      if (bytesRead === 0) break;
      offset += bytesRead;
    }
    return buffer.subarray(0, offset);
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(`cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  } finally {
    await handle.close();
  }
}
