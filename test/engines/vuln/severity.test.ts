import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mergeRecords } from '../../../src/engines/vuln/matcher.js';
import { parseOsvRecord, type OsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { readOsvSource } from '../../../src/engines/vuln/osv-source.js';
import { advisorySeverity, cvssBaseScore, levelForScore } from '../../../src/engines/vuln/severity.js';
import { osv, OSV_DATA } from './vuln-helpers.js';

async function zipRecords(name: string): Promise<OsvRecord[]> {
  const records: OsvRecord[] = [];
  for await (const item of readOsvSource(join(OSV_DATA, name))) if ('record' in item) records.push(item.record);
  return mergeRecords(records);
}

function record(fields: Record<string, unknown>): OsvRecord {
  const parsed = parseOsvRecord(JSON.stringify(osv('X-1', fields)));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.record;
}

describe('CVSS base scores', () => {
  test('the FIRST specification examples (v3.1 examples document, v2 guide, v4.0 calculator)', () => {
    const examples: Array<[string, number]> = [
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1], // CVE-2013-1937 phpMyAdmin XSS
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5], // CVE-2014-0160 Heartbleed
      ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8], // CVE-2014-6271 Shellshock
      ['CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:N/A:N', 5.0], // CVE-2013-0375 MySQL (v3.0)
      ['AV:N/AC:L/Au:N/C:N/I:N/A:C', 7.8], // CVE-2002-0392 Apache chunked encoding
      ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10.0], // CVE-2003-0818 Windows ASN.1
      ['AV:L/AC:H/Au:N/C:C/I:C/A:C', 6.2], // CVE-2003-0062 NOD32
      ['(AV:N/AC:L/Au:N/C:P/I:P/A:P)', 7.5],
      ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
    ];
    for (const [vector, score] of examples) assert.equal(cvssBaseScore(vector), score, vector);
  });

  test('incomplete, invalid or unknown vectors have no score', () => {
    for (const vector of ['', 'garbage', 'CVSS:3.1/AV:N', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q', 'CVSS:9.9/AV:N', 'AV:N/AC:L']) {
      assert.equal(cvssBaseScore(vector), null, vector);
    }
  });

  test('HSS buckets', () => {
    assert.deepEqual([9, 8.9, 7, 6.9, 4, 3.9, 0.1, 0].map(levelForScore), ['Critical', 'High', 'High', 'Medium', 'Medium', 'Low', 'Low', 'Low']);
  });
});

describe('advisory severity', () => {
  test('the highest CVSS score wins over the distro rating; the rating is kept', () => {
    const s = advisorySeverity(record({ summary: 'Low: demo', severity: [
      { type: 'CVSS_V2', score: 'AV:N/AC:L/Au:N/C:C/I:C/A:C' },
      { type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N' },
    ] }));
    assert.deepEqual([s.level, s.cvss, s.distro], ['Critical', 10, 'Low']);
  });

  test('without a score: database_specific, ecosystem_specific, an Ubuntu entry, the summary prefix', () => {
    assert.deepEqual(advisorySeverity(record({ database_specific: { severity: 'Moderate' } })).level, 'Medium');
    assert.equal(advisorySeverity(record({ affected: [{ package: { ecosystem: 'Debian:12', name: 'x' }, ecosystem_specific: { urgency: 'high' } }] })).level, 'High');
    assert.equal(advisorySeverity(record({ severity: [{ type: 'Ubuntu', score: 'negligible' }] })).level, 'Low');
    assert.equal(advisorySeverity(record({ summary: 'Critical: firefox security update' })).level, 'Critical');
    assert.deepEqual(advisorySeverity(record({ summary: 'tzdata bug fix' })), { level: 'Unknown', cvss: null, scores: [], distro: null });
    const v4only = advisorySeverity(record({ severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }] }));
    assert.deepEqual([v4only.level, v4only.cvss], ['Critical', 9.3]);
    const perPackage = advisorySeverity(record({ affected: [{ package: { ecosystem: 'npm', name: 'x' },
      severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }] }] }));
    assert.deepEqual([perPackage.level, perPackage.cvss], ['High', 7.5]);
  });

  test('PyPI.zip: every CVSS_V3 vector of the current records (199; 3 more are in withdrawn ones) scores', async () => {
    const scores = (await zipRecords('PyPI.zip')).flatMap((r) => advisorySeverity(r).scores);
    assert.equal(scores.length, 199);
    assert.deepEqual(scores.filter((s) => s.score === null), []);
  });

  test('AlmaLinux.zip: the Red Hat rating from the summary (no CVSS vectors in the feed)', async () => {
    const levels: Record<string, number> = {};
    for (const r of await zipRecords('AlmaLinux.zip')) {
      const level = advisorySeverity(r).level;
      levels[level] = (levels[level] ?? 0) + 1;
    }
    assert.deepEqual(levels, { Critical: 34, High: 2362, Medium: 1889, Low: 154, Unknown: 5637 - 34 - 2362 - 1889 - 154 });
  });
});
