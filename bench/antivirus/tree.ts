import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanBytes, eicar, guardpostMarker, writeZip } from '../../test/engines/antivirus/av-helpers.js';

/**
 * The benchmark's scan tree: many small text and binary files spread over directories, some files of a few MB,
 * and a few markers (EICAR and the Guardpost marker, assembled at run time: whole, appended, inside a zip, deep
 * in a large file). Deterministic in shape; contents are generated, never copied from the repository.
 */

export interface BenchTree {
  root: string;
  files: number;
  bytes: number;
  /** Absolute path → the file is a marker that must be detected. */
  markers: Set<string>;
}

const MiB = 1024 * 1024;

export async function generateTree(root: string, opts: { smallFiles: number; largeFiles: number; largeMiB: number }): Promise<BenchTree> {
  const markers = new Set<string>();
  let files = 0;
  let bytes = 0;
  const write = (rel: string, data: Buffer): string => {
    const file = path.join(root, rel);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, data);
    files++;
    bytes += data.length;
    return file;
  };
  const perDir = 200;
  for (let i = 0; i < opts.smallFiles; i++) {
    const dir = `small/g${Math.floor(i / (perDir * 20))}/d${Math.floor(i / perDir)}`;
    // Two thirds text (200 B – 12 KiB), one third binary (1 – 64 KiB).
    if (i % 3 !== 2) write(`${dir}/note-${i}.txt`, cleanBytes(i, 200 + ((i * 7919) % (12 * 1024))));
    else write(`${dir}/blob-${i}.bin`, randomBytes(1024 + ((i * 104729) % (63 * 1024))));
  }
  for (let i = 0; i < opts.largeFiles; i++) {
    const size = Math.max(1, Math.round(opts.largeMiB * (0.5 + (i % 5) / 4))) * MiB;
    write(`large/file-${i}.${i % 2 === 0 ? 'bin' : 'log'}`, i % 2 === 0 ? randomBytes(size) : Buffer.alloc(size, cleanBytes(i, 4096)));
  }
  markers.add(write('markers/eicar.com', eicar()));
  markers.add(write('markers/web/shell.php', Buffer.concat([Buffer.from('<?php echo 1; ?>\n'), eicar()])));
  markers.add(write('markers/notes.txt', Buffer.concat([cleanBytes(99, 5000), guardpostMarker(), cleanBytes(98, 500)])));
  markers.add(write('markers/appended-large.bin', Buffer.concat([randomBytes(3 * MiB), eicar()])));
  markers.add(write(`small/g0/d0/zz-hidden.txt`, Buffer.concat([cleanBytes(97, 800), guardpostMarker()])));
  const zip = path.join(root, 'markers/bundle.zip');
  await writeZip(zip, { 'readme.txt': cleanBytes(1, 500), 'deep/eicar.txt': eicar() });
  markers.add(zip);
  files++;
  bytes += statSync(zip).size;
  return { root, files, bytes, markers };
}
