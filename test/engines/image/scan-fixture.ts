import { readFileSync } from 'node:fs';
import path from 'node:path';
import { cleanBytes, eicar, guardpostMarker, writeZip } from '../antivirus/av-helpers.js';
import type { LayerSpec } from './image-builder.js';

/** The image the scan tests build (not a test file itself): known packages, unowned files, flags, markers. */

export const MiB = 1024 * 1024;
/** The scan tests pass this as `largeFileBytes`. */
export const LARGE = MiB;

const dpkgStatus = [
  'Package: base-files\nStatus: install ok installed\nVersion: 12.4+deb12u5\nArchitecture: amd64\nConffiles:\n /etc/issue 0123456789abcdef0123456789abcdef\n',
  'Package: libc6\nStatus: install ok installed\nSource: glibc\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\n',
  'Package: removed-pkg\nStatus: deinstall ok config-files\nVersion: 1.0\n',
].join('\n');

const apkInstalled = 'C:Q1abc=\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\nF:bin\nR:busybox\nF:etc\nR:busybox-paths.d\n\n';

/** A zip holding EICAR (built at run time) in a nested directory. */
export async function zipWithEicar(dir: string): Promise<Buffer> {
  const file = path.join(dir, 'bundle.zip');
  await writeZip(file, { 'readme.txt': cleanBytes(11, 400), 'deep/eicar.txt': eicar() });
  return readFileSync(file);
}

/**
 * Layer 0: Debian-like base (dpkg status + info lists, an apk db), owned files (one through the `lib64` → `usr/lib64`
 * symlink), unowned files with setuid / setgid / world-writable / large, EICAR in opt/payload, the Guardpost
 * marker in usr/local/bin/tool. Layer 1: whiteout of the EICAR file, the tool replaced by a clean one, a zip with
 * EICAR inside. Layer 2: a large file with EICAR appended (streamed to clamd), device-ish paths under dev/.
 */
export async function scanFixtureLayers(dir: string): Promise<LayerSpec[]> {
  return [
    {
      createdBy: '/bin/sh -c #(nop) ADD file:base in / ',
      entries: [
        { name: 'etc/', type: 'directory' },
        { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n' },
        { name: 'etc/issue', content: 'Debian GNU/Linux 12\n' },
        { name: 'var/lib/dpkg/status', content: dpkgStatus },
        { name: 'var/lib/dpkg/info/base-files.list', content: '/.\n/etc\n/usr/share/base-files/motd\n' },
        { name: 'var/lib/dpkg/info/libc6:amd64.list', content: '/.\n/lib64/ld-linux-x86-64.so.2\n' },
        { name: 'lib/apk/db/installed', content: apkInstalled },
        { name: 'usr/share/base-files/motd', content: 'motd\n' },
        { name: 'usr/lib64/ld-linux-x86-64.so.2', content: 'ELF ld.so', mode: 0o755 },
        { name: 'lib64', type: 'symlink', linkname: 'usr/lib64' },
        { name: 'bin/busybox', content: 'ELF busybox', mode: 0o755 },
        { name: 'bin/sh', type: 'symlink', linkname: '/bin/busybox' },
        { name: 'usr/bin/su-helper', content: 'ELF su', mode: 0o4755 },
        { name: 'usr/bin/sgid-tool', content: 'ELF sgid', mode: 0o2755 },
        { name: 'srv/shared.txt', content: 'shared\n', mode: 0o666 },
        { name: 'opt/big.bin', content: cleanBytes(5, 2 * MiB) },
        { name: 'opt/payload/eicar.com', content: eicar() },
        { name: 'usr/local/bin/tool', content: Buffer.concat([Buffer.from('#!/bin/sh\n'), guardpostMarker()]), mode: 0o755 },
      ],
    },
    {
      createdBy: '/bin/sh -c rm /opt/payload/eicar.com && cp tool /usr/local/bin/tool && cp bundle.zip /srv/',
      compression: 'zstd',
      entries: [
        { name: 'opt/payload/.wh.eicar.com' },
        { name: 'usr/local/bin/tool', content: '#!/bin/sh\necho clean\n', mode: 0o755 },
        { name: 'srv/bundle.zip', content: await zipWithEicar(dir) },
      ],
    },
    {
      createdBy: '/bin/sh -c dd if=/dev/urandom of=/opt/big-infected.bin',
      compression: 'none',
      entries: [
        { name: 'opt/big-infected.bin', content: Buffer.concat([cleanBytes(9, 2 * MiB), eicar()]) },
        { name: 'dev/', type: 'directory' },
        { name: 'dev/console-log', content: 'pseudo' },
        { name: 'proc/', type: 'directory' },
      ],
    },
  ];
}
