import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { QuotaExceededError } from '../../src/core/quotas.js';
import { sha256Hex } from '../../src/identity/secrets.js';
import { AgentStore, EnrollmentError } from '../../src/store/agent-store.js';
import { TaskStore } from '../../src/store/task-store.js';
import { hostFacts, openFixture, type StoreFixture } from './fixture.js';

let fx: StoreFixture;
before(async () => {
  fx = await openFixture();
});
after(async () => {
  await fx.close();
});

async function tokenRow(id: string) {
  return fx.store.db.selectFrom('enrollment_tokens').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

async function agentCount(projectId: string): Promise<number> {
  const row = await fx.store.db.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('project_id', '=', projectId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * On PostgreSQL, an AgentStore on its own pool (a second server replica). SQLite deployments are single-server,
 * and two better-sqlite3 connections in one process cannot interleave write transactions (the synchronous busy
 * wait blocks the event loop), so there the "replica" is the same store and concurrency is per connection.
 */
function secondReplica(): AgentStore {
  if (fx.store.dialect !== 'postgres') return fx.agents;
  const replica = fx.openReplica();
  return new AgentStore(replica.db, new TaskStore(replica.db, replica.dialect));
}

function settled<T>(promises: Array<Promise<T>>) {
  return Promise.allSettled(promises).then((results) => ({
    ok: results.filter((r): r is PromiseFulfilledResult<Awaited<T>> => r.status === 'fulfilled').map((r) => r.value),
    errors: results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as unknown),
  }));
}

describe('enrollment tokens', () => {
  test('a token enrolls an agent: stored hashed, agent bound to the token\'s project and enterprise project', async () => {
    const projectId = await fx.newProject();
    const { id, token } = await fx.agents.createEnrollmentToken({ projectId, enterpriseProjectId: 'ep-1', description: 'fleet' });
    assert.match(token, /^gpe_[A-Za-z0-9_-]+$/);
    const row = await tokenRow(id);
    assert.equal(row.token_hash, sha256Hex(token));
    assert.ok(!JSON.stringify(row).includes(token.slice(4)), 'the raw token is not stored');

    const { agent, secret } = await fx.agents.enroll(token, hostFacts({ host_name: 'web-1' }));
    assert.match(agent.id, /^[0-9a-f]{64}$/);
    assert.equal(agent.project_id, projectId);
    assert.equal(agent.enterprise_project_id, 'ep-1');
    assert.equal(agent.host_name, 'web-1');
    const stored = await fx.agents.get(agent.id);
    assert.ok(stored);
    assert.equal(stored.secret_hash, sha256Hex(secret));
    assert.ok(!JSON.stringify(stored).includes(secret), 'the agent secret is not stored');
    assert.deepEqual(JSON.parse(stored.private_ips), ['10.0.0.5']);
    assert.equal((await tokenRow(id)).uses, 1);
    await assert.rejects(fx.agents.enroll(`${token}x`, hostFacts()), EnrollmentError);
  });

  test('expiry: usable before expires_at, refused from then on', async () => {
    const projectId = await fx.newProject();
    const t0 = Date.now();
    const { token } = await fx.agents.createEnrollmentToken({ projectId, ttlMs: 60_000 }, t0);
    await fx.agents.enroll(token, hostFacts(), t0 + 59_999);
    await assert.rejects(fx.agents.enroll(token, hostFacts(), t0 + 60_000), (e: unknown) => e instanceof EnrollmentError && /expired/.test(e.message));
    assert.equal(await agentCount(projectId), 1);
  });

  test('max uses, and a revoked token', async () => {
    const projectId = await fx.newProject();
    const { id, token } = await fx.agents.createEnrollmentToken({ projectId, maxUses: 2 });
    await fx.agents.enroll(token, hostFacts({ host_name: 'a' }));
    await fx.agents.enroll(token, hostFacts({ host_name: 'b' }));
    await assert.rejects(fx.agents.enroll(token, hostFacts({ host_name: 'c' })), (e: unknown) => e instanceof EnrollmentError && /used up/.test(e.message));
    assert.equal((await tokenRow(id)).uses, 2);

    const second = await fx.agents.createEnrollmentToken({ projectId });
    await fx.store.db.updateTable('enrollment_tokens').set({ revoked_at: Date.now() }).where('id', '=', second.id).execute();
    await assert.rejects(fx.agents.enroll(second.token, hostFacts()), (e: unknown) => e instanceof EnrollmentError && /revoked/.test(e.message));
    assert.equal(await agentCount(projectId), 2);
  });

  test('a single-use token used concurrently (also from a second replica) enrolls exactly one agent', async () => {
    const projectId = await fx.newProject();
    const other = secondReplica();
    const { id, token } = await fx.agents.createEnrollmentToken({ projectId, maxUses: 1 });
    const { ok, errors } = await settled(Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? fx.agents : other).enroll(token, hostFacts({ host_name: `h${i}` }))));
    assert.equal(ok.length, 1);
    assert.equal(errors.length, 11);
    for (const error of errors) assert.ok(error instanceof EnrollmentError, String(error));
    assert.equal(await agentCount(projectId), 1);
    assert.equal((await tokenRow(id)).uses, 1);
  });

  test('a multi-use token shared by a fleet enrolls every host that enrolls at the same moment', async () => {
    const projectId = await fx.newProject();
    const other = secondReplica();
    const { id, token } = await fx.agents.createEnrollmentToken({ projectId, maxUses: 100 });
    const unlimited = await fx.agents.createEnrollmentToken({ projectId });
    const { ok, errors } = await settled([
      ...Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? fx.agents : other).enroll(token, hostFacts({ host_name: `m${i}` }))),
      ...Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? fx.agents : other).enroll(unlimited.token, hostFacts({ host_name: `u${i}` }))),
    ]);
    assert.deepEqual(errors, []);
    assert.equal(ok.length, 16);
    assert.equal((await tokenRow(id)).uses, 8);
    assert.equal((await tokenRow(unlimited.id)).uses, 8);
    assert.equal(await agentCount(projectId), 16);
  });

  test('concurrent enrollments never push a token past max uses', async () => {
    const projectId = await fx.newProject();
    const other = secondReplica();
    const { id, token } = await fx.agents.createEnrollmentToken({ projectId, maxUses: 3 });
    const { ok, errors } = await settled(Array.from({ length: 12 }, (_, i) =>
      (i % 2 === 0 ? fx.agents : other).enroll(token, hostFacts({ host_name: `h${i}` }))));
    assert.equal(ok.length, 3);
    for (const error of errors) assert.ok(error instanceof EnrollmentError, String(error));
    assert.equal((await tokenRow(id)).uses, 3);
    assert.equal(await agentCount(projectId), 3);
  });

  test('the agents quota refuses enrollment without consuming a token use; revoked agents do not count', async () => {
    const projectId = await fx.newProject();
    await fx.tasks.setQuota(projectId, 'agents', 1);
    const { id, token } = await fx.agents.createEnrollmentToken({ projectId });
    const first = await fx.agents.enroll(token, hostFacts());
    const error = await fx.agents.enroll(token, hostFacts()).then(() => assert.fail('over quota'), (e: unknown) => e);
    assert.ok(error instanceof QuotaExceededError);
    assert.equal(error.quota, 'agents');
    assert.equal((await tokenRow(id)).uses, 1, 'the failed enrollment rolled back');
    assert.equal(await agentCount(projectId), 1);
    assert.equal(await fx.agents.revoke(first.agent.id), true);
    await fx.agents.enroll(token, hostFacts());
    assert.equal(await agentCount(projectId), 2);
  });
});

