import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { OsvAffected, OsvEvent } from '../../../src/engines/vuln/osv-schema.js';
import { evaluatePrepared, isAffected, prepareAffected } from '../../../src/engines/vuln/ranges.js';
import { dotted, miniRpm } from './vuln-helpers.js';

const affected = (ranges: OsvEvent[][], versions?: string[]): OsvAffected => ({
  package: { ecosystem: 'PyPI', name: 'demo' },
  ranges: ranges.map((events) => ({ type: 'ECOSYSTEM' as const, events })),
  ...(versions ? { versions } : {}),
});

const affectedSet = (entry: OsvAffected, candidates: string[], cmp = dotted) => candidates.filter((v) => isAffected(v, entry, cmp));

describe('OSV range evaluation', () => {
  test('introduced 0 + fixed: everything below the fix', () => {
    const entry = affected([[{ introduced: '0' }, { fixed: '1.5' }]]);
    assert.deepEqual(affectedSet(entry, ['0.1', '1.4.9', '1.5', '1.6']), ['0.1', '1.4.9']);
  });

  test('an unfixed introduced affects every later version', () => {
    const entry = affected([[{ introduced: '2.0' }]]);
    assert.deepEqual(affectedSet(entry, ['1.9', '2.0', '99.1']), ['2.0', '99.1']);
  });

  test('events are sorted with the comparator, not taken in record order (1.10 after 1.9)', () => {
    const entry = affected([[{ fixed: '1.10' }, { introduced: '1.9' }]]);
    assert.deepEqual(affectedSet(entry, ['1.8', '1.9', '1.9.5', '1.10', '1.11']), ['1.9', '1.9.5']);
  });

  test('last_affected is inclusive', () => {
    const entry = affected([[{ introduced: '1.0' }, { last_affected: '1.3' }]]);
    assert.deepEqual(affectedSet(entry, ['0.9', '1.0', '1.3', '1.3.1']), ['1.0', '1.3']);
  });

  test('limit: the version must sort below at least one limit; "*" is infinity', () => {
    assert.deepEqual(affectedSet(affected([[{ introduced: '0' }, { limit: '2.0' }]]), ['1.0', '2.0', '3.0']), ['1.0']);
    assert.deepEqual(affectedSet(affected([[{ introduced: '0' }, { limit: '*' }]]), ['1.0', '3.0']), ['1.0', '3.0']);
    // Limits are not part of the sorted walk: a limit below an introduced does not cut the later range short.
    const two = affected([[{ introduced: '1.0' }, { fixed: '1.5' }, { introduced: '3.0' }, { limit: '2.0' }, { limit: '4.0' }]]);
    assert.deepEqual(affectedSet(two, ['0.5', '1.2', '1.5', '3.5', '4.0']), ['1.2', '3.5']);
  });

  test('several introduced/fixed pairs in one range, and several ranges OR-ed', () => {
    const oneRange = affected([[{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '2.0' }, { fixed: '2.3' }]]);
    const twoRanges = affected([[{ introduced: '1.0' }, { fixed: '1.2' }], [{ introduced: '2.0' }, { fixed: '2.3' }]]);
    const candidates = ['0.9', '1.0', '1.1', '1.2', '1.5', '2.0', '2.2', '2.3', '3.0'];
    assert.deepEqual(affectedSet(oneRange, candidates), ['1.0', '1.1', '2.0', '2.2']);
    assert.deepEqual(affectedSet(twoRanges, candidates), ['1.0', '1.1', '2.0', '2.2']);
  });

  test('versions[] are exact matches OR-ed with the ranges', () => {
    const entry = affected([[{ introduced: '0' }, { fixed: '1.0' }]], ['3.1', '3.2']);
    assert.deepEqual(affectedSet(entry, ['0.5', '1.0', '3.1', '3.1.0', '3.2']), ['0.5', '3.1', '3.2']);
  });

  test('GIT ranges are ignored for package versions; only versions[] count then', () => {
    const entry: OsvAffected = {
      package: { ecosystem: 'PyPI', name: 'demo' },
      ranges: [{ type: 'GIT', repo: 'https://example.invalid/x', events: [{ introduced: '0' }, { fixed: 'abc123' }] }],
      versions: ['1.0'],
    };
    assert.deepEqual(affectedSet(entry, ['0.5', '1.0']), ['1.0']);
  });

  test('no ranges and no versions: nothing is affected (the spec IsVulnerable)', () => {
    assert.deepEqual(affectedSet({ package: { ecosystem: 'PyPI', name: 'demo' } }, ['0.1', '9']), []);
  });

  test('the fix reported is the fixed event after the version in the matching range', () => {
    const entry = affected([[{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '2.0' }, { fixed: '2.3' }], [{ introduced: '5.0' }]]);
    const prepared = prepareAffected(entry, dotted);
    assert.deepEqual(evaluatePrepared('1.1', prepared, dotted), { fixed: '1.2' });
    assert.deepEqual(evaluatePrepared('2.1', prepared, dotted), { fixed: '2.3' });
    assert.deepEqual(evaluatePrepared('5.1', prepared, dotted), {});
    assert.equal(evaluatePrepared('1.5', prepared, dotted), null);
  });

  test('RPM epochs and ~: 1:1.0 is newer than 2.0; 1.0~rc1 is older than 1.0', () => {
    const entry: OsvAffected = {
      package: { ecosystem: 'AlmaLinux:9', name: 'demo' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.0-1.el9' }] }],
    };
    assert.deepEqual(affectedSet(entry, ['2.0-1.el9', '1:0.9-1.el9', '1:1.0-1.el9', '1:1.0-2.el9', '2:0.1-1.el9'], miniRpm), ['2.0-1.el9', '1:0.9-1.el9']);
    const tilde: OsvAffected = {
      package: { ecosystem: 'AlmaLinux:9', name: 'demo' },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1.0-1' }] }],
    };
    assert.deepEqual(affectedSet(tilde, ['1.0~rc1-1', '1.0-1', '1.0.1-1'], miniRpm), ['1.0~rc1-1']);
  });
});
