import { invalidParameter } from '../../../server/errors.js';
import { isSupportedVulType } from '../domain.js';
import { EFFECTIVE_STATUSES, type EffectiveStatus } from '../findings-reads.js';
import { levelsOfPriority, SEVERITY_LEVELS, type RepairPriority } from './vul-views.js';

/**
 * Query filters of the vulnerability lists → a FindingFilter's parts. An empty value is the same as none.
 * Decisions: `handle_status=handled` is an ignored pair, `unhandled` every other (to fix or verifying);
 * statuses Guardpost never gives a pair (fixing, fixed, reboot, failed …) match nothing, as do the types it does
 * not scan (windows_vul, web_cms, urgent_vul), server groups, labels and the container scenario.
 */

const present = (value: string | undefined): value is string => value !== undefined && value !== '';

/** undefined: every type; an unsupported type: none. */
export function typesFor(type: string | undefined): string[] | undefined {
  if (!present(type)) return undefined;
  return isSupportedVulType(type) ? [type] : [];
}

export function statusesFor(handleStatus: string | undefined, status: string | undefined): EffectiveStatus[] | undefined {
  let statuses: EffectiveStatus[] | undefined;
  if (handleStatus === 'handled') statuses = ['vul_status_ignored'];
  else if (handleStatus === 'unhandled') statuses = ['vul_status_unfix', 'vul_status_verified'];
  if (present(status)) {
    const one = (EFFECTIVE_STATUSES as readonly string[]).includes(status) ? [status as EffectiveStatus] : [];
    statuses = statuses ? statuses.filter((s) => one.includes(s)) : one;
  }
  return statuses;
}

/** `severity_level` (one level or several joined with commas) and `repair_priority`, intersected. */
export function severitiesFor(severityLevel: string | undefined, repairPriority: string | undefined): string[] | undefined {
  let levels: string[] | undefined;
  if (present(severityLevel)) {
    const asked = severityLevel.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = asked.filter((s) => !(SEVERITY_LEVELS as readonly string[]).includes(s));
    if (bad.length > 0) throw invalidParameter('hss', `severity_level must be Critical, High, Medium, Low or Unknown (comma-joined for several), not ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    levels = asked;
  }
  if (present(repairPriority)) {
    const fromPriority = levelsOfPriority(repairPriority as RepairPriority);
    levels = levels ? levels.filter((l) => fromPriority.includes(l)) : fromPriority;
  }
  return levels;
}

export const textFilter = (value: string | undefined): string | undefined => (present(value) ? value : undefined);

/** Any of these given makes the list empty: Guardpost has no server groups, labels, clusters or containers. */
export function impossibleFilter(values: Array<string | boolean | undefined>): boolean {
  return values.some((v) => v === true || (typeof v === 'string' && v !== ''));
}

const RANK: Record<string, number> = { Critical: 4, High: 3, Medium: 2, Low: 1 };

/** The most severe of several stored levels. */
export function highestLevel(levels: Iterable<string>): string {
  let best = 'Unknown';
  for (const level of levels) if ((RANK[level] ?? 0) > (RANK[best] ?? 0)) best = level;
  return best;
}
