import type { VersionComparator } from '../versions/types.js';
import type { OsvAffected, OsvEvent } from './osv-schema.js';

/**
 * OSV affected-range evaluation (https://ossf.github.io/osv-schema/#evaluation), with the ecosystem's comparator
 * injected. Per SEMVER/ECOSYSTEM range the events are sorted by the comparator (`introduced: "0"` lowest, ties
 * kept in record order) and walked: `introduced ≤ v` → affected, `fixed ≤ v` → not, `last_affected < v` → not,
 * and a `limit ≤ v` ends the walk as not affected (`limit: "*"` is no limit). Ranges are OR'ed with each other and
 * with the exact `versions[]` list. GIT ranges describe commits, not package versions, and are ignored. An entry
 * with neither ranges nor versions affects every version (as osv-scanner does).
 */

type SortedEvent =
  | { kind: 'introduced'; version: string }
  | { kind: 'fixed'; version: string }
  | { kind: 'last_affected'; version: string }
  | { kind: 'limit'; version: string };

export interface PreparedAffected {
  /** Sorted events of each SEMVER/ECOSYSTEM range. */
  ranges: SortedEvent[][];
  versions: ReadonlySet<string>;
  /** No ranges and no versions at all: every version is affected. */
  allVersions: boolean;
}

export interface AffectedResult {
  /** The first `fixed` event after the version in the range that matched, when there is one. */
  fixed?: string;
}

function toSorted(event: OsvEvent): SortedEvent {
  if ('introduced' in event) return { kind: 'introduced', version: event.introduced };
  if ('fixed' in event) return { kind: 'fixed', version: event.fixed };
  if ('last_affected' in event) return { kind: 'last_affected', version: event.last_affected };
  return { kind: 'limit', version: event.limit };
}

function isZero(event: SortedEvent): boolean {
  return event.kind === 'introduced' && event.version === '0';
}

export function sortEvents(events: readonly OsvEvent[], comparator: VersionComparator): SortedEvent[] {
  return events.map(toSorted).sort((a, b) => {
    const za = isZero(a);
    const zb = isZero(b);
    if (za || zb) return za === zb ? 0 : za ? -1 : 1;
    return comparator.compare(a.version, b.version);
  });
}

/** Sorts every range once; the result can be evaluated against many versions. */
export function prepareAffected(affected: OsvAffected, comparator: VersionComparator): PreparedAffected {
  const ranges = (affected.ranges ?? []).filter((r) => r.type !== 'GIT').map((r) => sortEvents(r.events, comparator));
  const versions = new Set(affected.versions ?? []);
  return { ranges, versions, allVersions: (affected.ranges ?? []).length === 0 && versions.size === 0 };
}

function evaluateRange(version: string, events: readonly SortedEvent[], comparator: VersionComparator): AffectedResult | null {
  let affected = false;
  let fixed: string | undefined;
  for (const event of events) {
    if (event.kind === 'introduced') {
      if (isZero(event) || comparator.compare(version, event.version) >= 0) {
        affected = true;
        fixed = undefined;
      }
    } else if (event.kind === 'fixed') {
      if (comparator.compare(version, event.version) >= 0) affected = false;
      else if (affected && fixed === undefined) fixed = event.version;
    } else if (event.kind === 'last_affected') {
      if (comparator.compare(version, event.version) > 0) affected = false;
    } else if (event.version !== '*' && comparator.compare(version, event.version) >= 0) {
      return null;
    }
  }
  if (!affected) return null;
  return fixed === undefined ? {} : { fixed };
}

/** Whether `version` is affected by a prepared entry, and the fix when known; null when it is not affected. */
export function evaluatePrepared(version: string, prepared: PreparedAffected, comparator: VersionComparator): AffectedResult | null {
  if (prepared.allVersions) return {};
  let hit: AffectedResult | null = null;
  for (const events of prepared.ranges) {
    const result = evaluateRange(version, events, comparator);
    if (result && (hit === null || (result.fixed !== undefined && hit.fixed === undefined))) hit = result;
    if (hit?.fixed !== undefined) return hit;
  }
  if (hit) return hit;
  return prepared.versions.has(version) ? {} : null;
}

export function isAffected(version: string, affected: OsvAffected, comparator: VersionComparator): boolean {
  return evaluatePrepared(version, prepareAffected(affected, comparator), comparator) !== null;
}
