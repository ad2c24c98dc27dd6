import { apkComparator } from './apk.js';
import { dpkgComparator } from './dpkg.js';
import { goComparator } from './go.js';
import { mavenComparator } from './maven.js';
import { pep440Comparator } from './pep440.js';
import { rpmComparator } from './rpm.js';
import { semverComparator } from './semver.js';
import type { VersionComparator } from './types.js';

/** Every version comparator, one file each, listed here. */
export const comparators: readonly VersionComparator[] = [
  dpkgComparator,
  rpmComparator,
  apkComparator,
  pep440Comparator,
  semverComparator,
  mavenComparator,
  goComparator,
];

/** The comparator for an OSV ecosystem (`Debian:12` → dpkg), or undefined when none orders it. */
export function comparatorFor(ecosystem: string): VersionComparator | undefined {
  const base = ecosystem.split(':')[0] ?? ecosystem;
  return comparators.find((c) => c.ecosystems.includes(base));
}