describe('agent authentication', () => {
  test('right secret passes; wrong secret, unknown or malformed id fail', async () => {
    const projectId = await fx.newProject();
    const { token } = await fx.agents.createEnrollmentToken({ projectId });
    const { agent, secret } = await fx.agents.enroll(token, hostFacts());
    assert.deepEqual(await fx.agents.authenticate(agent.id, secret), { projectId });
    assert.equal(await fx.agents.authenticate(agent.id, `${secret}x`), null);
    assert.equal(await fx.agents.authenticate(agent.id, ''), null);
    assert.equal(await fx.agents.authenticate('f'.repeat(64), secret), null);
    assert.equal(await fx.agents.authenticate(agent.id.toUpperCase(), secret), null);
    assert.equal(await fx.agents.authenticate(`${agent.id}' OR '1'='1`, secret), null);
    // A wrong secret is still refused while the credentials are cached.
    assert.equal(await fx.agents.authenticate(agent.id, secret.slice(1)), null);
    assert.deepEqual(await fx.agents.authenticate(agent.id, secret), { projectId });
  });

  test('revoke() takes effect at once in this process, despite the credential cache', async () => {
    const projectId = await fx.newProject();
    const { token } = await fx.agents.createEnrollmentToken({ projectId });
    const { agent, secret } = await fx.agents.enroll(token, hostFacts());
    const now = Date.now();
    assert.ok(await fx.agents.authenticate(agent.id, secret, now), 'now cached');
    assert.equal(await fx.agents.revoke(agent.id, now + 1), true);
    assert.equal(await fx.agents.authenticate(agent.id, secret, now + 2), null);
    assert.equal(await fx.agents.revoke(agent.id, now + 3), false, 'already revoked');
    assert.equal((await fx.agents.get(agent.id))!.revoked_at, now + 1);
  });

  test('a revoke on another replica is seen within the 5 s cache bound', async () => {
    const projectId = await fx.newProject();
    const replica = fx.openReplica();
    const other = new AgentStore(replica.db, new TaskStore(replica.db, replica.dialect));
    const { token } = await fx.agents.createEnrollmentToken({ projectId });
    const { agent, secret } = await fx.agents.enroll(token, hostFacts());
    const now = Date.now();
    assert.ok(await fx.agents.authenticate(agent.id, secret, now));
    await other.revoke(agent.id, now);
    assert.equal(await fx.agents.authenticate(agent.id, secret, now + 5_001), null);
  });
});

