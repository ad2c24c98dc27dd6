import type { InventoryPackage } from '../inventory/types.js';

/**
 * How an installed package meets an advisory, per ecosystem family: which name the advisory uses, how names are
 * normalized, and which version string is compared. One rule per family, in a list; the first whose `ecosystems`
 * contains the base ecosystem (the part before the first `:`) applies, otherwise names match exactly.
 *
 * Ecosystem strings match exactly (`Debian:12` ↔ `Debian:12`, `AlmaLinux:9` ↔ `AlmaLinux:9`; OSV's OS feeds always
 * carry the release). An advisory for a bare OS ecosystem (`Debian`, no release) applies to every release.
 */

export interface PackageKeyRule {
  readonly ecosystems: readonly string[];
  /** The advisory-side name of an installed package. */
  advisoryName(pkg: InventoryPackage): string;
  /** The version compared against the advisory's ranges. */
  advisoryVersion(pkg: InventoryPackage): string;
  /** Normalizes names on both sides (identity unless the ecosystem folds them). */
  normalizeName(name: string): string;
}

const identity = (name: string): string => name;

/** PEP 503: lowercase, runs of `-`, `_`, `.` become one `-`. */
export function pep503Name(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** `[epoch:]version-release`, the form OSV RPM ranges use; epoch 0 is left implicit, as the feeds write it. */
export function rpmEvr(pkg: InventoryPackage): string {
  if (pkg.epoch === undefined || pkg.epoch === 0 || pkg.version.includes(':')) return pkg.version;
  return `${pkg.epoch}:${pkg.version}`;
}

export const packageKeyRules: readonly PackageKeyRule[] = [
  {
    // Debian-style advisories name source packages at source versions.
    ecosystems: ['Debian', 'Ubuntu'],
    advisoryName: (pkg) => pkg.sourceName ?? pkg.name,
    advisoryVersion: (pkg) => pkg.sourceVersion ?? pkg.version,
    normalizeName: identity,
  },
  {
    // Alpine secdb advisories name the origin (source) package; versions are the binary's (same for a build).
    ecosystems: ['Alpine'],
    advisoryName: (pkg) => pkg.sourceName ?? pkg.name,
    advisoryVersion: (pkg) => pkg.version,
    normalizeName: identity,
  },
  {
    // RPM distributions list binary packages with `epoch:version-release`.
    ecosystems: ['AlmaLinux', 'Rocky Linux', 'Red Hat', 'openSUSE', 'SUSE', 'Mageia', 'openEuler'],
    advisoryName: (pkg) => pkg.name,
    advisoryVersion: rpmEvr,
    normalizeName: identity,
  },
  {
    ecosystems: ['PyPI'],
    advisoryName: (pkg) => pkg.name,
    advisoryVersion: (pkg) => pkg.version,
    normalizeName: pep503Name,
  },
];

const exactRule: PackageKeyRule = {
  ecosystems: [],
  advisoryName: (pkg) => pkg.name,
  advisoryVersion: (pkg) => pkg.version,
  normalizeName: identity,
};

export function baseEcosystem(ecosystem: string): string {
  const colon = ecosystem.indexOf(':');
  return colon === -1 ? ecosystem : ecosystem.slice(0, colon);
}

export function ruleFor(ecosystem: string): PackageKeyRule {
  const base = baseEcosystem(ecosystem);
  return packageKeyRules.find((r) => r.ecosystems.includes(base)) ?? exactRule;
}

/** Index key of an advisory's `affected[].package`. */
export function advisoryKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u001f${ruleFor(ecosystem).normalizeName(name)}`;
}

/** The keys an installed package is looked up under: its own ecosystem, then the bare base ecosystem. */
export function packageKeys(pkg: InventoryPackage): string[] {
  const rule = ruleFor(pkg.ecosystem);
  const name = rule.normalizeName(rule.advisoryName(pkg));
  const base = baseEcosystem(pkg.ecosystem);
  const keys = [`${pkg.ecosystem}\u001f${name}`];
  if (base !== pkg.ecosystem) keys.push(`${base}\u001f${name}`);
  return keys;
}
