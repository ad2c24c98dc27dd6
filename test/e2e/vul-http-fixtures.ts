import fs from 'node:fs';
import path from 'node:path';
import { put } from '../engines/inventory/inventory-helpers.js';

/**
 * Fixture host roots and OSV advisories of the HTTP end-to-end test (not a test file), with exactly known
 * versions so every finding the API returns is known in advance.
 */

export const CRITICAL_VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';

/** Alpine 3.19: libcrypto3 3.1.2-r0 (origin openssl), busybox 1.36.1-r15. */
export function alpineLikeRoot(root: string): string {
  put(root, 'etc/os-release', 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n');
  put(root, 'lib/apk/db/installed', 'P:libcrypto3\nV:3.1.2-r0\nA:x86_64\no:openssl\n\nP:busybox\nV:1.36.1-r15\nA:x86_64\no:busybox\n\n');
  return root;
}

/** Debian 12: libssl3 3.0.11-1~deb12u1 built from source openssl. */
export function debianLikeRoot(root: string): string {
  put(root, 'etc/os-release', 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n');
  put(root, 'var/lib/dpkg/status', [
    'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u1\n',
    'Package: bash\nStatus: install ok installed\nArchitecture: amd64\nVersion: 5.2.15-2\n',
  ].join('\n'));
  return root;
}

export const PYPI_METADATA = 'srv/py/site-packages/requests-2.19.0.dist-info/METADATA';
export const NPM_LOCK = 'srv/web/package-lock.json';

/** No OS at all: PyPI requests 2.19.0 and an npm lockfile (v3) pinning lodash 4.17.20. */
export function appOnlyRoot(root: string): string {
  put(root, PYPI_METADATA, 'Metadata-Version: 2.1\nName: requests\nVersion: 2.19.0\n');
  put(root, NPM_LOCK, JSON.stringify({
    name: 'web', version: '1.0.0', lockfileVersion: 3, requires: true,
    packages: {
      '': { name: 'web', version: '1.0.0', dependencies: { lodash: '4.17.20' } },
      'node_modules/lodash': { version: '4.17.20', resolved: 'https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz' },
    },
  }));
  return root;
}

export interface OsvJson { id: string; modified: string; [key: string]: unknown }

/** One OSV record: `name` in `ecosystem` affected from 0 until `fixed`, one CVE alias with a critical CVSS v3 vector. */
export function osv(id: string, cve: string, ecosystem: string, name: string, fixed: string, modified = '2024-01-01T00:00:00Z'): OsvJson {
  return {
    id, modified, summary: `${name} problem ${id}`, details: `${name} before ${fixed} is vulnerable`, aliases: [cve],
    severity: [{ type: 'CVSS_V3', score: CRITICAL_VECTOR }],
    affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  };
}

/** The advisories of the first import: one hit per fixture host and package source. */
export const FIRST_IMPORT: OsvJson[] = [
  osv('GP-ALPINE-1', 'CVE-2024-1001', 'Alpine:v3.19', 'openssl', '3.1.4-r1'),
  osv('GP-ALPINE-2', 'CVE-2024-1002', 'Alpine:v3.19', 'busybox', '1.36.1-r2'),
  osv('GP-DEBIAN-1', 'CVE-2024-2001', 'Debian:12', 'openssl', '3.0.13-1~deb12u1'),
  osv('GP-DEBIAN-2', 'CVE-2024-2002', 'Debian:12', 'libssl3', '9.9'),
  osv('GP-PYSEC-1', 'CVE-2024-3001', 'PyPI', 'requests', '2.20.0'),
  osv('GP-NPM-1', 'CVE-2024-4001', 'npm', 'lodash', '4.17.21'),
];

/** The second import: a new PyPI advisory for requests and a newer copy of GP-NPM-1 that withdraws it. */
export const SECOND_IMPORT: OsvJson[] = [
  osv('GP-PYSEC-2', 'CVE-2024-3002', 'PyPI', 'requests', '2.31.0'),
  { ...osv('GP-NPM-1', 'CVE-2024-4001', 'npm', 'lodash', '4.17.21', '2024-06-01T00:00:00Z'), withdrawn: '2024-06-01T00:00:00Z' },
];

export function writeOsvDir(dir: string, records: readonly OsvJson[]): string {
  fs.mkdirSync(dir, { recursive: true });
  for (const record of records) fs.writeFileSync(path.join(dir, `${record.id}.json`), JSON.stringify(record));
  return dir;
}
