import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import { defineJobKind } from '../../src/core/job-kind.js';
import { DuplicateRegistrationError } from '../../src/core/registry.js';
import { quotaDefinition } from '../../src/core/quotas.js';
import { agentFamilies, agentHandlers, agentOptions } from '../../src/families/agent.js';
import { captureFamily } from '../../src/families/capture/index.js';
import { allMigrations, assembleFamilies, jobKinds, serverFamilies } from '../../src/families/server.js';
import type { ServerFamily } from '../../src/families/types.js';
import { CORE_MIGRATIONS } from '../../src/store/database.js';

const kind = (name: string) => defineJobKind({ name, version: 1, runsOn: 'server', payload: Type.Null(), result: Type.Null(), capability: Type.Null() });
const family = (name: string, extra: Partial<ServerFamily> = {}): ServerFamily => ({
  name, jobKinds: [], migrations: {}, quotas: [], start: () => ({ routes: [] }), ...extra,
});

describe('family registries', () => {
  test('the shipped families assemble: capture with its kind, migration, quotas and CLI verb', () => {
    assert.deepEqual(serverFamilies.all.map((f) => f.name), ['capture', 'vul-scan', 'antivirus', 'image']);
    assert.equal(jobKinds.get('capture')?.runsOn, 'agent');
    assert.ok('0002_capture' in allMigrations);
    for (const name of Object.keys(CORE_MIGRATIONS)) assert.ok(name in allMigrations, name);
    assert.equal(quotaDefinition('capture.running_per_firewall')?.defaultLimit, 1);
    assert.deepEqual(captureFamily.cli?.map((c) => c.name), ['capture']);
    assert.deepEqual(agentFamilies.all.map((f) => f.name), ['capture', 'vul-scan', 'antivirus', 'image']);
    assert.equal(agentHandlers.get('capture')?.kind, jobKinds.get('capture'));
    assert.equal(agentOptions.get('interfaces')?.env, 'GUARDPOST_CAPTURE_INTERFACES');
  });

  test('a second family of the same name, job kind, migration or quota is refused', () => {
    const refused = (list: ServerFamily[], what: RegExp) =>
      assert.throws(() => assembleFamilies(list), (e: unknown) => e instanceof DuplicateRegistrationError && what.test(e.message));
    refused([family('a'), family('a')], /family "a"/);
    refused([family('a', { jobKinds: [kind('k')] }), family('b', { jobKinds: [kind('k')] })], /job kind "k"/);
    refused([family('a', { migrations: { '0001_initial': { up: async () => undefined } } })], /migration \(family a\) "0001_initial"/);
    refused([family('a', { migrations: { 'a/x_1': { up: async () => undefined } } }), family('a2', { migrations: { 'a/x_1': { up: async () => undefined } } })], /"a\/x_1"/);
    assert.throws(() => assembleFamilies([family('a', { migrations: { '0009_x': { up: async () => undefined } } })]), /must be named "a\/NNNN_what"/);
    assert.ok('a/0001_x' in assembleFamilies([family('a', { migrations: { 'a/0001_x': { up: async () => undefined } } })]).migrations);
    const q = { name: 'a.q', description: '', defaultLimit: 1 };
    refused([family('a', { quotas: [q] }), family('b', { quotas: [q] })], /quota "a.q"/);
  });

  test('the agent option values are validated by their family', () => {
    const option = agentOptions.get('interfaces')!;
    assert.equal(option.validate('any,lo,ns1/veth0'), null);
    assert.match(option.validate('eth0;rm -rf /') ?? '', /comma-separated list/);
  });
});
