import assert from 'node:assert/strict';
import { TERMINAL_JOB_STATES } from '../../src/core/job-states.js';
import { describe, test } from 'node:test';
import { agentStatus, factsDigest, type HostFacts } from '../../src/core/host-facts.js';
import {
  afterLeaseExpiry, countJobs, LEASE_EXPIRED_REASON, overallProgress, type JobView,
} from '../../src/core/jobs.js';
import {
  defineQuota, ensureWithinQuota, quotaDefinition, quotaDefinitions, QuotaExceededError,
} from '../../src/core/quotas.js';
import type { JobState } from '../../src/store/schema.js';
import { toJobView } from '../../src/store/task-store.js';

const job = (state: JobState, progress = 0, cancelRequested = false): JobView => ({ state, progress, failureReason: null, cancelRequested });

describe('countJobs', () => {
  test('counts every state and the total', () => {
    const jobs = [job('queued'), job('queued'), job('running', 40), job('succeeded'), job('failed'), job('cancelled'), job('cancelled')];
    assert.deepEqual(countJobs(jobs), { total: 7, queued: 2, running: 1, succeeded: 1, failed: 1, cancelled: 2 });
  });

  test('no jobs', () => {
    assert.deepEqual(countJobs([]), { total: 0, queued: 0, running: 0, succeeded: 0, failed: 0, cancelled: 0 });
  });
});

describe('overallProgress', () => {
  test('mean of the jobs, finished ones counting 100 whatever their own progress', () => {
    assert.equal(overallProgress([job('running', 50), job('queued', 0)]), 25);
    assert.equal(overallProgress([job('failed', 10), job('running', 20)]), 60);
    assert.equal(overallProgress([job('cancelled', 0), job('succeeded', 0), job('failed', 3)]), 100);
    assert.equal(overallProgress([job('running', 33), job('running', 33), job('running', 34)]), 33);
  });

  test('rounds down: never shows 100 while a job is unfinished', () => {
    assert.equal(overallProgress([job('succeeded'), job('succeeded'), job('running', 99)]), 99);
    assert.equal(overallProgress([...Array.from({ length: 199 }, () => job('succeeded')), job('queued', 0)]), 99);
  });

  test('an empty task is complete', () => {
    assert.equal(overallProgress([]), 100);
  });

  test('terminal states are exactly succeeded, failed and cancelled', () => {
    assert.deepEqual([...TERMINAL_JOB_STATES].sort(), ['cancelled', 'failed', 'succeeded']);
  });
});

describe('afterLeaseExpiry', () => {
  test('requeues while attempts remain', () => {
    assert.equal(afterLeaseExpiry({ attempts: 1, maxAttempts: 3, cancelRequested: false }), 'queued');
    assert.equal(afterLeaseExpiry({ attempts: 2, maxAttempts: 3, cancelRequested: false }), 'queued');
  });

  test('fails once the last attempt was used', () => {
    assert.equal(afterLeaseExpiry({ attempts: 3, maxAttempts: 3, cancelRequested: false }), 'failed');
    assert.equal(afterLeaseExpiry({ attempts: 1, maxAttempts: 1, cancelRequested: false }), 'failed');
    assert.equal(afterLeaseExpiry({ attempts: 4, maxAttempts: 3, cancelRequested: false }), 'failed');
  });

  test('a cancel request wins over a retry', () => {
    assert.equal(afterLeaseExpiry({ attempts: 1, maxAttempts: 5, cancelRequested: true }), 'cancelled');
    assert.equal(afterLeaseExpiry({ attempts: 1, maxAttempts: 1, cancelRequested: true }), 'cancelled');
  });

  test('the lost-agent reason says so', () => {
    assert.match(LEASE_EXPIRED_REASON, /^agent lost/);
  });
});

describe('toJobView', () => {
  test('maps a stored job to the pure view', () => {
    assert.deepEqual(toJobView({ state: 'running', progress: 12, failure_reason: null, cancel_requested_at: 5 }),
      { state: 'running', progress: 12, failureReason: null, cancelRequested: true });
    assert.deepEqual(toJobView({ state: 'failed', progress: 0, failure_reason: 'x', cancel_requested_at: null }),
      { state: 'failed', progress: 0, failureReason: 'x', cancelRequested: false });
  });
});

