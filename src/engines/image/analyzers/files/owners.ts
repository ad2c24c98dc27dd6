import { parseDeb822 } from '../../../inventory/os/dpkg.js';
import { isRpmDatabasePath, rpmOwnedPaths } from '../../../inventory/os/rpm.js';

/** Where a package manager records which files its packages own. */
export interface OwnerSource {
  name: string;
  /** The database files (final paths, root-relative) this source reads. */
  wants(path: string): boolean;
  /** The owned paths (absolute or relative, as the database writes them) of one database file. */
  owned(path: string, bytes: Buffer): string[];
}

const DPKG_INFO = 'var/lib/dpkg/info/';

/** dpkg: `info/<pkg>[:arch].list` (one path a line) and the `Conffiles:` of `status` (` /etc/x <md5>` lines). */
const dpkgOwners: OwnerSource = {
  name: 'dpkg',
  wants: (path) => path === 'var/lib/dpkg/status' || (path.startsWith(DPKG_INFO) && path.endsWith('.list') && !path.slice(DPKG_INFO.length).includes('/')),
  owned(path, bytes) {
    const text = bytes.toString('utf8');
    if (path.endsWith('.list')) return text.split('\n').filter((line) => line !== '');
    return parseDeb822(text).flatMap((paragraph) => (paragraph.get('conffiles') ?? '').split('\n').map((line) => line.trim().split(/\s+/)[0] ?? '').filter((p) => p.startsWith('/')));
  },
};

/** apk: `lib/apk/db/installed`: `F:<dir>` opens a directory, each following `R:<name>` is a file in it. */
const apkOwners: OwnerSource = {
  name: 'apk',
  wants: (path) => path === 'lib/apk/db/installed',
  owned(_path, bytes) {
    const owned: string[] = [];
    let dir = '';
    for (const line of bytes.toString('utf8').split('\n')) {
      if (line === '') dir = '';
      else if (line.startsWith('F:')) dir = line.slice(2);
      else if (line.startsWith('R:')) owned.push(dir === '' ? line.slice(2) : `${dir}/${line.slice(2)}`);
    }
    return owned;
  },
};

/** rpm: the file lists in every header of the rpmdb (sqlite or BerkeleyDB). */
const rpmOwners: OwnerSource = { name: 'rpm', wants: isRpmDatabasePath, owned: rpmOwnedPaths };

export const OWNER_SOURCES: readonly OwnerSource[] = [dpkgOwners, apkOwners, rpmOwners];

/** The package managers' own database directories: their files are bookkeeping, not unowned software. */
export const PACKAGE_DB_DIRS: readonly string[] = ['var/lib/dpkg/', 'lib/apk/db/', 'var/lib/rpm/', 'usr/lib/sysimage/rpm/'];
