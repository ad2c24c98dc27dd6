import type { PolicyTime, ScanPeriod } from './policy-store.js';

/**
 * When a scheduled scan runs next. The policy's time is local wall-clock time `hour_part:minute_part` at
 * `timezone_offset` minutes west of UTC (Huawei's sign: GMT+8 is -480, so local = UTC − offset). Periods:
 * `one_day` every day; `three_day` every third day counted from the last run (the first run on the next slot);
 * `one_week` on the weekdays in `day_part` (0 or 7 Sunday … 6 Saturday; none given: Monday); `one_month` on the
 * days of the month in `day_part` (1-31, days a month lacks are skipped; none given: the 1st).
 * Missed runs (server down) are not caught up: the next time is always the first slot after `after`.
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Every period has a slot within this many days (31-day months, a 3-day step). */
const SEARCH_DAYS = 400;

function weekdays(dayPart: readonly number[]): Set<number> {
  const days = new Set(dayPart.filter((d) => d >= 0 && d <= 7).map((d) => d % 7));
  return days.size > 0 ? days : new Set([1]);
}

function monthDays(dayPart: readonly number[]): Set<number> {
  const days = new Set(dayPart.filter((d) => d >= 1 && d <= 31));
  return days.size > 0 ? days : new Set([1]);
}

/** The first slot strictly after `after` (epoch ms); `afterRun`: `after` is when the last run started. */
export function nextScanTime(period: ScanPeriod, time: PolicyTime, after: number, afterRun = false): number {
  const offsetMs = time.timezone_offset * MINUTE;
  const localAfter = after - offsetMs;
  const firstDay = Math.floor(localAfter / DAY) * DAY + (period === 'three_day' && afterRun ? 3 * DAY : 0);
  const slot = Math.min(23, Math.max(0, time.hour_part)) * 60 * MINUTE + Math.min(59, Math.max(0, time.minute_part)) * MINUTE;
  const week = weekdays(time.day_part);
  const month = monthDays(time.day_part);
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const dayStart = firstDay + i * DAY;
    const local = new Date(dayStart);
    const matches = period === 'one_week' ? week.has(local.getUTCDay())
      : period === 'one_month' ? month.has(local.getUTCDate()) : true;
    const at = dayStart + slot + offsetMs;
    if (matches && at > after) return at;
  }
  throw new Error(`no scan slot within ${SEARCH_DAYS} days`);
}
