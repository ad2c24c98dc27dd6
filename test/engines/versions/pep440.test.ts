import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { pep440Comparator } from '../../../src/engines/versions/pep440.js';
import { gen, pairs, signOf, type Gen } from './generate.js';

/** One python3 process reads every pair (JSON lines) and answers `validA validB sign` with packaging.version. */
const ORACLE = `
import json, sys
from packaging.version import Version, InvalidVersion
def parse(v):
    try:
        return Version(v)
    except InvalidVersion:
        return None
for line in sys.stdin:
    a, b = json.loads(line)
    x, y = parse(a), parse(b)
    s = "-" if x is None or y is None else str((x > y) - (x < y))
    print(int(x is not None), int(y is not None), s)
`;

function packagingOracle(list: readonly [string, string][]): string[] {
  const input = list.map((p) => JSON.stringify(p)).join('\n') + '\n';
  const r = spawnSync('python3', ['-c', ORACLE], { input, encoding: 'utf8', timeout: 30_000, maxBuffer: 16 << 20 });
  assert.equal(r.error, undefined, `python3 could not run: ${String(r.error)}`);
  assert.equal(r.status, 0, `python3-packaging oracle failed (scripts/deps/versions.sh installs it): ${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, list.length);
  return lines;
}

function pep440ish(g: Gen): string {
  const sep = (): string => g.pick(['', '', '.', '-', '_']);
  let v = g.chance(0.1) ? 'v' : '';
  if (g.chance(0.15)) v += `${g.int(3)}!`;
  const parts = 1 + g.int(4);
  v += Array.from({ length: parts }, () => g.pick(['0', '1', '2', '10', '01', '00', String(g.int(30))])).join('.');
  if (g.chance(0.4)) v += sep() + g.pick(['a', 'alpha', 'b', 'beta', 'c', 'rc', 'pre', 'preview', 'RC', 'Alpha']) + (g.chance(0.7) ? sep() + g.int(12) : '');
  if (g.chance(0.3)) v += g.chance(0.3) ? `-${g.int(5)}` : sep() + g.pick(['post', 'rev', 'r', 'POST']) + (g.chance(0.7) ? sep() + g.int(5) : '');
  if (g.chance(0.3)) v += sep() + g.pick(['dev', 'DEV']) + (g.chance(0.7) ? sep() + g.int(5) : '');
  if (g.chance(0.2)) v += `+${g.run('abcz0123456789', 4)}${g.chance(0.5) ? g.pick(['.', '-', '_']) + g.run('abc0129', 3) : ''}`;
  return v;
}

describe('pep440 comparator', () => {
  it('orders the PEP 440 examples', () => {
    const ordered = ['1.0.dev456', '1.0a1', '1.0a2.dev456', '1.0a12.dev456', '1.0a12', '1.0b1.dev456', '1.0b2', '1.0b2.post345.dev456', '1.0b2.post345', '1.0rc1.dev456', '1.0rc1', '1.0', '1.0+abc.5', '1.0+abc.7', '1.0+5', '1.0.post456.dev34', '1.0.post456', '1.0.15', '1.1.dev1'];
    for (let i = 0; i + 1 < ordered.length; i++) {
      assert.equal(pep440Comparator.compare(ordered[i] ?? '', ordered[i + 1] ?? ''), -1, `${ordered[i]} < ${ordered[i + 1]}`);
    }
    assert.equal(pep440Comparator.compare('1.0', '1.0.0'), 0);
    assert.equal(pep440Comparator.compare('1!1.0', '2.0'), 1);
    assert.equal(pep440Comparator.isValid('1.0-foo'), false);
  });

  it('agrees with python3-packaging on validity and sign for 3,000 generated pairs', () => {
    const g = gen(0x50455034);
    const list = pairs(3000, g, () => pep440ish(g), () => g.pick([...'0123456789.-_+abcrdevpost!']));
    const answers = packagingOracle(list);
    const mismatches: string[] = [];
    let compared = 0;
    list.forEach(([a, b], i) => {
      const valid = `${Number(pep440Comparator.isValid(a))} ${Number(pep440Comparator.isValid(b))}`;
      const sign = valid === '1 1' ? String(signOf(pep440Comparator.compare(a, b))) : '-';
      if (sign !== '-') compared++;
      const ours = `${valid} ${sign}`;
      if (ours !== answers[i]) mismatches.push(`${JSON.stringify(a)} vs ${JSON.stringify(b)}: packaging ${answers[i]}, ours ${ours}`);
    });
    assert.deepEqual(mismatches.slice(0, 20), [], `${mismatches.length} mismatches`);
    assert.ok(compared >= 2000, `only ${compared} valid pairs compared`);
  });
});
