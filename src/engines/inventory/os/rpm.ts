import type { Extractor, InventoryPackage } from '../types.js';
import { readBerkeleyDbHashValues } from './rpm-bdb.js';
import { parseRpmHeader, RPMTAG } from './rpm-header.js';
import { readSqliteRpmdb } from './rpm-sqlite.js';

interface RpmDatabaseFormat {
  name: string;
  paths: readonly string[];
  /** The header blobs stored in the database file. */
  headers(bytes: Buffer): Buffer[];
}

/** Where each rpmdb backend lives (`/var/lib/rpm` is a symlink to `/usr/lib/sysimage/rpm` on newer systems). */
const FORMATS: readonly RpmDatabaseFormat[] = [
  { name: 'sqlite', paths: ['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite'], headers: readSqliteRpmdb },
  { name: 'BerkeleyDB', paths: ['var/lib/rpm/Packages', 'usr/lib/sysimage/rpm/Packages'], headers: readBerkeleyDbHashValues },
  {
    name: 'NDB',
    paths: ['var/lib/rpm/Packages.db', 'usr/lib/sysimage/rpm/Packages.db'],
    headers: () => {
      throw new Error('NDB rpm databases (SUSE) are not supported yet; packages in this file were not listed');
    },
  },
];

const FORMAT_BY_PATH = new Map(FORMATS.flatMap((f) => f.paths.map((p) => [p, f] as const)));

/** rpm's own key for the imported signing keys; they are not software. */
const PUBKEY_PSEUDO_PACKAGE = 'gpg-pubkey';

/** BerkeleyDB bookkeeping records (a 4-byte counter) are shorter than any header preamble. */
const MIN_HEADER_BYTES = 8;

/** `foo-1.2-3.el9.src.rpm` → `foo` (the name is everything before the last two `-` fields). */
export function sourceRpmName(sourceRpm: string): string | undefined {
  const base = sourceRpm.replace(/\.(?:no)?src\.rpm$/, '');
  const parts = base.split('-');
  return parts.length >= 3 ? parts.slice(0, -2).join('-') : undefined;
}

function headerToPackage(blob: Buffer, location: string, ecosystem: string): InventoryPackage | null {
  const header = parseRpmHeader(blob);
  const name = header.string(RPMTAG.NAME);
  const version = header.string(RPMTAG.VERSION);
  const release = header.string(RPMTAG.RELEASE);
  if (!name || !version || name === PUBKEY_PSEUDO_PACKAGE) return null;
  const epoch = header.int32(RPMTAG.EPOCH) ?? 0;
  const evr = `${epoch !== 0 ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}`;
  const pkg: InventoryPackage = { name, version: evr, ecosystem, kind: 'os', location, extractor: rpmExtractor.name, epoch };
  const sourceRpm = header.string(RPMTAG.SOURCERPM);
  const sourceName = sourceRpm ? sourceRpmName(sourceRpm) : undefined;
  if (sourceName) pkg.sourceName = sourceName;
  const arch = header.string(RPMTAG.ARCH);
  if (arch) pkg.arch = arch;
  return pkg;
}

/** Whether `path` is one of the rpmdb files this reader understands. */
export const isRpmDatabasePath = (path: string): boolean => FORMAT_BY_PATH.has(path);

/**
 * The files every installed package owns, from the rpmdb at `path` (its bytes): BASENAMES joined to DIRNAMES by
 * DIRINDEXES (OLDFILENAMES in old headers). Absolute paths as rpm records them. Throws on an unreadable database.
 */
export function rpmOwnedPaths(path: string, bytes: Buffer): string[] {
  const format = FORMAT_BY_PATH.get(path);
  if (!format) return [];
  const owned: string[] = [];
  for (const blob of format.headers(bytes)) {
    if (blob.length < MIN_HEADER_BYTES) continue;
    const header = parseRpmHeader(blob);
    if (header.string(RPMTAG.NAME) === PUBKEY_PSEUDO_PACKAGE) continue;
    const dirs = header.strings(RPMTAG.DIRNAMES);
    const indexes = header.int32s(RPMTAG.DIRINDEXES);
    header.strings(RPMTAG.BASENAMES).forEach((base, i) => {
      const dir = dirs[indexes[i] ?? -1];
      if (dir !== undefined) owned.push(`${dir}${base}`);
    });
    owned.push(...header.strings(RPMTAG.OLDFILENAMES));
  }
  return owned;
}

/**
 * rpm's package database: sqlite (RHEL 9+, AlmaLinux, Rocky, Fedora 33+), read in memory from the bytes the
 * walker read, never opened in the scanned root; BerkeleyDB hash `Packages` (RHEL ≤ 8, CentOS 7), parsed
 * directly; NDB (SUSE) is reported as unsupported. Without an OSV ecosystem for the OS (Fedora, CentOS, no
 * os-release) packages are reported under the bare `RPM` pseudo-ecosystem, which matches no advisory.
 */
export const rpmExtractor: Extractor = {
  name: 'os/rpm',
  version: 1,
  // The sqlite reader holds the file and one in-memory copy; real rpmdbs are tens of MiB.
  maxFileBytes: 256 * 1024 * 1024,
  fileRequired: (file) => FORMAT_BY_PATH.has(file.path),
  async extract(input) {
    const format = FORMAT_BY_PATH.get(input.path);
    if (!format) return [];
    const ecosystem = input.os?.ecosystem ?? 'RPM';
    const packages: InventoryPackage[] = [];
    for (const blob of format.headers(await input.read())) {
      if (blob.length < MIN_HEADER_BYTES) continue;
      try {
        const pkg = headerToPackage(blob, input.path, ecosystem);
        if (pkg) packages.push(pkg);
      } catch (err) {
        input.report(`${format.name} header skipped: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    return packages;
  },
};
