import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { captureCapabilityOf, isCaptureCapable } from '../../../src/families/capture/store.js';

const agent = (capabilities: unknown) => ({ capabilities: JSON.stringify(capabilities) });

describe('the capture capability an agent advertises', () => {
  test('read from capabilities.kinds.capture, checked by the kind', () => {
    assert.deepEqual(captureCapabilityOf(agent({ job_kinds: ['capture'], kinds: { capture: { interfaces: ['eth0', 'ns1/veth0'] } } })), { interfaces: ['eth0', 'ns1/veth0'] });
    assert.equal(captureCapabilityOf(agent({ job_kinds: ['capture'], kinds: { capture: { interfaces: [] } } })), null);
    assert.equal(captureCapabilityOf(agent({ job_kinds: ['inventory'], kinds: { inventory: {} } })), null);
    assert.equal(isCaptureCapable({ capabilities: 'not json' }), false);
  });

  test('rows of older agents (top-level capture_interfaces) still count, odd names dropped one by one', () => {
    assert.deepEqual(captureCapabilityOf(agent({ job_kinds: ['capture'], capture_interfaces: ['eth0', 'bad name;', 42] })), { interfaces: ['eth0'] });
    assert.equal(captureCapabilityOf(agent({ job_kinds: ['capture'], capture_interfaces: ['bad name;'] })), null);
    assert.equal(captureCapabilityOf(agent({ job_kinds: [], capture_interfaces: ['eth0'] })), null);
  });
});
