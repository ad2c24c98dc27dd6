import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { run, tempRoot as inventoryTempRoot } from '../inventory/inventory-helpers.js';

/**
 * Test markers and trees for the antivirus tests (not a test file itself). The EICAR string and the
 * Guardpost marker are assembled here at run time so that no file of the repository contains them.
 */

export function eicar(): Buffer {
  return Buffer.from(['X5O!P%@AP[4\\PZX54(P^)7CC)7}$', 'EICAR-STANDARD-ANTIVIRUS-', 'TEST-FILE!$H+H*'].join(''), 'latin1');
}

export function guardpostMarker(): Buffer {
  return Buffer.from(['GUARDPOST-ANTIVIRUS-TEST-', 'MARKER-4D1F'].join(''), 'latin1');
}

/** The whole-file content signatures/antivirus/guardpost.hsb names by SHA-256. */
export const HASH_TEST_FILE = 'Guardpost antivirus hash test file v1\n';

export const SIG_EICAR = 'Guardpost.Test.EICAR.UNOFFICIAL';
export const SIG_MARKER = 'YARA.Guardpost_Test_Marker.UNOFFICIAL';
export const SIG_HASH = 'Guardpost.Test.HashFile.UNOFFICIAL';

export { put, run } from '../inventory/inventory-helpers.js';

export function tempRoot(prefix = 'gp-av-'): { root: string; cleanup: () => void } {
  return inventoryTempRoot(prefix);
}

/** Some bytes that match no signature, different per `seed`. */
export function cleanBytes(seed: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let x = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 0x20 + ((x >>> 0) % 90);
  }
  return out;
}

/** `dirs` × `perDir` clean files under `<root>/<rel>`; returns how many. */
export function cleanTree(root: string, rel: string, dirs: number, perDir: number): number {
  for (let d = 0; d < dirs; d++) {
    mkdirSync(path.join(root, rel, `d${d}`), { recursive: true });
    for (let f = 0; f < perDir; f++) writeFileSync(path.join(root, rel, `d${d}`, `f${f}.txt`), cleanBytes(d * 1000 + f, 64 + ((d + f) % 200)));
  }
  return dirs * perDir;
}

export async function writeZip(file: string, entries: Record<string, Buffer>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, data] of Object.entries(entries)) zip.addBuffer(data, name);
  zip.end();
  await pipeline(zip.outputStream, createWriteStream(file));
}

/** A tar.gz made by the system tar of `<dir>` (relative names). */
export function writeTarGz(file: string, dir: string): void {
  run(['tar', '-czf', file, '-C', dir, '.']);
}