describe('quotas', () => {
  test('the built-in quotas and their defaults', () => {
    assert.equal(quotaDefinition('agents')?.defaultLimit, 20000);
    assert.equal(quotaDefinition('tasks.active')?.defaultLimit, 500);
    assert.equal(quotaDefinition('nope'), undefined);
    const names = quotaDefinitions().map((d) => d.name);
    assert.ok(names.includes('agents') && names.includes('tasks.active'));
    assert.deepEqual(names, [...names].sort((a, b) => a.localeCompare(b)), 'listed by name');
  });

  test('ensureWithinQuota allows up to the limit and refuses past it', () => {
    ensureWithinQuota('tasks.active', 3, 0);
    ensureWithinQuota('tasks.active', 3, 2);
    ensureWithinQuota('tasks.active', 3, 1, 2);
    assert.throws(() => ensureWithinQuota('tasks.active', 3, 3), QuotaExceededError);
    assert.throws(() => ensureWithinQuota('tasks.active', 3, 2, 2), QuotaExceededError);
    assert.throws(() => ensureWithinQuota('agents', 0, 0), QuotaExceededError, 'a zero limit refuses everything');
    try {
      ensureWithinQuota('agents', 5, 5);
      assert.fail('must throw');
    } catch (error) {
      assert.ok(error instanceof QuotaExceededError);
      assert.equal(error.quota, 'agents');
      assert.equal(error.limit, 5);
      assert.match(error.message, /agents.*5/);
    }
  });

  test('defineQuota registers a new quota (plugins add their own)', () => {
    defineQuota({ name: 'test.quota', description: 'for tests', defaultLimit: 7 });
    assert.equal(quotaDefinition('test.quota')?.defaultLimit, 7);
  });
});

describe('host facts', () => {
  const facts: HostFacts = {
    host_name: 'h', os_name: 'Ubuntu', os_version: '24.04', os_type: 'Linux', kernel_version: '6.8', os_bit: '64',
    private_ips: ['10.0.0.1'], public_ips: [], agent_version: '0.1.0',
    capabilities: { job_kinds: ['capture', 'antivirus'], kinds: { capture: { interfaces: ['eth0'] }, antivirus: { engine: null } } },
  };

  test('the digest ignores key order, at every level', () => {
    const reordered = {
      capabilities: { kinds: { antivirus: { engine: null }, capture: { interfaces: ['eth0'] } }, job_kinds: ['capture', 'antivirus'] },
      agent_version: '0.1.0', public_ips: [], private_ips: ['10.0.0.1'], os_bit: '64', kernel_version: '6.8',
      os_type: 'Linux', os_version: '24.04', os_name: 'Ubuntu', host_name: 'h',
    } as HostFacts;
    assert.equal(factsDigest(reordered), factsDigest(facts));
  });

  test('every field, nested ones included, changes the digest', () => {
    const base = factsDigest(facts);
    const variants: HostFacts[] = [
      { ...facts, host_name: 'other' },
      { ...facts, kernel_version: '6.9' },
      { ...facts, private_ips: ['10.0.0.2'] },
      { ...facts, private_ips: ['10.0.0.1', '10.0.0.2'] },
      { ...facts, capabilities: { ...facts.capabilities, job_kinds: ['capture'] } },
      { ...facts, capabilities: { ...facts.capabilities, kinds: { capture: { interfaces: ['eth1'] }, antivirus: { engine: null } } } },
      { ...facts, capabilities: { ...facts.capabilities, kinds: { capture: { interfaces: ['eth0'] }, antivirus: { engine: 'ClamAV 1.4' } } } },
    ];
    const digests = variants.map(factsDigest);
    for (const [i, digest] of digests.entries()) assert.notEqual(digest, base, `variant ${i}`);
    assert.equal(new Set(digests).size, digests.length);
  });

  test('agentStatus: online within the window, offline after it', () => {
    assert.equal(agentStatus(1000, 500, 1500), 'online');
    assert.equal(agentStatus(1000, 500, 1501), 'offline');
  });
});
