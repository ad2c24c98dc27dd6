import type { VersionComparator } from './types.js';

/** Every version comparator, one file each, listed here. */
export const comparators: readonly VersionComparator[] = [];

/** The comparator for an OSV ecosystem (`Debian:12` → dpkg), or undefined when none orders it. */
export function comparatorFor(ecosystem: string): VersionComparator | undefined {
  const base = ecosystem.split(':')[0] ?? ecosystem;
  return comparators.find((c) => c.ecosystems.includes(base));
}
