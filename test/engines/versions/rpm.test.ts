import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { rpmComparator, rpmvercmp } from '../../../src/engines/versions/rpm.js';
import { gen, pairs, signOf, type Gen } from './generate.js';
import { rpmVectors } from './vector-files.js';

/** Asks the real rpm (lua rpm.vercmp, full EVR) about many pairs in one process; null where rpm rejects a version. */
function rpmOracle(batch: readonly [string, string][]): (number | null)[] {
  const table = batch.map(([a, b]) => `{[==[${a}]==],[==[${b}]==]}`).join(',');
  const script = `%{lua: for _, p in ipairs({${table}}) do local ok, r = pcall(rpm.vercmp, p[1], p[2]); print((ok and tostring(r) or "E") .. ",") end}`;
  const result = spawnSync('rpm', ['--eval', script], { encoding: 'utf8', timeout: 30_000, maxBuffer: 16 << 20 });
  assert.equal(result.error, undefined, `rpm could not run (scripts/deps/versions.sh installs it): ${String(result.error)}`);
  const answers = result.stdout.trim().replace(/,$/, '').split(',');
  assert.equal(answers.length, batch.length, `rpm answered ${answers.length} of ${batch.length}: ${result.stderr}`);
  return answers.map((x) => (x === 'E' ? null : Number(x)));
}

const FIELD_CHARS = '0123456789012345abcxyzABZ..~^+_';

/** Digit and letter segments joined by separators, with `~` and `^` common so their rules get exercised. */
function field(g: Gen): string {
  let out = g.chance(0.9) ? String(g.int(12)) : g.run('abzAZ', 2);
  const segments = g.int(4);
  for (let i = 0; i < segments; i++) {
    out += g.pick(['.', '.', '~', '^', '', '+', '_']);
    out += g.chance(0.6) ? g.pick(['0', '1', '2', '10', '01', String(g.int(100))]) : g.pick(['a', 'b', 'rc', 'git', 'Z', 'el9', 'fc40']);
  }
  return out;
}

/** The character a mutation inserts or substitutes. */
function mutation(g: Gen, extra: string[] = []): string {
  return g.chance(0.5) ? g.pick(['~', '^', '.', ...extra]) : g.pick([...FIELD_CHARS]);
}

function evr(g: Gen): string {
  const epoch = g.chance(0.3) ? `${g.int(3)}:` : '';
  const release = g.chance(0.6) ? `-${field(g)}` : '';
  return `${epoch}${field(g)}${release}`;
}

function compareAgainstOracle(list: [string, string][], ours: (a: string, b: string) => number): void {
  const mismatches: string[] = [];
  let answered = 0;
  for (let i = 0; i < list.length; i += 500) {
    const batch = list.slice(i, i + 500);
    rpmOracle(batch).forEach((expected, k) => {
      if (expected === null) return;
      answered++;
      const [a, b] = batch[k] as [string, string];
      const got = signOf(ours(a, b));
      if (got !== signOf(expected)) mismatches.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: rpm ${expected}, ours ${got}`);
    });
  }
  assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
  assert.ok(answered >= list.length * 0.9, `rpm answered only ${answered} of ${list.length} pairs`);
}

describe('rpm comparator', () => {
  it('agrees with every line of rpm.txt (plain rpmvercmp)', () => {
    const vectors = rpmVectors();
    assert.equal(vectors.length, 4489);
    for (const v of vectors) {
      assert.equal(signOf(rpmvercmp(v.a, v.b)), v.expected, `rpm.txt:${v.line}: rpmvercmp(${JSON.stringify(v.a)}, ${JSON.stringify(v.b)})`);
    }
  });

  it('gives the EVR order the same answer as rpmvercmp on rpm.txt lines without epoch or release', () => {
    let checked = 0;
    for (const v of rpmVectors()) {
      if (/[:-]/.test(v.a + v.b) || v.a === '' || v.b === '') continue;
      checked++;
      assert.equal(signOf(rpmComparator.compare(v.a, v.b)), v.expected, `rpm.txt:${v.line}`);
    }
    assert.ok(checked > 3000, `only ${checked} lines checked`);
  });

  it('orders ~ before anything (even the end) and ^ after the end but before anything else', () => {
    assert.equal(rpmvercmp('1.0~rc1', '1.0'), -1);
    assert.equal(rpmvercmp('1.0~rc1', '1.0~rc1'), 0);
    assert.equal(rpmvercmp('1.0~~', '1.0~'), -1);
    assert.equal(rpmvercmp('1.0^', '1.0'), 1);
    assert.equal(rpmvercmp('1.0^git1', '1.0.1'), -1);
    assert.equal(rpmvercmp('1.0^git1', '1.0~rc1'), 1);
  });

  it('compares epoch, then version, then release', () => {
    assert.equal(rpmComparator.compare('1:1.0-1', '2.0-1'), 1);
    assert.equal(rpmComparator.compare('0:1.0-1', '1.0-1'), 0);
    assert.equal(rpmComparator.compare('1.0-1.el9', '1.0-2.el9'), -1);
    assert.equal(rpmComparator.compare('1.0', '1.0-0'), -1);
    assert.equal(rpmComparator.compare('2.0-1', '10.0-1'), -1);
    assert.equal(rpmComparator.isValid('1:2.3.4-5.el9_1'), true);
    assert.equal(rpmComparator.isValid('a:1'), false);
    assert.equal(rpmComparator.isValid(''), false);
  });

  it('agrees sign for sign with rpm.vercmp on 2,000 generated plain versions', () => {
    const g = gen(0x52504d31);
    compareAgainstOracle(pairs(2000, g, () => field(g), () => mutation(g)), rpmvercmp);
  });

  it('agrees sign for sign with rpm.vercmp on 2,000 generated [epoch:]version[-release] pairs', () => {
    const g = gen(0x45565231);
    compareAgainstOracle(pairs(2000, g, () => evr(g), () => mutation(g, ['-', ':'])), rpmComparator.compare);
  });
});
