import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mavenComparator } from '../../../src/engines/versions/maven.js';

/** Cases from Maven's ComparableVersionTest (maven-artifact, 4.x): each list strictly ascending. */
const VERSIONS_QUALIFIER = ['1-alpha2snapshot', '1-alpha2', '1-alpha-123', '1-beta-2', '1-beta123', '1-m2', '1-m11', '1-rc', '1-cr2', '1-rc123', '1-SNAPSHOT', '1', '1-sp', '1-sp2', '1-sp123', '1-abc', '1-def', '1-pom-1', '1-1-snapshot', '1-1', '1-2', '1-123'];
const VERSIONS_NUMBER = ['2.0', '2.0.a', '2-1', '2.0.2', '2.0.123', '2.1.0', '2.1-a', '2.1b', '2.1-c', '2.1-1', '2.1.0.1', '2.2', '2.123', '11.a2', '11.a11', '11.b2', '11.b11', '11.m2', '11.m11', '11', '11.a', '11b', '11c', '11m'];

const EQUAL: [string, string][] = [
  ['1', '1.0'], ['1', '1.0.0'], ['1.0', '1.0.0'], ['1', '1-0'], ['1', '1.0-0'], ['1.0', '1.0-0'],
  ['1a', '1-a'], ['1a', '1.0-a'], ['1a', '1.0.0-a'], ['1.0a', '1-a'], ['1.0.0a', '1-a'],
  ['1x', '1-x'], ['1x', '1.0-x'], ['1x', '1.0.0-x'], ['1.0x', '1-x'], ['1.0.0x', '1-x'],
  ['1cr', '1rc'], ['1a1', '1-alpha-1'], ['1b2', '1-beta-2'], ['1m3', '1-milestone-3'],
  ['1X', '1x'], ['1A', '1a'], ['1Cr', '1Rc'], ['1m3', '1MILESTONE3'],
  ['1ga', '1'], ['1release', '1'], ['1final', '1'], ['1GA', '1'], ['1RELeaSE', '1'], ['1FINAL', '1'],
  ['1.0.0-alpha1', '1.0.0-ALPHA1'], ['1.a', '1.A'],
  ['0000000000000000001', '1'], ['000000000001', '01'], ['0000000000000000000', '0'], ['0000000000', '00'],
];

const ORDERED: [string, string][] = [
  ['1', '2'], ['1.5', '2'], ['1', '2.5'], ['1.0', '1.1'], ['1.1', '1.2'], ['1.0.0', '1.1'], ['1.0.1', '1.1'], ['1.1', '1.2.0'],
  ['1.0-alpha-1', '1.0'], ['1.0-alpha-1', '1.0-alpha-2'], ['1.0-alpha-1', '1.0-beta-1'], ['1.0-beta-1', '1.0-SNAPSHOT'],
  ['1.0-SNAPSHOT', '1.0'], ['1.0-alpha-1-SNAPSHOT', '1.0-alpha-1'], ['1.0', '1.0-1'], ['1.0-1', '1.0-2'], ['1.0.0', '1.0-1'],
  ['2.0-1', '2.0.1'], ['2.0.1-klm', '2.0.1-lmn'], ['2.0.1', '2.0.1-xyz'], ['2.0.1', '2.0.1-123'], ['2.0.1-xyz', '2.0.1-123'],
  ['0.7', '2'], ['0.2', '1.0.7'], ['J', '7'], ['c', '7'], ['aardvark', 'zebra'],
  // MNG-5568, MNG-6572, MNG-6964, MNG-7714
  ['6.1.0rc3', '6.1.0'], ['6.1.0rc3', '6.1H.5-beta'], ['6.1.0', '6.1H.5-beta'],
  ['20190126.230843', '1234567890.12345'], ['1234567890.12345', '123456789012345.1H.5-beta'], ['123456789012345.1H.5-beta', '12345678901234567890.1H.5-beta'],
  ['1-0.alpha', '1'], ['1-0.beta', '1'], ['1-0.alpha', '1-0.beta'],
  ['1.0.final-redhat', '1.0-sp1-redhat'], ['1.0.final-redhat', '1.0-sp-1-redhat'], ['1.0.final-redhat', '1.0-sp.1-redhat'],
];

function assertAscending(a: string, b: string): void {
  assert.ok(mavenComparator.compare(a, b) < 0, `expected ${a} < ${b}`);
  assert.ok(mavenComparator.compare(b, a) > 0, `expected ${b} > ${a}`);
}

describe('maven comparator', () => {
  it('orders the qualifier and number sequences of ComparableVersionTest', () => {
    for (const list of [VERSIONS_QUALIFIER, VERSIONS_NUMBER]) {
      for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) assertAscending(list[i] ?? '', list[j] ?? '');
    }
  });

  it('treats the equal spellings of ComparableVersionTest as equal', () => {
    for (const [a, b] of EQUAL) {
      assert.equal(mavenComparator.compare(a, b), 0, `expected ${a} == ${b}`);
      assert.equal(mavenComparator.compare(b, a), 0, `expected ${b} == ${a}`);
    }
  });

  it('orders the pairs of ComparableVersionTest, including the MNG regressions', () => {
    for (const [a, b] of ORDERED) assertAscending(a, b);
  });

  it('MNG-7644: 1.0.0.X1 < 1.0.0-X2 and 2-X == 2.0.X == 2.0.0.X for any qualifier X', () => {
    for (const x of ['abc', 'alpha', 'a', 'beta', 'b', 'def', 'milestone', 'm', 'RC']) {
      assertAscending(`1.0.0.${x}1`, `1.0.0-${x}2`);
      assert.equal(mavenComparator.compare(`2-${x}`, `2.0.${x}`), 0, x);
      assert.equal(mavenComparator.compare(`2-${x}`, `2.0.0.${x}`), 0, x);
      assert.equal(mavenComparator.compare(`2.0.${x}`, `2.0.0.${x}`), 0, x);
    }
  });

  it('accepts any non-blank version, as ComparableVersion does', () => {
    assert.equal(mavenComparator.isValid('1.0-SNAPSHOT'), true);
    assert.equal(mavenComparator.isValid(''), false);
    assert.equal(mavenComparator.isValid('1.0 beta'), false);
  });
});
