import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { dpkgComparator } from '../../../src/engines/versions/dpkg.js';
import { gen, pairs, signOf, type Gen } from './generate.js';
import { dpkgVectors } from './vector-files.js';

/** Versions in dpkg.txt that dpkg itself rejects (its test suite compares them leniently). */
const REJECTED_BY_DPKG = new Set(['0foo-', '-0.6.5']);

function dpkg(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('dpkg', ['--compare-versions', ...args], { encoding: 'utf8', timeout: 10_000 });
  assert.equal(r.error, undefined, `dpkg could not run: ${String(r.error)}`);
  return { status: r.status, stderr: r.stderr };
}

/** The sign dpkg gives, from `lt` and `gt` (exit 0 = true, 1 = false). */
function dpkgSign(a: string, b: string): -1 | 0 | 1 {
  const lt = dpkg([a, 'lt', b]);
  assert.ok(lt.status === 0 || lt.status === 1, `dpkg rejected ${a} / ${b}: ${lt.stderr}`);
  if (lt.status === 0) return -1;
  return dpkg([a, 'gt', b]).status === 0 ? 1 : 0;
}

const UPSTREAM_CHARS = '0123456789012abzAZ..+~~';
const REVISION_CHARS = '0123456789abz.+~';

function version(g: Gen): string {
  const epoch = g.chance(0.25) ? `${g.int(3)}:` : '';
  const upstream = `${g.int(10)}${g.chance(0.8) ? g.run(UPSTREAM_CHARS + (epoch ? ':-' : '-'), 8) : ''}`;
  const revision = g.chance(0.5) ? `-${g.run(REVISION_CHARS, 5)}` : '';
  return `${epoch}${upstream}${revision}`;
}

describe('dpkg comparator', () => {
  it('agrees with every line of dpkg.txt, and rejects the versions dpkg rejects', () => {
    const vectors = dpkgVectors();
    assert.equal(vectors.length, 44);
    let rejectedLines = 0;
    for (const v of vectors) {
      const where = `dpkg.txt:${v.line}: compare(${v.a}, ${v.b})`;
      assert.equal(signOf(dpkgComparator.compare(v.a, v.b)), v.expected, where);
      assert.equal(signOf(dpkgComparator.compare(v.b, v.a)), signOf(-v.expected), `${where} reversed`);
      const invalid = [v.a, v.b].filter((x) => REJECTED_BY_DPKG.has(x));
      if (invalid.length > 0) rejectedLines++;
      for (const x of [v.a, v.b]) assert.equal(dpkgComparator.isValid(x), !REJECTED_BY_DPKG.has(x), `${where}: isValid(${x})`);
    }
    assert.equal(rejectedLines, 4, 'dpkg.txt has four lines with versions dpkg rejects');
  });

  it('orders ~ before the end and letters before other symbols', () => {
    assert.equal(dpkgComparator.compare('1.0~rc1-1', '1.0-1'), -1);
    assert.equal(dpkgComparator.compare('1.0+dfsg-1', '1.0-1'), 1);
    assert.equal(dpkgComparator.compare('1:0.1', '2.0'), 1);
    assert.equal(dpkgComparator.compare('1.0-1', '1.0-1ubuntu0.1'), -1);
  });

  it('agrees sign for sign with dpkg --compare-versions on 1,500 generated pairs', () => {
    const g = gen(0x44504b47);
    const list = pairs(1500, g, () => version(g), () => g.pick([...UPSTREAM_CHARS]));
    const mismatches: string[] = [];
    let checked = 0;
    for (const [a, b] of list) {
      if (!dpkgComparator.isValid(a) || !dpkgComparator.isValid(b)) continue;
      checked++;
      const expected = dpkgSign(a, b);
      const got = signOf(dpkgComparator.compare(a, b));
      if (got !== expected) mismatches.push(`${a} vs ${b}: dpkg ${expected}, ours ${got}`);
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
    assert.ok(checked >= 1000, `only ${checked} valid pairs checked`);
  });

  it('isValid agrees with dpkg on 300 generated strings (any dpkg warning or error counts as invalid)', () => {
    const g = gen(0x56414c44);
    const mismatches: string[] = [];
    for (let i = 0; i < 300; i++) {
      const v = g.chance(0.5) ? version(g) : g.run('0123456789aZ.+~:-_', 8);
      if (v.startsWith('-')) continue; // dpkg would read it as an option
      const r = dpkg([v, 'eq', v]);
      const dpkgAccepts = r.status === 0 && r.stderr === '';
      if (dpkgComparator.isValid(v) !== dpkgAccepts) mismatches.push(`${v}: dpkg ${dpkgAccepts}, ours ${!dpkgAccepts} (${r.stderr.trim()})`);
    }
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  });
});
