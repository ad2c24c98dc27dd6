import type { Extractor, InventoryPackage } from '../types.js';
import { parseRpmHeader, RPMTAG } from './rpm-header.js';
import { readSqliteRpmdb } from './rpm-sqlite.js';

const SQLITE_DBS = new Set(['var/lib/rpm/rpmdb.sqlite', 'usr/lib/sysimage/rpm/rpmdb.sqlite']);
/** BerkeleyDB (RHEL ≤ 8, CentOS 7) and NDB (SUSE) databases: recognised, reported as unsupported. */
const LEGACY_DBS = new Map([
  ['var/lib/rpm/Packages', 'BerkeleyDB'],
  ['var/lib/rpm/Packages.db', 'NDB'],
  ['usr/lib/sysimage/rpm/Packages.db', 'NDB'],
]);

/** rpm's own key for the imported signing keys; they are not software. */
const PUBKEY_PSEUDO_PACKAGE = 'gpg-pubkey';

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

/**
 * rpm's package database. The sqlite backend (RHEL 9+, AlmaLinux, Rocky, Fedora 33+) is read in memory from the
 * bytes the walker read, never opened in the scanned root. Without an OSV ecosystem for the OS (Fedora, CentOS,
 * no os-release) packages are reported under the bare `RPM` pseudo-ecosystem, which matches no advisory.
 */
export const rpmExtractor: Extractor = {
  name: 'os/rpm',
  version: 1,
  maxFileBytes: 512 * 1024 * 1024,
  fileRequired: (file) => SQLITE_DBS.has(file.path) || LEGACY_DBS.has(file.path),
  async extract(input) {
    const legacy = LEGACY_DBS.get(input.path);
    if (legacy) throw new Error(`${legacy} rpm databases are not supported yet; packages in this file were not listed`);
    const ecosystem = input.os?.ecosystem ?? 'RPM';
    const packages: InventoryPackage[] = [];
    const problems: string[] = [];
    for (const blob of readSqliteRpmdb(await input.read())) {
      try {
        const pkg = headerToPackage(blob, input.path, ecosystem);
        if (pkg) packages.push(pkg);
      } catch (err) {
        problems.push(err instanceof Error ? err.message : String(err));
      }
    }
    if (problems.length > 0 && packages.length === 0) throw new Error(`no readable package header: ${problems[0]}`);
    return packages;
  },
};
