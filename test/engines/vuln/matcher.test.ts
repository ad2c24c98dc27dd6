import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildAdvisoryIndex, matchInventory, mergeRecords } from '../../../src/engines/vuln/matcher.js';
import { parseOsvRecord, type OsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { pep503Name } from '../../../src/engines/vuln/package-keys.js';
import { osv, pkg, testComparators } from './vuln-helpers.js';

function record(id: string, fields: Record<string, unknown>): OsvRecord {
  const parsed = parseOsvRecord(JSON.stringify(osv(id, fields)));
  if ('error' in parsed) throw new Error(parsed.error);
  return parsed.record;
}

const range = (introduced: string, fixed?: string) => [{ type: 'ECOSYSTEM', events: [{ introduced }, ...(fixed ? [{ fixed }] : [])] }];
const affects = (ecosystem: string, name: string, ranges: unknown, versions?: string[]) => ({ package: { ecosystem, name }, ranges, ...(versions ? { versions } : {}) });

const FIXTURES: OsvRecord[] = [
  record('DSA-1', { aliases: ['CVE-2024-0001'], affected: [affects('Debian:12', 'openssl', range('0', '3.0.11'))],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H' }] }),
  record('DEB-BARE', { affected: [affects('Debian', 'zlib', range('0', '1.3'))] }),
  record('ALPINE-1', { affected: [affects('Alpine:v3.19', 'busybox', range('0', '1.36.2'))] }),
  record('ALSA-1', { summary: 'Important: kernel security update', related: ['CVE-2024-0002'],
    affected: [affects('AlmaLinux:9', 'kernel-core', range('0', '1:5.14.0-2.el9'))] }),
  record('ALSA-2', { affected: [affects('AlmaLinux:9', 'curl', range('0', '7.76.1-30.el9'))] }),
  record('PYSEC-1', { aliases: ['CVE-2024-0003', 'GHSA-xxxx'], affected: [affects('PyPI', 'Zope.Interface', range('4.0', '5.1'))] }),
  record('PYSEC-2', { affected: [affects('PyPI', 'requests', [], ['2.0', '2.1'])] }),
  record('PYSEC-UNFIXED', { affected: [affects('PyPI', 'leftpad', range('1.2'))] }),
  record('PYSEC-WD', { withdrawn: '2024-02-01T00:00:00Z', affected: [affects('PyPI', 'requests', range('0'))] }),
  record('NPM-1', { affected: [affects('npm', 'Lodash', range('0', '4.17.21'))] }),
];

const INVENTORY = [
  // Binary libssl3 from source openssl at source version 3.0.9 → DSA-1 (by source name and version).
  pkg('Debian:12', 'libssl3', '3.0.9+b1', { sourceName: 'openssl', sourceVersion: '3.0.9' }),
  // openssl itself at the fixed version → nothing.
  pkg('Debian:12', 'openssl', '3.0.11'),
  // Same source on Debian 11: DSA-1 names Debian:12 only → nothing.
  pkg('Debian:11', 'libssl1.1', '1.1.1', { sourceName: 'openssl' }),
  // A bare `Debian` advisory applies to every release.
  pkg('Debian:11', 'zlib1g', '1.2.13', { sourceName: 'zlib' }),
  // Alpine: binary ssl_client from origin busybox.
  pkg('Alpine:v3.19', 'ssl_client', '1.36.1', { sourceName: 'busybox' }),
  // RPM: epoch 1 folded in → 1:5.14.0-1.el9 < 1:5.14.0-2.el9 → affected.
  pkg('AlmaLinux:9', 'kernel-core', '5.14.0-1.el9', { epoch: 1 }),
  // Epoch 2 beats the fix's epoch 1 whatever the version-release → nothing.
  pkg('AlmaLinux:9', 'kernel-core', '5.0-1.el9', { epoch: 2 }),
  // ALSA-1 names AlmaLinux:9 only → nothing on AlmaLinux:8.
  pkg('AlmaLinux:8', 'kernel-core', '5.14.0-1.el9', { epoch: 1 }),
  // RPM is matched by binary name, not the source RPM.
  pkg('AlmaLinux:9', 'libcurl', '7.76.1-1.el9', { sourceName: 'curl' }),
  // PEP 503: zope-interface == Zope.Interface.
  pkg('PyPI', 'zope_interface', '5.0'),
  pkg('PyPI', 'requests', '2.1'),
  pkg('PyPI', 'requests', '2.2'),
  pkg('PyPI', 'leftpad', '9.0'),
  // npm names are exact: lodash ≠ Lodash.
  pkg('npm', 'lodash', '4.0.0'),
];

describe('matchInventory', () => {
  const index = buildAdvisoryIndex(mergeRecords(FIXTURES), testComparators);
  const { findings, uncomparable } = matchInventory(INVENTORY, index, testComparators);
  const summary = findings.map((f) => `${f.vulnId} ${f.package.ecosystem}/${f.package.name}@${f.matchedVersion} fix=${f.fixedVersion ?? '-'}`).sort();

  test('exactly the expected findings', () => {
    assert.deepEqual(summary, [
      'ALPINE-1 Alpine:v3.19/ssl_client@1.36.1 fix=1.36.2',
      'ALSA-1 AlmaLinux:9/kernel-core@1:5.14.0-1.el9 fix=1:5.14.0-2.el9',
      'DEB-BARE Debian:11/zlib1g@1.2.13 fix=1.3',
      'DSA-1 Debian:12/libssl3@3.0.9 fix=3.0.11',
      'PYSEC-1 PyPI/zope_interface@5.0 fix=5.1',
      'PYSEC-2 PyPI/requests@2.1 fix=-',
      'PYSEC-UNFIXED PyPI/leftpad@9.0 fix=-',
    ]);
    assert.deepEqual(uncomparable, []);
  });

  test('findings carry CVE aliases (from aliases and related) and severity', () => {
    const dsa = findings.find((f) => f.vulnId === 'DSA-1');
    assert.deepEqual(dsa?.cves, ['CVE-2024-0001']);
    assert.equal(dsa?.severity.level, 'Critical');
    assert.equal(dsa?.severity.cvss, 9.8);
    assert.equal(dsa?.ecosystem, 'Debian:12');
    const alsa = findings.find((f) => f.vulnId === 'ALSA-1');
    assert.deepEqual(alsa?.cves, ['CVE-2024-0002']);
    assert.deepEqual([alsa?.severity.level, alsa?.severity.distro], ['High', 'Important']);
    assert.deepEqual(findings.find((f) => f.vulnId === 'PYSEC-1')?.aliases, ['CVE-2024-0003', 'GHSA-xxxx']);
  });

  test('an ecosystem without a comparator is reported, and only versions[] can match there', () => {
    const none = () => undefined;
    const result = matchInventory([pkg('PyPI', 'requests', '2.1'), pkg('PyPI', 'leftpad', '9.0')], buildAdvisoryIndex(mergeRecords(FIXTURES), none), none);
    assert.deepEqual(result.findings.map((f) => f.vulnId), ['PYSEC-2']);
    assert.deepEqual(result.uncomparable, ['PyPI']);
  });
});

describe('mergeRecords', () => {
  const old = record('PYSEC-9', { modified: '2024-01-01T00:00:00Z', affected: [affects('PyPI', 'flask', range('0', '2.0'))] });
  const newer = record('PYSEC-9', { modified: '2024-03-01T00:00:00.123456Z', affected: [affects('PyPI', 'django', range('0', '4.0'))] });
  const withdrawn = record('PYSEC-9', { modified: '2024-05-01T00:00:00Z', withdrawn: '2024-05-01T00:00:00Z', affected: [affects('PyPI', 'django', range('0'))] });
  const inventory = [pkg('PyPI', 'flask', '1.0'), pkg('PyPI', 'django', '3.0')];
  const ids = (records: OsvRecord[]) => matchInventory(inventory, buildAdvisoryIndex(mergeRecords(records), testComparators), testComparators)
    .findings.map((f) => `${f.vulnId}:${f.package.name}`);

  test('the newer modified wins whatever the order; the replaced record no longer matches', () => {
    assert.deepEqual(ids([old, newer]), ['PYSEC-9:django']);
    assert.deepEqual(ids([newer, old]), ['PYSEC-9:django']);
  });

  test('a newer withdrawn record removes the advisory; an older withdrawn one does not', () => {
    assert.deepEqual(ids([old, newer, withdrawn]), []);
    const oldWithdrawn = record('PYSEC-9', { modified: '2023-01-01T00:00:00Z', withdrawn: '2023-01-01T00:00:00Z' });
    assert.deepEqual(ids([oldWithdrawn, old]), ['PYSEC-9:flask']);
  });

  test('PEP 503 names', () => {
    assert.equal(pep503Name('Zope.Interface'), 'zope-interface');
    assert.equal(pep503Name('a__b-.-C'), 'a-b-c');
  });
});
