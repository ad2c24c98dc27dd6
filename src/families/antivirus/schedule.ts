/**
 * When an antivirus policy runs (CreateAntiVirusPolicy / ChangeAntivirusPolicy). Pure.
 *
 * `later`: once, at `scan_time` (epoch ms). `period`: at the local wall-clock time `scan_hour:scan_minute` in the
 * policy's `timezone_offset`, given in minutes WEST of UTC as Huawei's consoles send it (JavaScript's
 * `getTimezoneOffset()` sign: GMT+8 is -480), so local time = UTC − offset. Fixed offsets: no DST rules apply.
 * `day` runs every day; `week` on `scan_period_date` 1-7 = Sunday..Saturday; `month` on day 1-28 of every month
 * (every month has it, so no run is ever skipped). Missed slots (server down) are not caught up: after a run the
 * next one is the first slot after the run.
 */

export const SCAN_PERIODS = ['day', 'week', 'month'] as const;
export type ScanPeriod = (typeof SCAN_PERIODS)[number];

export interface PeriodRule {
  period: ScanPeriod;
  /** week: 1-7 (Sunday..Saturday); month: 1-28; day: null. */
  date: number | null;
  hour: number;
  minute: number;
  /** Minutes west of UTC, -720..720. */
  timezoneOffset: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Every valid rule has a slot within this many days (a month rule's day comes back within 31). */
const SEARCH_DAYS = 64;

/** The problem with a rule, or null when it is valid. */
export function periodRuleProblem(rule: PeriodRule): string | null {
  if (!Number.isInteger(rule.hour) || rule.hour < 0 || rule.hour > 23) return 'scan_hour must be 0-23';
  if (!Number.isInteger(rule.minute) || rule.minute < 0 || rule.minute > 59) return 'scan_minute must be 0-59';
  if (!Number.isInteger(rule.timezoneOffset) || Math.abs(rule.timezoneOffset) > 720) return 'timezone_offset must be -720..720 (minutes west of UTC)';
  if (rule.period === 'day' && rule.date !== null) return 'scan_period_date is not used with scan_period=day';
  if (rule.period === 'week' && (rule.date === null || rule.date < 1 || rule.date > 7)) {
    return 'scan_period=week needs scan_period_date 1-7 (1 = Sunday … 7 = Saturday)';
  }
  if (rule.period === 'month' && (rule.date === null || rule.date < 1 || rule.date > 28)) {
    return 'scan_period=month needs scan_period_date 1-28 (the day of the month)';
  }
  return null;
}

function matchesDay(rule: PeriodRule, localDayStart: number): boolean {
  const day = new Date(localDayStart);
  if (rule.period === 'week') return day.getUTCDay() === (rule.date ?? 1) - 1;
  if (rule.period === 'month') return day.getUTCDate() === rule.date;
  return true;
}

/** The first slot of a (valid) rule strictly after `after` (epoch ms). */
export function nextPeriodRun(rule: PeriodRule, after: number): number {
  const offsetMs = rule.timezoneOffset * MINUTE;
  const firstLocalDay = Math.floor((after - offsetMs) / DAY) * DAY;
  const slot = rule.hour * 60 * MINUTE + rule.minute * MINUTE;
  for (let i = 0; i < SEARCH_DAYS; i++) {
    const localDay = firstLocalDay + i * DAY;
    const at = localDay + slot + offsetMs;
    if (at > after && matchesDay(rule, localDay)) return at;
  }
  throw new Error(`no slot within ${SEARCH_DAYS} days for ${JSON.stringify(rule)}`);
}

export type PolicyTiming =
  | { startType: 'now' }
  | { startType: 'later'; scanTime: number }
  | { startType: 'period'; rule: PeriodRule };

/**
 * The policy's next run when it is saved at `now`: `later` at its `scan_time` (null once that has passed), `period`
 * at its next slot, `now` none (it runs while it is saved).
 */
export function firstRunAt(timing: PolicyTiming, now: number): number | null {
  if (timing.startType === 'later') return timing.scanTime > now ? timing.scanTime : null;
  if (timing.startType === 'period') return nextPeriodRun(timing.rule, now);
  return null;
}

/** The run after the one that started at `ranAt`: none for `now` and `later` (they run once). */
export function runAfter(timing: PolicyTiming, ranAt: number): number | null {
  return timing.startType === 'period' ? nextPeriodRun(timing.rule, ranAt) : null;
}
