/**
 * The antivirus policy schedule maths (schedule.ts), pure: daily / weekly / monthly slots in fixed time zones
 * (Huawei's sign: minutes west of UTC, GMT+8 = -480), week days 1-7 = Sunday..Saturday, month days 1-28 across month
 * and year ends, slots strictly after the given time, the rule checks, and `later` / `now` timing.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstRunAt, nextPeriodRun, periodRuleProblem, runAfter, type PeriodRule } from '../../../src/families/antivirus/schedule.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const rule = (r: Partial<PeriodRule>): PeriodRule => ({ period: 'day', date: null, hour: 0, minute: 0, timezoneOffset: 0, ...r });
const next = (r: Partial<PeriodRule>, after: string) => iso(nextPeriodRun(rule(r), at(after)));

describe('daily', () => {
  test('UTC: later today, tomorrow once passed, and never the instant itself', () => {
    assert.equal(next({ hour: 17, minute: 40 }, '2026-12-02T10:00:00.000Z'), '2026-12-02T17:40:00.000Z');
    assert.equal(next({ hour: 17, minute: 40 }, '2026-12-02T17:40:00.001Z'), '2026-12-03T17:40:00.000Z');
    assert.equal(next({ hour: 17, minute: 40 }, '2026-12-02T17:40:00.000Z'), '2026-12-03T17:40:00.000Z', 'strictly after');
    assert.equal(next({ hour: 17, minute: 40 }, '2026-12-02T17:39:59.999Z'), '2026-12-02T17:40:00.000Z');
  });

  test('GMT+8 (-480): local midnight is 16:00 UTC the day before', () => {
    assert.equal(next({ timezoneOffset: -480 }, '2026-03-10T10:00:00.000Z'), '2026-03-10T16:00:00.000Z');
    assert.equal(next({ timezoneOffset: -480 }, '2026-03-10T16:00:00.000Z'), '2026-03-11T16:00:00.000Z');
  });

  test('GMT-5 (300): 23:30 local is 04:30 UTC the next day', () => {
    assert.equal(next({ hour: 23, minute: 30, timezoneOffset: 300 }, '2026-06-30T12:00:00.000Z'), '2026-07-01T04:30:00.000Z');
    assert.equal(next({ hour: 23, minute: 30, timezoneOffset: 300 }, '2026-07-01T04:30:00.000Z'), '2026-07-02T04:30:00.000Z');
  });

  test('the extreme offsets ±720 and a half-hour zone (GMT+5:30 = -330)', () => {
    assert.equal(next({ hour: 0, timezoneOffset: -720 }, '2026-12-02T00:00:00.000Z'), '2026-12-02T12:00:00.000Z');
    assert.equal(next({ hour: 0, timezoneOffset: 720 }, '2026-12-02T00:00:00.000Z'), '2026-12-02T12:00:00.000Z');
    assert.equal(next({ hour: 9, minute: 15, timezoneOffset: -330 }, '2026-12-02T00:00:00.000Z'), '2026-12-02T03:45:00.000Z');
  });

  test('fixed offsets know no DST: the UTC time of a slot is the same in January and July', () => {
    const winter = new Date(nextPeriodRun(rule({ hour: 2, minute: 30, timezoneOffset: -60 }), at('2026-01-15T00:00:00Z')));
    const summer = new Date(nextPeriodRun(rule({ hour: 2, minute: 30, timezoneOffset: -60 }), at('2026-07-15T00:00:00Z')));
    assert.deepEqual([winter.getUTCHours(), winter.getUTCMinutes()], [1, 30]);
    assert.deepEqual([summer.getUTCHours(), summer.getUTCMinutes()], [1, 30]);
    // 2026-03-29 is a European DST switch day; a fixed offset ignores it.
    assert.equal(next({ hour: 2, minute: 30, timezoneOffset: -60 }, '2026-03-29T00:00:00.000Z'), '2026-03-29T01:30:00.000Z');
  });
});

describe('weekly (1 = Sunday … 7 = Saturday)', () => {
  // 2026-12-02 is a Wednesday.
  test('each weekday from a Wednesday', () => {
    const expected = ['2026-12-06', '2026-12-07', '2026-12-08', '2026-12-09', '2026-12-03', '2026-12-04', '2026-12-05'];
    for (let date = 1; date <= 7; date++) {
      const got = next({ period: 'week', date, hour: 8 }, '2026-12-02T12:00:00.000Z');
      assert.equal(got, `${expected[date - 1]}T08:00:00.000Z`, `date ${date}`);
      assert.equal(new Date(got).getUTCDay(), date - 1);
    }
  });

  test('the same weekday: today before the slot, a week on after it', () => {
    assert.equal(next({ period: 'week', date: 4, hour: 13 }, '2026-12-02T12:59:00.000Z'), '2026-12-02T13:00:00.000Z');
    assert.equal(next({ period: 'week', date: 4, hour: 13 }, '2026-12-02T13:00:00.000Z'), '2026-12-09T13:00:00.000Z');
  });

  test('the weekday is the local one: Sunday 03:00 in GMT+8 is Saturday 19:00 UTC', () => {
    assert.equal(next({ period: 'week', date: 1, hour: 3, timezoneOffset: -480 }, '2026-12-05T18:00:00.000Z'), '2026-12-05T19:00:00.000Z');
    assert.equal(new Date(at('2026-12-05T19:00:00.000Z')).getUTCDay(), 6, 'a Saturday in UTC');
    assert.equal(next({ period: 'week', date: 1, hour: 3, timezoneOffset: -480 }, '2026-12-05T19:00:00.000Z'), '2026-12-12T19:00:00.000Z');
  });
});

describe('monthly (days 1-28)', () => {
  test('the 28th through February and into March, in a leap year too', () => {
    assert.equal(next({ period: 'month', date: 28, hour: 6 }, '2027-01-31T00:00:00.000Z'), '2027-02-28T06:00:00.000Z');
    assert.equal(next({ period: 'month', date: 28, hour: 6 }, '2027-02-28T06:00:00.000Z'), '2027-03-28T06:00:00.000Z');
    assert.equal(next({ period: 'month', date: 28, hour: 6 }, '2028-02-27T23:00:00.000Z'), '2028-02-28T06:00:00.000Z');
    assert.equal(next({ period: 'month', date: 28, hour: 6 }, '2028-02-28T07:00:00.000Z'), '2028-03-28T06:00:00.000Z');
  });

  test('the 1st across a year end, and the local date in GMT+12', () => {
    assert.equal(next({ period: 'month', date: 1 }, '2026-12-15T00:00:00.000Z'), '2027-01-01T00:00:00.000Z');
    // 1 January 00:00 at GMT+12 is 31 December 12:00 UTC.
    assert.equal(next({ period: 'month', date: 1, timezoneOffset: -720 }, '2026-12-15T00:00:00.000Z'), '2026-12-31T12:00:00.000Z');
    assert.equal(next({ period: 'month', date: 1, timezoneOffset: -720 }, '2026-12-31T12:00:00.000Z'), '2027-01-31T12:00:00.000Z');
  });

  test('every slot of a sweep of times matches its rule and is within one period', () => {
    let seed = 12345;
    const random = () => { seed = (seed * 48_271) % 2_147_483_647; return seed / 2_147_483_647; };
    const spans = { day: 86_400_000, week: 7 * 86_400_000, month: 31 * 86_400_000 };
    for (let i = 0; i < 600; i++) {
      const period = (['day', 'week', 'month'] as const)[i % 3] as PeriodRule['period'];
      const r = rule({
        period, date: period === 'day' ? null : 1 + Math.floor(random() * (period === 'week' ? 7 : 28)),
        hour: Math.floor(random() * 24), minute: Math.floor(random() * 60), timezoneOffset: Math.round(random() * 1440) - 720,
      });
      const after = at('2026-01-01T00:00:00Z') + Math.floor(random() * 3 * 365 * 86_400_000);
      const slot = nextPeriodRun(r, after);
      const label = `${JSON.stringify(r)} after ${iso(after)} → ${iso(slot)}`;
      assert.ok(slot > after && slot - after <= spans[period], label);
      const local = new Date(slot - r.timezoneOffset * 60_000);
      assert.deepEqual([local.getUTCHours(), local.getUTCMinutes(), local.getUTCSeconds(), local.getUTCMilliseconds()], [r.hour, r.minute, 0, 0], label);
      if (period === 'week') assert.equal(local.getUTCDay(), (r.date as number) - 1, label);
      if (period === 'month') assert.equal(local.getUTCDate(), r.date, label);
      assert.equal(nextPeriodRun(r, slot - 1), slot, `${label}: the slot itself is found from just before it`);
    }
  });
});

describe('rule checks and start types', () => {
  test('invalid rules are named', () => {
    const cases: Array<[Partial<PeriodRule>, RegExp]> = [
      [{ period: 'week', date: null }, /1-7/], [{ period: 'week', date: 0 }, /1-7/], [{ period: 'week', date: 8 }, /1-7/],
      [{ period: 'month', date: null }, /1-28/], [{ period: 'month', date: 29 }, /1-28/], [{ period: 'month', date: 0 }, /1-28/],
      [{ period: 'day', date: 3 }, /not used/], [{ hour: 24 }, /scan_hour/], [{ hour: -1 }, /scan_hour/], [{ minute: 60 }, /scan_minute/],
      [{ minute: 1.5 }, /scan_minute/], [{ timezoneOffset: 721 }, /timezone_offset/], [{ timezoneOffset: -721 }, /timezone_offset/],
    ];
    for (const [r, problem] of cases) assert.match(periodRuleProblem(rule(r)) ?? 'valid', problem, JSON.stringify(r));
    for (const r of [rule({}), rule({ period: 'week', date: 7, hour: 23, minute: 59 }), rule({ period: 'month', date: 28, timezoneOffset: -720 })]) {
      assert.equal(periodRuleProblem(r), null, JSON.stringify(r));
    }
  });

  test('later runs once at scan_time; now never runs from the schedule; period runs again', () => {
    const now = at('2026-12-02T12:00:00Z');
    assert.equal(firstRunAt({ startType: 'later', scanTime: now + 5000 }, now), now + 5000);
    assert.equal(firstRunAt({ startType: 'later', scanTime: now }, now), null, 'a scan_time already reached never runs');
    assert.equal(runAfter({ startType: 'later', scanTime: now + 5000 }, now + 5000), null);
    assert.equal(firstRunAt({ startType: 'now' }, now), null);
    assert.equal(runAfter({ startType: 'now' }, now), null);
    const period = { startType: 'period' as const, rule: rule({ hour: 12, minute: 30 }) };
    assert.equal(iso(firstRunAt(period, now) ?? 0), '2026-12-02T12:30:00.000Z');
    assert.equal(iso(runAfter(period, at('2026-12-02T12:30:00.500Z')) ?? 0), '2026-12-03T12:30:00.000Z');
  });
});
