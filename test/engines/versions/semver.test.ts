import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { semverComparator } from '../../../src/engines/versions/semver.js';

/** Each list is strictly ascending (SemVer 2.0.0 §11 and npm semver's README / test fixtures). */
const ASCENDING = [
  ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'],
  ['1.0.0', '2.0.0', '2.1.0', '2.1.1'],
  ['0.0.0', '0.0.0-foo'].reverse(),
  ['1.2.3-4', '1.2.3-5', '1.2.3-a', '1.2.3-a.5', '1.2.3-a.b', '1.2.3-asdf', '1.2.3'],
  ['1.2.3-r2', '1.2.3-r100'].reverse(), // alphanumeric identifiers compare as text
  ['v0.0.1', '0.9.99', '0.10.0', '99.999.99999', '9007199254740991.0.0'],
  ['1.2.3-alpha.9', '1.2.3-alpha.10', '1.2.3-alpha.10.1'],
];

const EQUAL = [
  ['1.2.3', 'v1.2.3'],
  ['1.2.3', ' 1.2.3 '],
  ['1.2.3+build.5', '1.2.3'],
  ['1.2.3-beta+build', '1.2.3-beta+other'],
  // node-semver test/fixtures/equality.js, the strict-mode entries
  ['1.2.3-beta+build', '1.2.3-beta+otherbuild'],
  ['1.2.3+build', '1.2.3+otherbuild'],
  ['  v1.2.3+build', '1.2.3+otherbuild'],
];

/** npm/node-semver test/fixtures/comparisons.js: the first sorts after the second (all parse in strict mode). */
const NODE_SEMVER_GREATER: [string, string][] = [
  ['0.0.0', '0.0.0-foo'], ['0.0.1', '0.0.0'], ['1.0.0', '0.9.9'], ['0.10.0', '0.9.0'], ['0.99.0', '0.10.0'], ['2.0.0', '1.2.3'],
  ['v0.0.0', '0.0.0-foo'], ['v0.0.1', '0.0.0'], ['v1.0.0', '0.9.9'], ['v0.10.0', '0.9.0'], ['v0.99.0', '0.10.0'], ['v2.0.0', '1.2.3'],
  ['0.0.0', 'v0.0.0-foo'], ['0.0.1', 'v0.0.0'], ['1.0.0', 'v0.9.9'], ['0.10.0', 'v0.9.0'], ['0.99.0', 'v0.10.0'], ['2.0.0', 'v1.2.3'],
  ['1.2.3', '1.2.3-asdf'], ['1.2.3', '1.2.3-4'], ['1.2.3', '1.2.3-4-foo'], ['1.2.3-5-foo', '1.2.3-5'], ['1.2.3-5', '1.2.3-4'],
  ['1.2.3-5-foo', '1.2.3-5-Foo'], ['3.0.0', '2.7.2+asdf'], ['1.2.3-a.10', '1.2.3-a.5'], ['1.2.3-a.b', '1.2.3-a.5'], ['1.2.3-a.b', '1.2.3-a'],
  ['1.2.3-a.b.c.10.d.5', '1.2.3-a.b.c.5.d.100'], ['1.2.3-r2', '1.2.3-r100'], ['1.2.3-r100', '1.2.3-R2'],
];

describe('semver comparator', () => {
  it("agrees with node-semver's comparison fixtures", () => {
    for (const [a, b] of NODE_SEMVER_GREATER) {
      assert.equal(semverComparator.compare(a, b), 1, `${a} > ${b}`);
      assert.equal(semverComparator.compare(b, a), -1, `${b} < ${a}`);
    }
  });

  it('orders the SemVer precedence examples', () => {
    for (const list of ASCENDING) {
      for (let i = 0; i < list.length; i++) {
        for (let j = i + 1; j < list.length; j++) {
          const [a, b] = [list[i] ?? '', list[j] ?? ''];
          assert.equal(semverComparator.compare(a, b), -1, `${a} < ${b}`);
          assert.equal(semverComparator.compare(b, a), 1, `${b} > ${a}`);
        }
      }
    }
  });

  it('ignores build metadata and the v prefix', () => {
    for (const [a, b] of EQUAL) assert.equal(semverComparator.compare(a ?? '', b ?? ''), 0, `${a} == ${b}`);
  });

  it('validates as npm semver (strict) does, and sorts invalid versions first', () => {
    for (const v of ['1.2.3', 'v1.2.3', '1.2.3-0', '1.2.3-alpha-1.-x', '1.2.3+20130313144700']) assert.equal(semverComparator.isValid(v), true, v);
    for (const v of ['1.2', '01.2.3', '1.2.3-01', '1.2.3-', '1.2.3+', '1.2.3.4', 'a.b.c', '9007199254740992.0.0', `1.2.3-${'a'.repeat(260)}`]) {
      assert.equal(semverComparator.isValid(v), false, v);
    }
    assert.equal(semverComparator.compare('not-a-version', '0.0.0'), -1);
  });
});
