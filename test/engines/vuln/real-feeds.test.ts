/**
 * The whole engine chain on the real feeds: advisories read from the shipped AlmaLinux and PyPI zips, indexed with
 * the registered comparators (rpm, PEP 440), matched against inventories built from what those advisories say.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import type { InventoryPackage } from '../../../src/engines/inventory/types.js';
import { comparatorFor } from '../../../src/engines/versions/index.js';
import { buildAdvisoryIndex, matchInventory, mergeRecords, type AdvisoryIndex } from '../../../src/engines/vuln/matcher.js';
import type { OsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { readOsvSource } from '../../../src/engines/vuln/osv-source.js';
import { OSV_DATA } from './vuln-helpers.js';

let records: OsvRecord[] = [];
let index: AdvisoryIndex;

before(async () => {
  for (const file of ['AlmaLinux.zip', 'PyPI.zip']) {
    assert.ok(fs.existsSync(path.join(OSV_DATA, file)), `test data ${path.join(OSV_DATA, file)} is missing (shared/data/osv)`);
  }
  const read: OsvRecord[] = [];
  for await (const item of readOsvSource(OSV_DATA)) if ('record' in item) read.push(item.record);
  records = mergeRecords(read);
  index = buildAdvisoryIndex(records, comparatorFor);
});

/** The first record whose affected entry for `ecosystemPrefix` has an ECOSYSTEM range fixed at a version. */
function advisoryFixedIn(ecosystemPrefix: string): { record: OsvRecord; ecosystem: string; name: string; fixed: string } {
  for (const record of records) {
    for (const affected of record.affected ?? []) {
      if (!affected.package?.ecosystem.startsWith(ecosystemPrefix)) continue;
      for (const range of affected.ranges ?? []) {
        const fixed = range.type === 'ECOSYSTEM' ? range.events.find((e) => 'fixed' in e)?.fixed : undefined;
        const introducedAtZero = range.events.some((e) => 'introduced' in e && e.introduced === '0');
        if (fixed && introducedAtZero) return { record, ecosystem: affected.package.ecosystem, name: affected.package.name, fixed };
      }
    }
  }
  throw new Error(`no ${ecosystemPrefix} advisory with an ECOSYSTEM range from 0 to a fix`);
}

const pkg = (name: string, version: string, ecosystem: string, kind: 'os' | 'app'): InventoryPackage => ({
  name, version, ecosystem, kind, location: kind === 'os' ? 'var/lib/rpm/rpmdb.sqlite' : 'app/requirements.txt', extractor: 'test',
});

describe('matching on the real feeds with the registered comparators', () => {
  test('every advisory ecosystem of the two feeds has a comparator', () => {
    const ecosystems = new Set(records.flatMap((r) => (r.affected ?? []).map((a) => a.package?.ecosystem ?? '')).filter(Boolean));
    const missing = [...ecosystems].filter((e) => !comparatorFor(e));
    assert.deepEqual(missing, []);
  });

  test('AlmaLinux: an rpm older than the fix is affected, the fixed one and a newer one are not', () => {
    const { record, ecosystem, name, fixed } = advisoryFixedIn('AlmaLinux:9');
    const rpm = comparatorFor(ecosystem)!;
    const older = '0:0.0.1-1.el9';
    assert.ok(rpm.compare(older, fixed) < 0);
    const hit = matchInventory([pkg(name, older, ecosystem, 'os')], index, comparatorFor);
    assert.ok(hit.findings.some((f) => f.vulnId === record.id && f.fixedVersion === fixed), `${record.id} for ${name} ${older} (fixed ${fixed})`);
    for (const version of [fixed, `${fixed}.1`]) {
      const miss = matchInventory([pkg(name, version, ecosystem, 'os')], index, comparatorFor);
      assert.ok(!miss.findings.some((f) => f.vulnId === record.id), `${name} ${version} must not match ${record.id}`);
    }
    assert.deepEqual(hit.uncomparable, []);
  });

  test('PyPI: a release older than the fix is affected (names compared by PEP 503), the fix is not', () => {
    const { record, name, fixed } = advisoryFixedIn('PyPI');
    const spelled = name.toUpperCase().replace(/-/g, '_');
    const hit = matchInventory([pkg(spelled, '0.0.0a1', 'PyPI', 'app')], index, comparatorFor);
    assert.ok(hit.findings.some((f) => f.vulnId === record.id), `${record.id} for ${spelled} 0.0.0a1 (fixed ${fixed})`);
    const miss = matchInventory([pkg(name, fixed, 'PyPI', 'app')], index, comparatorFor);
    assert.ok(!miss.findings.some((f) => f.vulnId === record.id));
  });
});
