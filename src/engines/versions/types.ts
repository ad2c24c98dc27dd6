/**
 * Version ordering, one comparator per ecosystem (dpkg, rpm, apk, PEP 440, SemVer, Maven, Go). Pure functions;
 * registered in `index.ts` (`comparatorFor(ecosystem)`), used by the vulnerability matcher to sort OSV range events.
 */
export interface VersionComparator {
  /** Short name, e.g. `dpkg`, `rpm`, `apk`, `pep440`, `semver`, `maven`, `go`. */
  readonly name: string;
  /**
   * OSV ecosystem names (the part before the first `:`) this comparator orders: e.g. `Debian`, `Ubuntu` for dpkg;
   * `AlmaLinux`, `Rocky Linux`, `Red Hat` for rpm; `Alpine` for apk; `PyPI`; `npm`; `Maven`; `Go`.
   */
  readonly ecosystems: readonly string[];
  /** Negative, zero or positive as `a` sorts before, equal to or after `b`. Never throws: odd input sorts deterministically. */
  compare(a: string, b: string): number;
  /** Whether the ecosystem's own tool would accept `version` (the matcher reports, but still orders, invalid ones). */
  isValid(version: string): boolean;
}
