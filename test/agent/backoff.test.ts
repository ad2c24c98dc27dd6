import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reconnectDelayMs } from '../../src/agent/backoff.js';

test('reconnect delays are spread over [0, min(cap, base·2^attempt)) by the random source', () => {
  const at = (r: number) => (attempt: number) => reconnectDelayMs(attempt, { random: () => r });
  assert.deepEqual([0, 1, 2, 3].map(at(0.999999)), [499, 999, 1999, 3999]);
  assert.deepEqual([0, 1, 2, 3].map(at(0.5)), [250, 500, 1000, 2000]);
  assert.equal(at(0.5)(20), 15_000, 'capped at 30 s');
  assert.equal(at(0.999999)(1000), 29_999, 'huge attempt numbers stay capped');
  assert.equal(at(0)(5), 50, 'never below a tenth of the base');
});

test('agents that fail together do not retry together', () => {
  // A seeded generator stands in for Math.random: 50 agents at their 6th failure spread over the window.
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const delays = Array.from({ length: 50 }, () => reconnectDelayMs(6, { random }));
  assert.ok(delays.every((d) => d >= 50 && d < 30_000));
  assert.ok(new Set(delays).size > 40, 'delays are distinct');
  assert.ok(Math.max(...delays) - Math.min(...delays) > 15_000, 'spread over most of the window');
});
