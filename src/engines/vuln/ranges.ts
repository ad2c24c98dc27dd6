import type { VersionComparator } from '../versions/types.js';
import type { OsvAffected, OsvEvent } from './osv-schema.js';

/**
 * OSV affected-range evaluation (https://ossf.github.io/osv-schema/#evaluation), with the ecosystem's comparator
 * injected. Per SEMVER/ECOSYSTEM range the events are sorted by the comparator (`introduced: "0"` lowest, ties
 * kept in record order) and walked: `introduced ≤ v` → affected, `fixed ≤ v` → not, `last_affected < v` → not.
 * `limit` events are not part of the walk: when a range has any, `v` must sort below at least one of them (a limit
 * containing `*` is infinity) — the spec's `BeforeLimits`. Ranges are OR'ed with each other and with the exact
 * `versions[]` list. GIT ranges describe commits, not package versions, and are ignored. An entry with neither
 * ranges nor versions affects nothing, as in the spec's `IsVulnerable`.
 */

type SortedEvent =
  | { kind: 'introduced'; version: string }
  | { kind: 'fixed'; version: string }
  | { kind: 'last_affected'; version: string };

export interface PreparedRange {
  /** introduced / fixed / last_affected, sorted. */
  events: SortedEvent[];
  /** The range's `limit` versions; empty when none (the implicit `*`). */
  limits: string[];
}

export interface PreparedAffected {
  /** The SEMVER/ECOSYSTEM ranges. */
  ranges: PreparedRange[];
  versions: ReadonlySet<string>;
}

export interface AffectedResult {
  /** The first `fixed` event after the version in the range that matched, when there is one. */
  fixed?: string;
}

function toSorted(event: OsvEvent): SortedEvent | null {
  if ('introduced' in event) return { kind: 'introduced', version: event.introduced };
  if ('fixed' in event) return { kind: 'fixed', version: event.fixed };
  if ('last_affected' in event) return { kind: 'last_affected', version: event.last_affected };
  return null;
}

function isZero(event: SortedEvent): boolean {
  return event.kind === 'introduced' && event.version === '0';
}

export function sortEvents(events: readonly OsvEvent[], comparator: VersionComparator): SortedEvent[] {
  return events.map(toSorted).filter((e): e is SortedEvent => e !== null).sort((a, b) => {
    const za = isZero(a);
    const zb = isZero(b);
    if (za || zb) return za === zb ? 0 : za ? -1 : 1;
    return comparator.compare(a.version, b.version);
  });
}

/** Sorts every range once; the result can be evaluated against many versions. */
export function prepareAffected(affected: OsvAffected, comparator: VersionComparator): PreparedAffected {
  const ranges = (affected.ranges ?? []).filter((r) => r.type !== 'GIT').map((r) => ({
    events: sortEvents(r.events, comparator),
    limits: r.events.flatMap((e) => ('limit' in e ? [e.limit] : [])),
  }));
  return { ranges, versions: new Set(affected.versions ?? []) };
}

function beforeLimits(version: string, limits: readonly string[], comparator: VersionComparator): boolean {
  return limits.length === 0 || limits.some((limit) => limit.includes('*') || comparator.compare(version, limit) < 0);
}

function evaluateRange(version: string, range: PreparedRange, comparator: VersionComparator): AffectedResult | null {
  if (!beforeLimits(version, range.limits, comparator)) return null;
  let affected = false;
  let fixed: string | undefined;
  for (const event of range.events) {
    if (event.kind === 'introduced') {
      if (isZero(event) || comparator.compare(version, event.version) >= 0) {
        affected = true;
        fixed = undefined;
      }
    } else if (event.kind === 'fixed') {
      if (comparator.compare(version, event.version) >= 0) affected = false;
      else if (affected && fixed === undefined) fixed = event.version;
    } else if (comparator.compare(version, event.version) > 0) {
      affected = false;
    }
  }
  if (!affected) return null;
  return fixed === undefined ? {} : { fixed };
}

/** Whether `version` is affected by a prepared entry, and the fix when known; null when it is not affected. */
export function evaluatePrepared(version: string, prepared: PreparedAffected, comparator: VersionComparator): AffectedResult | null {
  let hit: AffectedResult | null = null;
  for (const range of prepared.ranges) {
    const result = evaluateRange(version, range, comparator);
    if (result && (hit === null || (result.fixed !== undefined && hit.fixed === undefined))) hit = result;
    if (hit?.fixed !== undefined) return hit;
  }
  if (hit) return hit;
  return prepared.versions.has(version) ? {} : null;
}

export function isAffected(version: string, affected: OsvAffected, comparator: VersionComparator): boolean {
  return evaluatePrepared(version, prepareAffected(affected, comparator), comparator) !== null;
}
