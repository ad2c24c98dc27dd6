import { promises as fsp } from 'node:fs';
import path from 'node:path';
import type { ClamdClient } from './clamd-client.js';

/**
 * Whether a clamd can read the files this process holds open through `/proc/<pid>/fd/<n>` (descriptor scans): it
 * must run as this user or root, follow the magic link (FollowFileSymlinks) and be allowed by its MAC profile to
 * read. Probed once with a file holding the EICAR test string (assembled here, written 0600 into a private
 * temporary directory and removed at once): only a FOUND answer proves clamd read it. Anything else — an error,
 * "OK" from a clamd that skipped the link, a database without EICAR — means the bytes are streamed (INSTREAM).
 */
export async function descriptorScansWork(client: ClamdClient, parentDir: string): Promise<boolean> {
  let dir: string | null = null;
  try {
    dir = await fsp.mkdtemp(path.join(parentDir, 'probe-'));
    const file = path.join(dir, 'probe.com');
    const probe = Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'].join(''), 'latin1');
    await fsp.writeFile(file, probe, { mode: 0o600 });
    const handle = await fsp.open(file, 'r');
    try {
      const { reply } = await client.scanDescriptor(handle.fd, probe.length);
      return reply.kind === 'found';
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  } finally {
    if (dir) await fsp.rm(dir, { recursive: true, force: true }).catch(() => undefined);
  }
}
