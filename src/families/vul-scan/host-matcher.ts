import type { InventoryPackage } from '../../engines/inventory/types.js';
import { matchInventory, type AdvisoryIndex, type Finding } from '../../engines/vuln/matcher.js';
import { baseEcosystem, packageKeys } from '../../engines/vuln/package-keys.js';
import { comparatorFor } from '../../engines/versions/index.js';
import type { SupportedVulType } from './domain.js';
import type { NewFinding } from './findings-store.js';
import type { StoredInventory } from './inventory-format.js';
import type { ScanDetail } from './scan-store.js';

/**
 * Matching one stored inventory against the advisory store: only the advisories naming the host's packages are
 * read (`recordsForKeys`), indexed, and matched with the ecosystems' comparators. The same code serves a scan's
 * match job and the re-match after an import (which indexes the advisories of many hosts at once).
 */

/** At most this many vulnerability ids are listed per type in a host's `vul_scan_details[].scan_vul_list`. */
export const MAX_SCAN_VUL_LIST = 1000;

export interface HostMatch {
  findings: NewFinding[];
  /** Per supported type: the ids found (with their summaries) and why part of it could not be matched. */
  byType: Map<SupportedVulType, { vulIds: Map<string, string>; notes: string[] }>;
  advisories: number;
}

export function vulTypeOf(pkg: Pick<InventoryPackage, 'kind'>): SupportedVulType {
  return pkg.kind === 'os' ? 'linux_vul' : 'app_vul';
}

export function inventoryKeys(inventory: StoredInventory): string[] {
  return [...new Set(inventory.packages.flatMap((p) => packageKeys(p)))];
}

/** The advisories of these records, indexed for matching, with their summaries by id. */
export interface PreparedAdvisories { index: AdvisoryIndex; summaries: Map<string, string> }

/** Where prepared advisories come from (the per-process cache over the advisory store). */
export interface AdvisorySource { prepare(keys: readonly string[]): Promise<PreparedAdvisories> }

export function loadAdvisoriesFor(source: AdvisorySource, inventories: readonly StoredInventory[]): Promise<PreparedAdvisories> {
  return source.prepare([...new Set(inventories.flatMap(inventoryKeys))]);
}

function toFinding(finding: Finding): NewFinding {
  const pkg = finding.package;
  return {
    vul_id: finding.vulnId, type: vulTypeOf(pkg), app_name: pkg.name, app_version: pkg.version, ecosystem: pkg.ecosystem,
    app_path: pkg.location, fixed_version: finding.fixedVersion ?? null, severity_level: finding.severity.level, cvss: finding.severity.cvss,
  };
}

export function matchHost(inventory: StoredInventory, prepared: PreparedAdvisories): HostMatch {
  const byType = new Map<SupportedVulType, { vulIds: Map<string, string>; notes: string[] }>();
  for (const type of inventory.scan_types) byType.set(type, { vulIds: new Map(), notes: [] });
  const packages = inventory.packages.filter((p) => byType.has(vulTypeOf(p)));
  const result = matchInventory(packages, prepared.index, comparatorFor);
  const findings = result.findings.map(toFinding);
  for (const finding of findings) {
    const entry = byType.get(finding.type as SupportedVulType);
    if (entry && !entry.vulIds.has(finding.vul_id) && entry.vulIds.size < MAX_SCAN_VUL_LIST) {
      entry.vulIds.set(finding.vul_id, prepared.summaries.get(finding.vul_id) ?? '');
    }
  }
  if (inventory.os_note) byType.get('linux_vul')?.notes.push(inventory.os_note);
  for (const ecosystem of result.uncomparable) {
    const kind = packages.find((p) => baseEcosystem(p.ecosystem) === baseEcosystem(ecosystem))?.kind ?? 'app';
    byType.get(vulTypeOf({ kind }))?.notes.push(`no version comparator for ${ecosystem}: only exact versions[] of its advisories were matched`);
  }
  if (inventory.stats.truncated) {
    for (const entry of byType.values()) entry.notes.push(`the inventory walk stopped early (${inventory.stats.truncatedReason ?? 'limit reached'}): some packages may be missing`);
  }
  return { findings, byType, advisories: prepared.index.advisories };
}

/**
 * The host's final `vul_scan_details`: types it was scanning get their results, failed ones (unsupported
 * types, …) stay as they were.
 */
export function finalDetails(previous: readonly ScanDetail[], match: HostMatch): ScanDetail[] {
  return previous.map((detail) => {
    const found = match.byType.get(detail.vul_type as SupportedVulType);
    if (detail.status !== 'scanning' || !found) return detail;
    return {
      vul_type: detail.vul_type, status: 'success', failed_reason: found.notes.join('; ').slice(0, 2000),
      scan_vul_list: [...found.vulIds].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([id, summary]) => ({ vul_id: id, vul_name: (summary || id).slice(0, 256), status: 'success', failed_reason: '' })),
    };
  });
}

/** Types still scanning fail with `reason`; the others stay as they were. */
export function failedDetails(previous: readonly ScanDetail[], reason: string): ScanDetail[] {
  return previous.map((d) => (d.status === 'scanning' ? { ...d, status: 'failed', failed_reason: reason } : d));
}
