import type { InventoryPackage } from '../inventory/types.js';
import type { VersionComparator } from '../versions/types.js';
import { modifiedMs, type OsvAffected, type OsvRecord } from './osv-schema.js';
import { advisoryKey, packageKeys, ruleFor } from './package-keys.js';
import { evaluatePrepared, prepareAffected, type PreparedAffected } from './ranges.js';
import { advisorySeverity, type AdvisorySeverity } from './severity.js';

/**
 * Matching an inventory against advisories: an index built once from the current records,
 * `(ecosystem, normalized package name)` → the affected entries naming that package, with their range events
 * already sorted by the ecosystem's comparator; each installed package then costs one or two map look-ups plus
 * the range walks of the advisories that name it.
 */

export type ComparatorLookup = (ecosystem: string) => VersionComparator | undefined;

export interface Advisory {
  id: string;
  modified: string;
  aliases: string[];
  /** CVE ids folded from the id, `aliases` and `related` (AlmaLinux lists its CVEs as `related`). */
  cves: string[];
  summary: string;
  severity: AdvisorySeverity;
}

interface IndexedEntry {
  advisory: Advisory;
  affected: OsvAffected;
  /** Null when no comparator orders the advisory's ecosystem (then only `versions[]` can match). */
  prepared: PreparedAffected | null;
}

export interface AdvisoryIndex {
  readonly byKey: ReadonlyMap<string, readonly IndexedEntry[]>;
  readonly advisories: number;
}

export interface Finding {
  vulnId: string;
  aliases: string[];
  cves: string[];
  package: InventoryPackage;
  /** The version compared (source version for Debian, `epoch:version-release` for RPM). */
  matchedVersion: string;
  fixedVersion?: string;
  severity: AdvisorySeverity;
  /** The advisory's ecosystem for this package (`AlmaLinux:9`, `PyPI`). */
  ecosystem: string;
}

export interface MatchResult {
  findings: Finding[];
  /** Ecosystems of installed packages that advisories name but no comparator orders (their ranges were not evaluated). */
  uncomparable: string[];
}

/** One record per id: the newest `modified` wins (the first seen on a tie); withdrawn records are then dropped. */
export function mergeRecords(records: Iterable<OsvRecord>): OsvRecord[] {
  const byId = new Map<string, OsvRecord>();
  for (const record of records) {
    const current = byId.get(record.id);
    if (!current || modifiedMs(record) > modifiedMs(current)) byId.set(record.id, record);
  }
  return [...byId.values()].filter((r) => r.withdrawn === undefined);
}

function cveIds(record: OsvRecord): string[] {
  const ids = [record.id, ...(record.aliases ?? []), ...(record.related ?? [])];
  return [...new Set(ids.filter((id) => id.startsWith('CVE-')))];
}

export function advisoryOf(record: OsvRecord): Advisory {
  return {
    id: record.id,
    modified: record.modified,
    aliases: record.aliases ?? [],
    cves: cveIds(record),
    summary: record.summary ?? '',
    severity: advisorySeverity(record),
  };
}

/** Builds the index from already merged records (`mergeRecords`); withdrawn records are skipped here too. */
export function buildAdvisoryIndex(records: Iterable<OsvRecord>, comparatorFor: ComparatorLookup): AdvisoryIndex {
  const byKey = new Map<string, IndexedEntry[]>();
  let advisories = 0;
  for (const record of records) {
    if (record.withdrawn !== undefined) continue;
    advisories += 1;
    const advisory = advisoryOf(record);
    for (const affected of record.affected ?? []) {
      const comparator = comparatorFor(affected.package.ecosystem);
      const entry: IndexedEntry = { advisory, affected, prepared: comparator ? prepareAffected(affected, comparator) : null };
      const key = advisoryKey(affected.package.ecosystem, affected.package.name);
      const list = byKey.get(key);
      if (list) list.push(entry);
      else byKey.set(key, [entry]);
    }
  }
  return { byKey, advisories };
}

function evaluate(version: string, entry: IndexedEntry, comparator: VersionComparator | undefined): { fixed?: string } | null {
  if (entry.prepared && comparator) return evaluatePrepared(version, entry.prepared, comparator);
  return (entry.affected.versions ?? []).includes(version) ? {} : null;
}

function matchPackage(pkg: InventoryPackage, index: AdvisoryIndex, comparatorFor: ComparatorLookup, uncomparable: Set<string>): Finding[] {
  const version = ruleFor(pkg.ecosystem).advisoryVersion(pkg);
  const found = new Map<string, Finding>();
  for (const key of packageKeys(pkg)) {
    const entries = index.byKey.get(key);
    if (!entries || entries.length === 0) continue;
    // Every entry under one key has the same ecosystem, so one comparator look-up per key.
    const comparator = comparatorFor(entries[0]!.affected.package.ecosystem);
    for (const entry of entries) {
      if (!comparator || !entry.prepared) uncomparable.add(entry.affected.package.ecosystem);
      const hit = evaluate(version, entry, comparator);
      if (!hit) continue;
      const previous = found.get(entry.advisory.id);
      if (previous && (previous.fixedVersion !== undefined || hit.fixed === undefined)) continue;
      found.set(entry.advisory.id, {
        vulnId: entry.advisory.id,
        aliases: entry.advisory.aliases,
        cves: entry.advisory.cves,
        package: pkg,
        matchedVersion: version,
        ...(hit.fixed !== undefined ? { fixedVersion: hit.fixed } : {}),
        severity: entry.advisory.severity,
        ecosystem: entry.affected.package.ecosystem,
      });
    }
  }
  return [...found.values()];
}

/** Every (advisory, installed package) pair where the package's version is affected. */
export function matchInventory(packages: readonly InventoryPackage[], index: AdvisoryIndex, comparatorFor: ComparatorLookup): MatchResult {
  const uncomparable = new Set<string>();
  const findings = packages.flatMap((pkg) => matchPackage(pkg, index, comparatorFor, uncomparable));
  return { findings, uncomparable: [...uncomparable].sort() };
}