describe('heartbeats and facts', () => {
  test('noteSeen batches check-ins; flushHeartbeats writes them and never moves last_seen_at back', async () => {
    const projectId = await fx.newProject();
    const { token } = await fx.agents.createEnrollmentToken({ projectId });
    const t0 = Date.now();
    const a = await fx.agents.enroll(token, hostFacts({ host_name: 'a' }), t0);
    const b = await fx.agents.enroll(token, hostFacts({ host_name: 'b' }), t0);
    assert.equal(await fx.agents.flushHeartbeats(), 0);

    fx.agents.noteSeen(a.agent.id, t0 + 100);
    fx.agents.noteSeen(a.agent.id, t0 + 200);
    fx.agents.noteSeen(b.agent.id, t0 + 150);
    assert.equal((await fx.agents.get(a.agent.id))!.last_seen_at, t0, 'nothing written before the flush');
    assert.equal(await fx.agents.flushHeartbeats(), 2);
    assert.equal((await fx.agents.get(a.agent.id))!.last_seen_at, t0 + 200);
    assert.equal((await fx.agents.get(b.agent.id))!.last_seen_at, t0 + 150);
    assert.equal(await fx.agents.flushHeartbeats(), 0, 'the batch was consumed');

    fx.agents.noteSeen(a.agent.id, t0 + 50);
    assert.equal(await fx.agents.flushHeartbeats(), 1);
    assert.equal((await fx.agents.get(a.agent.id))!.last_seen_at, t0 + 200, 'an older heartbeat does not move it back');
  });

  test('updateFacts writes only when the facts changed, including nested capabilities', async () => {
    const projectId = await fx.newProject();
    const { token } = await fx.agents.createEnrollmentToken({ projectId });
    const t0 = Date.now();
    const facts = hostFacts();
    const { agent } = await fx.agents.enroll(token, facts, t0);
    const updatedAt = async () => (await fx.agents.get(agent.id))!.facts_updated_at;

    const same = await fx.agents.updateFacts(agent.id, facts, agent.facts_digest, t0 + 10);
    assert.equal(same, agent.facts_digest);
    assert.equal(await updatedAt(), t0);
    // Unknown digest (e.g. after a server restart): the row's digest still prevents the write.
    assert.equal(await fx.agents.updateFacts(agent.id, { ...facts }, undefined, t0 + 20), agent.facts_digest);
    assert.equal(await updatedAt(), t0);

    const renamed = await fx.agents.updateFacts(agent.id, { ...facts, host_name: 'renamed' }, same, t0 + 30);
    assert.notEqual(renamed, same);
    let row = (await fx.agents.get(agent.id))!;
    assert.equal(row.host_name, 'renamed');
    assert.equal(row.facts_digest, renamed);
    assert.equal(row.facts_updated_at, t0 + 30);

    const capabilities = { job_kinds: ['capture', 'inventory', 'antivirus'], antivirus_engine: 'ClamAV 1.0' };
    const changed = await fx.agents.updateFacts(agent.id, { ...facts, host_name: 'renamed', capabilities }, renamed, t0 + 40);
    assert.notEqual(changed, renamed, 'a change in capabilities changes the digest');
    row = (await fx.agents.get(agent.id))!;
    assert.deepEqual(JSON.parse(row.capabilities), capabilities);
    assert.equal(row.facts_updated_at, t0 + 40);
  });
});
