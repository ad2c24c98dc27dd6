import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AGENT_RESTARTED_REASON, LEASE_EXPIRED_REASON } from '../../../src/core/jobs.js';
import {
  captureStopReason, deriveCaptureStatus, formatCaptureSize, remainingDays, type CaptureJobView,
} from '../../../src/families/capture/domain.js';

const job = (overrides: Partial<CaptureJobView>): CaptureJobView => ({
  state: 'queued', progress: 0, failureReason: null, cancelRequested: false, result: null, ...overrides,
});
const fresh = { retentionExpired: false };

describe('capture status derivation (CFW 2 running, 5 stopping, 1 done, 4 stopped/expired, 0 abnormal)', () => {
  test('queued and running are 2; a running job asked to stop is 5', () => {
    assert.equal(deriveCaptureStatus(job({ state: 'queued' }), fresh), 2);
    assert.equal(deriveCaptureStatus(job({ state: 'running', progress: 40 }), fresh), 2);
    assert.equal(deriveCaptureStatus(job({ state: 'running', cancelRequested: true }), fresh), 5);
  });

  test('a capture that reached its limits is 1; stopped by the user or an agent shutdown is 4', () => {
    for (const reason of ['packet_limit', 'time_limit'] as const) {
      assert.equal(deriveCaptureStatus(job({ state: 'succeeded', result: { stop_reason: reason } }), fresh), 1, reason);
    }
    for (const reason of ['user_stop', 'agent_shutdown'] as const) {
      assert.equal(deriveCaptureStatus(job({ state: 'succeeded', result: { stop_reason: reason } }), fresh), 4, reason);
    }
    assert.equal(deriveCaptureStatus(job({ state: 'cancelled' }), fresh), 4);
  });

  test('expired retention turns a finished capture into 4; failures stay 0', () => {
    assert.equal(deriveCaptureStatus(job({ state: 'succeeded', result: { stop_reason: 'packet_limit' } }), { retentionExpired: true }), 4);
    assert.equal(deriveCaptureStatus(job({ state: 'failed', failureReason: 'capture tool error' }), { retentionExpired: true }), 0);
  });

  test('stop reasons: from the result, else from how the job ended', () => {
    assert.equal(captureStopReason(job({ state: 'succeeded', result: { stop_reason: 'time_limit' } })), 'time_limit');
    assert.equal(captureStopReason(job({ state: 'cancelled' })), 'user_stop');
    assert.equal(captureStopReason(job({ state: 'failed', failureReason: LEASE_EXPIRED_REASON })), 'agent_lost');
    assert.equal(captureStopReason(job({ state: 'failed', failureReason: AGENT_RESTARTED_REASON })), 'agent_lost');
    assert.equal(captureStopReason(job({ state: 'failed', failureReason: 'dumpcap exited 1' })), 'tool_error');
    assert.equal(captureStopReason(job({ state: 'running' })), null);
  });

  test('display helpers', () => {
    assert.equal(formatCaptureSize(null), '--');
    assert.equal(formatCaptureSize(512), '512b');
    assert.equal(formatCaptureSize(1536), '1.5kb');
    assert.equal(formatCaptureSize(300 * 1024 * 1024), '300mb');
    const now = Date.now();
    assert.equal(remainingDays(now + 86_400_000 * 1.5, now), 2);
    assert.equal(remainingDays(now - 1, now), 0);
  });
});
