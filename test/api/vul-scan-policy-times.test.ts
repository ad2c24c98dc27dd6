/** When scheduled scans run: every period, time zones (Huawei's sign: GMT+8 is -480), month ends, no catch-up. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextScanTime } from '../../src/families/vul-scan/schedule-time.js';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const time = (hour: number, minute: number, offset = 0, days: number[] = []) => ({ day_part: days, hour_part: hour, minute_part: minute, timezone_offset: offset });

test('one_day: today\'s slot when still ahead, else tomorrow\'s; strictly after', () => {
  assert.equal(iso(nextScanTime('one_day', time(3, 30), at('2026-03-10T01:00:00Z'))), '2026-03-10T03:30:00.000Z');
  assert.equal(iso(nextScanTime('one_day', time(3, 30), at('2026-03-10T03:30:00Z'))), '2026-03-11T03:30:00.000Z');
});

test('time zones: GMT+8 (-480) and GMT-5 (300) wall clocks', () => {
  // 02:00 in GMT+8 is 18:00 UTC the day before.
  assert.equal(iso(nextScanTime('one_day', time(2, 0, -480), at('2026-03-10T12:00:00Z'))), '2026-03-10T18:00:00.000Z');
  // 23:00 in GMT-5 is 04:00 UTC the next day.
  assert.equal(iso(nextScanTime('one_day', time(23, 0, 300), at('2026-03-10T12:00:00Z'))), '2026-03-11T04:00:00.000Z');
});

test('one_week: the next listed weekday in local time (0 and 7 are Sunday; none: Monday)', () => {
  // 2026-03-10 is a Tuesday.
  assert.equal(iso(nextScanTime('one_week', time(9, 0, 0, [5]), at('2026-03-10T12:00:00Z'))), '2026-03-13T09:00:00.000Z');
  assert.equal(iso(nextScanTime('one_week', time(9, 0, 0, [7]), at('2026-03-10T12:00:00Z'))), '2026-03-15T09:00:00.000Z');
  assert.equal(iso(nextScanTime('one_week', time(9, 0), at('2026-03-10T12:00:00Z'))), '2026-03-16T09:00:00.000Z');
  // Monday 01:00 in GMT+8 is Sunday 17:00 UTC.
  assert.equal(iso(nextScanTime('one_week', time(1, 0, -480, [1]), at('2026-03-10T12:00:00Z'))), '2026-03-15T17:00:00.000Z');
});

test('one_month: listed days, skipping months without them (31st); none given: the 1st', () => {
  assert.equal(iso(nextScanTime('one_month', time(0, 0, 0, [31]), at('2026-04-02T00:00:00Z'))), '2026-05-31T00:00:00.000Z');
  assert.equal(iso(nextScanTime('one_month', time(6, 0, 0, [15, 1]), at('2026-04-02T00:00:00Z'))), '2026-04-15T06:00:00.000Z');
  assert.equal(iso(nextScanTime('one_month', time(6, 0), at('2026-04-02T00:00:00Z'))), '2026-05-01T06:00:00.000Z');
});

test('three_day: the first slot, then three days after each run; missed runs are not caught up', () => {
  assert.equal(iso(nextScanTime('three_day', time(5, 0), at('2026-03-10T01:00:00Z'))), '2026-03-10T05:00:00.000Z');
  assert.equal(iso(nextScanTime('three_day', time(5, 0), at('2026-03-10T05:00:00Z'), true)), '2026-03-13T05:00:00.000Z');
  // A run that starts late (the server was down) counts three days from when it ran, and one_day skips the missed days.
  assert.equal(iso(nextScanTime('three_day', time(5, 0), at('2026-03-20T09:00:00Z'), true)), '2026-03-23T05:00:00.000Z');
  assert.equal(iso(nextScanTime('one_day', time(5, 0), at('2026-03-20T09:00:00Z'), true)), '2026-03-21T05:00:00.000Z');
});
