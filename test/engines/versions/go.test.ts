import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { goComparator } from '../../../src/engines/versions/go.js';

/** golang.org/x/mod/semver's test table order, plus pseudo-versions and +incompatible. */
const ASCENDING = [
  'v0.0.0-20170915032832-14c0d48ead0c',
  'v0.0.0-20191109021931-daa7c04131f5',
  'v0.0.0',
  'v0.1.0-pre',
  'v0.1.0',
  'v1.0.0-alpha',
  'v1.0.0-alpha.1',
  'v1.0.0-alpha.beta',
  'v1.0.0-beta',
  'v1.0.0-beta.2',
  'v1.0.0-beta.11',
  'v1.0.0-rc.1',
  'v1.0.0',
  'v1.2.3-0.20200101000000-abcdefabcdef',
  'v1.2.3',
  'v1.2.4-0.20210101000000-abcdefabcdef',
  'v2.0.0+incompatible',
  'v2.1.0',
];

/** golang.org/x/mod/semver's semver_test.go `tests` table: input and canonical form ('' = invalid), ascending. */
const XMOD_TABLE: [string, string][] = [
  ['bad', ''], ['v1-alpha.beta.gamma', ''], ['v1-pre', ''], ['v1+meta', ''], ['v1-pre+meta', ''], ['v1.2-pre', ''], ['v1.2+meta', ''], ['v1.2-pre+meta', ''],
  ['v1.0.0-alpha', 'v1.0.0-alpha'], ['v1.0.0-alpha.1', 'v1.0.0-alpha.1'], ['v1.0.0-alpha.beta', 'v1.0.0-alpha.beta'], ['v1.0.0-beta', 'v1.0.0-beta'],
  ['v1.0.0-beta.2', 'v1.0.0-beta.2'], ['v1.0.0-beta.11', 'v1.0.0-beta.11'], ['v1.0.0-rc.1', 'v1.0.0-rc.1'], ['v1', 'v1.0.0'], ['v1.0', 'v1.0.0'],
  ['v1.0.0', 'v1.0.0'], ['v1.2', 'v1.2.0'], ['v1.2.0', 'v1.2.0'], ['v1.2.3-456', 'v1.2.3-456'], ['v1.2.3-456.789', 'v1.2.3-456.789'],
  ['v1.2.3-456-789', 'v1.2.3-456-789'], ['v1.2.3-456a', 'v1.2.3-456a'], ['v1.2.3-pre', 'v1.2.3-pre'], ['v1.2.3-pre+meta', 'v1.2.3-pre'],
  ['v1.2.3-pre.1', 'v1.2.3-pre.1'], ['v1.2.3-zzz', 'v1.2.3-zzz'], ['v1.2.3', 'v1.2.3'], ['v1.2.3+meta', 'v1.2.3'], ['v1.2.3+meta-pre', 'v1.2.3'],
  ['v1.2.3+meta-pre.sha.256a', 'v1.2.3'],
];

describe('go comparator', () => {
  it("agrees with x/mod/semver's own IsValid and Compare table (invalid ones tie-break by text here)", () => {
    XMOD_TABLE.forEach(([a, canonA], i) => {
      assert.equal(goComparator.isValid(a), canonA !== '', `isValid(${a})`);
      XMOD_TABLE.forEach(([b, canonB], j) => {
        if (canonA === '' && canonB === '') return;
        const want = canonA === canonB ? 0 : i < j ? -1 : 1;
        assert.equal(goComparator.compare(a, b), want, `compare(${a}, ${b})`);
      });
    });
  });

  it('orders semver, pseudo-versions and +incompatible as x/mod/semver does', () => {
    for (let i = 0; i < ASCENDING.length; i++) {
      for (let j = i + 1; j < ASCENDING.length; j++) {
        const [a, b] = [ASCENDING[i] ?? '', ASCENDING[j] ?? ''];
        assert.equal(goComparator.compare(a, b), -1, `${a} < ${b}`);
        assert.equal(goComparator.compare(b, a), 1, `${b} > ${a}`);
      }
    }
  });

  it('treats shorthands, build metadata and a missing v (as OSV writes Go versions) as equal', () => {
    assert.equal(goComparator.compare('v1', 'v1.0.0'), 0);
    assert.equal(goComparator.compare('v1.2', 'v1.2.0'), 0);
    assert.equal(goComparator.compare('v2.0.0+incompatible', 'v2.0.0'), 0);
    assert.equal(goComparator.compare('1.2.3', 'v1.2.3'), 0);
  });

  it('validates as x/mod/semver.IsValid does (v optional) and sorts invalid versions first', () => {
    for (const v of ['v1', 'v1.2', 'v1.2.3', 'v1.2.3-pre', 'v1.2.3+meta', 'v1.2.3-0.20200101000000-abcdefabcdef', '1.2.3']) assert.equal(goComparator.isValid(v), true, v);
    for (const v of ['', 'v', 'v01', 'v1.02', 'v1.2-pre', 'v1.2+meta', 'v1.2.3-', 'v1.2.3-01', 'v1.2.3.4', 'bad']) assert.equal(goComparator.isValid(v), false, v);
    assert.equal(goComparator.compare('bad', 'v0.0.0'), -1);
  });
});
