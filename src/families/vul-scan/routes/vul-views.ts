import { baseEcosystem } from '../../../engines/vuln/package-keys.js';

/**
 * How stored findings and advisories read in the HSS vulnerability records (pure: no SQL, no HTTP).
 *
 * Decisions: `vul_name` is the advisory summary (its id when it has none); `description` is the OSV `details`
 * (else the summary); `url` is the first ADVISORY reference (else the first reference, else the osv.dev page);
 * `patch_url` the first FIX reference. `severity_level` is the advisory's level (CVSS, else the distribution's
 * rating; `Unknown` when it has neither). `repair_priority` is the same level, with `Unknown` read as `Medium`.
 * HostVulInfo's `repair_necessity` (its own vocabulary): Critical and High → `immediate_repair`, Medium and
 * Unknown → `delay_repair`, Low → `not_needed_repair`.
 */

export type RepairPriority = 'Critical' | 'High' | 'Medium' | 'Low';

export const SEVERITY_LEVELS = ['Critical', 'High', 'Medium', 'Low', 'Unknown'] as const;

export function repairPriorityOf(level: string): RepairPriority {
  return level === 'Critical' || level === 'High' || level === 'Low' ? level : 'Medium';
}

/** The stored severity levels a repair priority stands for. */
export function levelsOfPriority(priority: RepairPriority): string[] {
  return priority === 'Medium' ? ['Medium', 'Unknown'] : [priority];
}

export function hostRepairNecessity(level: string): 'immediate_repair' | 'delay_repair' | 'not_needed_repair' {
  if (level === 'Critical' || level === 'High') return 'immediate_repair';
  return level === 'Low' ? 'not_needed_repair' : 'delay_repair';
}

const MAX_DESCRIPTION = 65_534;
const MAX_URL = 2083;

export interface AdvisoryRow { id: string; summary: string; cves: string; record: string }
export interface Cve { cve_id: string; cvss: number }

export interface AdvisoryView { vulName: string; description: string; url: string; patchUrl: string | undefined; cves: Cve[] }

interface Reference { type?: unknown; url?: unknown }

