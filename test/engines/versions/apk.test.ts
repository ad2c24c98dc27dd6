import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apkComparator } from '../../../src/engines/versions/apk.js';
import { gen, signOf } from './generate.js';
import { apkVectors } from './vector-files.js';

describe('apk comparator', () => {
  it('agrees with every line of apk.txt', () => {
    const vectors = apkVectors();
    assert.equal(vectors.length, 728);
    for (const v of vectors) {
      const where = `apk.txt:${v.line}: ${v.a} vs ${v.b}`;
      assert.equal(signOf(apkComparator.compare(v.a, v.b)), v.expected, where);
      assert.equal(signOf(apkComparator.compare(v.b, v.a)), signOf(-v.expected), `${where} reversed`);
    }
  });

  it('orders suffixes, letters and -rN revisions as apk-tools does', () => {
    const ordered = ['1.2_alpha', '1.2_alpha2', '1.2_beta', '1.2_pre1', '1.2_rc1', '1.2', '1.2-r1', '1.2_cvs', '1.2_svn', '1.2_git', '1.2_hg', '1.2_p1', '1.2a', '1.2.1'];
    for (let i = 0; i + 1 < ordered.length; i++) {
      assert.equal(apkComparator.compare(ordered[i] ?? '', ordered[i + 1] ?? ''), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    }
    assert.equal(apkComparator.compare('1.01', '1.1'), -1);
    assert.equal(apkComparator.compare('2.0-r10', '2.0-r9'), 1);
  });

  it('validates as apk_version_validate does, requiring a leading digit', () => {
    for (const v of ['1.2.3', '1.2.3-r0', '1.0_rc1-r2', '2.4a', '1.2_p20230101', '0.1.0_alpha']) assert.equal(apkComparator.isValid(v), true, v);
    for (const v of ['', 'a1', '1.2.3-', '1.2_foo', '1.2ab', '1.2-r1.3', '1.2_rc1_foo']) assert.equal(apkComparator.isValid(v), false, v);
  });

  it('is a consistent order (antisymmetric, reflexive) on 3,000 generated pairs', () => {
    const g = gen(0x41504b31);
    const make = (): string => `${g.int(20)}${g.chance(0.8) ? g.run('0123456789.._abcr-', 8) : ''}${g.chance(0.3) ? g.pick(['_alpha', '_beta1', '_rc2', '_p3', '_git']) : ''}${g.chance(0.3) ? `-r${g.int(12)}` : ''}`;
    for (let i = 0; i < 3000; i++) {
      const a = make();
      const b = make();
      assert.equal(signOf(apkComparator.compare(a, b)), signOf(-apkComparator.compare(b, a)), `${a} vs ${b}`);
      assert.equal(apkComparator.compare(a, a), 0, a);
    }
  });
});
