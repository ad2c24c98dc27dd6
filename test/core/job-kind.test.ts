import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Type } from 'typebox';
import { defineJobKind, JobSchemaError } from '../../src/core/job-kind.js';
import { createRegistry, DuplicateRegistrationError } from '../../src/core/registry.js';

const kind = defineJobKind({
  name: 'sample-scan', version: 2, runsOn: 'agent',
  payload: Type.Object({ root: Type.String({ minLength: 1 }), limit: Type.Integer({ minimum: 1, maximum: 10 }) }, { additionalProperties: false }),
  result: Type.Object({ files: Type.Integer({ minimum: 0 }) }, { additionalProperties: false }),
  capability: Type.Object({ engines: Type.Array(Type.String(), { minItems: 1 }) }),
});

describe('job kinds', () => {
  test('a valid payload and result pass and keep their values', () => {
    assert.deepEqual(kind.checkPayload({ root: '/', limit: 3 }), { root: '/', limit: 3 });
    assert.deepEqual(kind.checkResult({ files: 0 }), { files: 0 });
  });

  test('a bad payload names the kind, the part and the field', () => {
    assert.throws(() => kind.checkPayload({ root: '', limit: 11, extra: 1 }), (error: unknown) => {
      assert.ok(error instanceof JobSchemaError);
      assert.equal(error.kind, 'sample-scan');
      assert.equal(error.part, 'payload');
      assert.match(error.message, /invalid sample-scan job payload/);
      assert.ok(error.problems.some((p) => p.startsWith('/root')), error.problems.join());
      assert.ok(error.problems.some((p) => p.startsWith('/limit')), error.problems.join());
      return true;
    });
    assert.throws(() => kind.checkPayload(null), JobSchemaError);
    assert.throws(() => kind.checkResult({ files: -1 }), (e: unknown) => e instanceof JobSchemaError && e.part === 'result');
  });

  test('capabilities are read from the kinds map; absent or malformed ones are null', () => {
    assert.deepEqual(kind.capabilityOf({ 'sample-scan': { engines: ['clamd'] }, other: {} }), { engines: ['clamd'] });
    assert.equal(kind.capabilityOf({ other: {} }), null);
    assert.equal(kind.capabilityOf({ 'sample-scan': { engines: [] } }), null);
    assert.equal(kind.capabilityOf('nope'), null);
    assert.equal(kind.capabilityOf([]), null);
  });

  test('declarations are checked', () => {
    const base = { runsOn: 'server' as const, payload: Type.Null(), result: Type.Null(), capability: Type.Null() };
    assert.throws(() => defineJobKind({ ...base, name: 'Bad Name', version: 1 }), /must match/);
    assert.throws(() => defineJobKind({ ...base, name: 'ok', version: 0 }), /version/);
  });
});

describe('registries', () => {
  test('refuse a duplicate name and find entries by name', () => {
    const registry = createRegistry('family', [{ name: 'a' }, { name: 'b' }], (e) => e.name);
    assert.equal(registry.get('b')?.name, 'b');
    assert.equal(registry.has('c'), false);
    assert.deepEqual(registry.all.map((e) => e.name), ['a', 'b']);
    assert.throws(() => createRegistry('family', [{ name: 'a' }, { name: 'a' }], (e) => e.name),
      (e: unknown) => e instanceof DuplicateRegistrationError && /family "a" is registered twice/.test(e.message));
  });
});