function jsonOf(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function referencesOf(record: unknown): Array<{ type: string; url: string }> {
  const refs = record && typeof record === 'object' ? (record as { references?: unknown }).references : undefined;
  if (!Array.isArray(refs)) return [];
  return (refs as Reference[]).filter((r) => typeof r?.url === 'string' && /^https?:\/\//i.test(r.url) && r.url.length <= MAX_URL)
    .map((r) => ({ type: typeof r.type === 'string' ? r.type : '', url: r.url as string }));
}

function cvesOf(json: string | undefined): Cve[] {
  const value = jsonOf(json);
  if (!Array.isArray(value)) return [];
  return value.filter((c): c is { cve_id: string; cvss?: unknown } => typeof c?.cve_id === 'string' && c.cve_id.length > 0 && c.cve_id.length <= 32)
    .map((c) => ({ cve_id: c.cve_id, cvss: typeof c.cvss === 'number' && c.cvss >= 0 && c.cvss <= 10 ? c.cvss : 0 }));
}

/** The advisory fields of a vulnerability record; a vulnerability whose advisory is gone still reads (by its id). */
export function advisoryView(vulId: string, row: AdvisoryRow | undefined): AdvisoryView {
  const record = jsonOf(row?.record) as { details?: unknown } | undefined;
  const summary = row?.summary ?? '';
  const details = typeof record?.details === 'string' && record.details.trim() !== '' ? record.details : summary;
  const refs = referencesOf(record);
  const advisory = refs.find((r) => r.type === 'ADVISORY') ?? refs[0];
  return {
    vulName: (summary.trim() || vulId).slice(0, 256),
    description: details.slice(0, MAX_DESCRIPTION),
    url: advisory?.url ?? `https://osv.dev/vulnerability/${encodeURIComponent(vulId)}`,
    patchUrl: refs.find((r) => r.type === 'FIX')?.url?.slice(0, 512),
    cves: cvesOf(row?.cves),
  };
}

export interface AffectedApp { app_name: string; app_version: string; ecosystem: string; fixed_version: string | null }

/** "Upgrade openssl (AlmaLinux:9) to 1:3.0.7-27.el9; …", or why there is nothing to upgrade to yet. */
export function solutionDetail(apps: readonly AffectedApp[], url: string): string {
  const seen = new Set<string>();
  const fixes: string[] = [];
  const unfixed: string[] = [];
  for (const app of apps) {
    const key = `${app.ecosystem}\u001f${app.app_name}\u001f${app.fixed_version ?? ''}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (app.fixed_version) fixes.push(`${app.app_name} (${app.ecosystem}) to ${app.fixed_version}`);
    else unfixed.push(`${app.app_name} (${app.ecosystem})`);
  }
  const parts = [
    ...(fixes.length > 0 ? [`Upgrade ${fixes.join('; ')}.`] : []),
    ...(unfixed.length > 0 ? [`No fixed version is published yet for ${unfixed.join(', ')}.`] : []),
    `See ${url}`,
  ];
  return parts.join(' ').slice(0, MAX_DESCRIPTION);
}

const UPGRADE_COMMANDS: Record<string, string> = {
  Debian: 'apt-get install --only-upgrade', Ubuntu: 'apt-get install --only-upgrade', Alpine: 'apk add --upgrade',
  AlmaLinux: 'dnf upgrade', 'Rocky Linux': 'dnf upgrade', 'Red Hat': 'dnf upgrade', openEuler: 'dnf upgrade', Fedora: 'dnf upgrade',
  SUSE: 'zypper update', openSUSE: 'zypper update', Photon: 'tdnf upgrade', Mageia: 'dnf upgrade', Wolfi: 'apk add --upgrade',
};

/** The package manager command that upgrades the affected OS packages (Linux vulnerabilities only), at most 256 characters. */
export function repairCommand(apps: readonly AffectedApp[]): string | undefined {
  const first = apps[0];
  if (!first) return undefined;
  const command = UPGRADE_COMMANDS[baseEcosystem(first.ecosystem)];
  if (!command) return undefined;
  const names = [...new Set(apps.map((a) => a.app_name))].filter((n) => /^[A-Za-z0-9._+:@~-]+$/.test(n));
  if (names.length === 0) return undefined;
  return `${command} ${names.join(' ')}`.slice(0, 256);
}

/** Linux `software_version`: "openssl 1:3.0.7-24.el9 → 1:3.0.7-27.el9" per package. */
export function softwareVersion(apps: readonly AffectedApp[]): string {
  return [...new Set(apps.map((a) => `${a.app_name} ${a.app_version} → ${a.fixed_version ?? '(no fix yet)'}`))].join('; ').slice(0, 2048);
}

export const NOT_PATCHING = 'Guardpost does not patch hosts: upgrade the package yourself, then use verify to rescan the host';
const NO_WHITELIST = 'Guardpost has no vulnerability whitelist yet; use ignore per host';

/** What cannot be done on a vulnerability of a host in its current status. */
export function disabledOperateTypes(status: string): Array<{ operate_type: string; reason: string }> {
  const out = [
    { operate_type: 'immediate_repair', reason: NOT_PATCHING },
    { operate_type: 'manual_repair', reason: NOT_PATCHING },
    { operate_type: 'add_to_whitelist', reason: NO_WHITELIST },
  ];
  if (status === 'vul_status_ignored') {
    out.push({ operate_type: 'ignore', reason: 'the vulnerability is already ignored on this host' });
    out.push({ operate_type: 'verify', reason: 'the vulnerability is ignored on this host; use not_ignore first' });
  } else {
    out.push({ operate_type: 'not_ignore', reason: 'the vulnerability is not ignored on this host' });
  }
  return out;
}
