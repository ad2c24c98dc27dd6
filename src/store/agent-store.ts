import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { factsDigest, type HostFacts } from '../core/host-facts.js';
import { ensureWithinQuota } from '../core/quotas.js';
import { newHexId, newSecret, newUuid, safeEqual, sha256Hex } from '../identity/secrets.js';
import type { Agent, Database } from './schema.js';
import type { TaskStore } from './task-store.js';

export class EnrollmentError extends Error {}

/** Heartbeats per UPDATE statement (two bind parameters each). */
const HEARTBEAT_CHUNK = 500;
/** How far back a revocation sweep looks before the previous sweep, for clock skew between replicas. */
const REVOCATION_SKEW_MS = 60_000;

const digestOf = (facts: HostFacts) => crypto.createHash('sha256').update(factsDigest(facts)).digest('hex');

/** Agents: enrollment, per-agent secrets, heartbeats (batched) and host facts. */
export class AgentStore {
  private pendingSeen = new Map<string, number>();
  private credentialCache = new Map<string, { secretHash: string; revoked: boolean; projectId: string; loadedAt: number }>();
  /** Revocation sweeps (see `authenticate`): when the last one started, and when the last successful one started. */
  private sweepStartedAt = 0;
  private sweptAt = 0;
  private sweeping = false;
  private prunedAt = 0;

  /**
   * @param credentialCacheMs how stale a cached credential may be when revocation sweeps are not running
   * @param credentialMaxAgeMs how long a cached credential lives while sweeps run (bounds how long a deleted
   *   agent row, which a sweep cannot see, stays usable)
   */
  constructor(private readonly db: Kysely<Database>, private readonly tasks: TaskStore, private readonly credentialCacheMs = 5000,
    private readonly credentialMaxAgeMs = 60_000) {}

  async createEnrollmentToken(options: { projectId: string; enterpriseProjectId?: string; description?: string;
    ttlMs?: number | null; maxUses?: number | null }, now = Date.now()): Promise<{ id: string; token: string }> {
    const token = `gpe_${newSecret(24)}`;
    const id = newHexId(8);
    await this.db.insertInto('enrollment_tokens').values({
      id, token_hash: sha256Hex(token), project_id: options.projectId, enterprise_project_id: options.enterpriseProjectId ?? '0',
      description: options.description ?? '', created_at: now,
      expires_at: options.ttlMs ? now + options.ttlMs : null, max_uses: options.maxUses ?? null, uses: 0, revoked_at: null,
    }).execute();
    return { id, token };
  }

  async enroll(enrollmentToken: string, facts: HostFacts, now = Date.now()): Promise<{ agent: Agent; secret: string }> {
    const secret = newSecret(32);
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('enrollment_tokens').selectAll()
        .where('token_hash', '=', sha256Hex(enrollmentToken)).executeTakeFirst();
      if (!row || row.revoked_at !== null) throw new EnrollmentError('the enrollment token is invalid or revoked');
      if (row.expires_at !== null && row.expires_at <= now) throw new EnrollmentError('the enrollment token has expired');
      if (row.max_uses !== null && row.uses >= row.max_uses) throw new EnrollmentError('the enrollment token has been used up');
      const used = await trx.updateTable('enrollment_tokens').set((eb) => ({ uses: eb('uses', '+', 1) }))
        // Guarded by the limit itself, not by the uses we read: concurrent enrollments with a shared token all
        // succeed (PostgreSQL re-checks the condition on the locked row) until the token is used up.
        .where('id', '=', row.id).where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) throw new EnrollmentError('the enrollment token has been used up');
      const count = await trx.selectFrom('agents').select((eb) => eb.fn.countAll<number>().as('n'))
        .where('project_id', '=', row.project_id).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
      ensureWithinQuota('agents', await this.tasks.quotaLimit(row.project_id, 'agents', trx), Number(count.n));
      const agent: Agent = {
        id: newHexId(32), host_id: newUuid(), project_id: row.project_id, enterprise_project_id: row.enterprise_project_id,
        secret_hash: sha256Hex(secret), ...this.factColumns(facts), facts_digest: digestOf(facts),
        asset_value: 'common', protect_status: 'opened', enrolled_at: now, last_seen_at: now, facts_updated_at: now, revoked_at: null,
      };
      await trx.insertInto('agents').values(agent).execute();
      return { agent, secret };
    });
  }

  private factColumns(facts: HostFacts) {
    return {
      host_name: facts.host_name, os_name: facts.os_name, os_version: facts.os_version, os_type: facts.os_type,
      kernel_version: facts.kernel_version, os_bit: facts.os_bit, private_ips: JSON.stringify(facts.private_ips),
      public_ips: JSON.stringify(facts.public_ips), agent_version: facts.agent_version, capabilities: JSON.stringify(facts.capabilities),
    };
  }

  /**
   * Verifies an agent's secret. Credentials are cached so check-ins stay off the database; revocation still
   * shows within `credentialCacheMs` (5 s): an entry older than that is trusted only while a revocation sweep
   * (one shared query per second, started here as check-ins arrive) has run within that time, otherwise it
   * is reloaded.
   */
  async authenticate(agentId: string, secret: string, now = Date.now()): Promise<{ projectId: string } | null> {
    if (!/^[0-9a-f]{64}$/.test(agentId)) return null;
    if (!this.sweeping && now - this.sweepStartedAt >= 1000) void this.sweepRevocations(Math.min(now, Date.now()));
    let cached = this.credentialCache.get(agentId);
    if (!cached || !this.credentialFresh(cached.loadedAt, now)) {
      const row = await this.db.selectFrom('agents').select(['secret_hash', 'revoked_at', 'project_id'])
        .where('id', '=', agentId).executeTakeFirst();
      if (!row) {
        this.credentialCache.delete(agentId);
        return null;
      }
      cached = { secretHash: row.secret_hash, revoked: row.revoked_at !== null, projectId: row.project_id, loadedAt: now };
      this.credentialCache.set(agentId, cached);
    }
    if (cached.revoked || !safeEqual(sha256Hex(secret), cached.secretHash)) return null;
    return { projectId: cached.projectId };
  }

  private credentialFresh(loadedAt: number, now: number): boolean {
    const age = now - loadedAt;
    if (age <= this.credentialCacheMs) return true;
    const sinceSweep = now - this.sweptAt;
    return age <= this.credentialMaxAgeMs && sinceSweep >= 0 && sinceSweep <= this.credentialCacheMs;
  }

  /** Marks cached credentials of agents revoked since the last sweep (by any process); prunes old entries. */
  private async sweepRevocations(startedAt: number): Promise<void> {
    this.sweeping = true;
    this.sweepStartedAt = startedAt;
    try {
      let query = this.db.selectFrom('agents').select('id').where('revoked_at', 'is not', null);
      // The first sweep looks at every revocation: cached entries may predate any time bound.
      if (this.sweptAt > 0) query = query.where('revoked_at', '>=', this.sweptAt - REVOCATION_SKEW_MS);
      for (const row of await query.execute()) {
        const cached = this.credentialCache.get(row.id);
        if (cached) cached.revoked = true;
      }
      this.sweptAt = startedAt;
      if (startedAt - this.prunedAt >= this.credentialMaxAgeMs) {
        this.prunedAt = startedAt;
        for (const [id, entry] of this.credentialCache) if (startedAt - entry.loadedAt > this.credentialMaxAgeMs) this.credentialCache.delete(id);
      }
    } catch {
      // Retried on the next check-in a second later; meanwhile entries older than credentialCacheMs are reloaded.
    } finally {
      this.sweeping = false;
    }
  }

  /** Remembers a check-in; `flushHeartbeats` writes them in one transaction. */
  noteSeen(agentId: string, now = Date.now()): void {
    this.pendingSeen.set(agentId, now);
  }

  async flushHeartbeats(): Promise<number> {
    if (this.pendingSeen.size === 0) return 0;
    const batch = this.pendingSeen;
    this.pendingSeen = new Map();
    const rows = [...batch];
    // One UPDATE … FROM (VALUES …) per chunk rather than one statement per agent (same SQL on SQLite and PostgreSQL).
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += HEARTBEAT_CHUNK) {
        const values = sql.join(rows.slice(i, i + HEARTBEAT_CHUNK).map(([id, seen]) => sql`(${id}, cast(${seen} as bigint))`));
        await sql`update agents set last_seen_at = v.column2 from (values ${values}) as v
          where agents.id = v.column1 and agents.last_seen_at < v.column2`.execute(trx);
      }
    });
    return batch.size;
  }

  /** Stores facts only when their digest changed. */
  async updateFacts(agentId: string, facts: HostFacts, knownDigest: string | undefined, now = Date.now()): Promise<string> {
    const digest = digestOf(facts);
    if (digest === knownDigest) return digest;
    await this.db.updateTable('agents').set({ ...this.factColumns(facts), facts_digest: digest, facts_updated_at: now, last_seen_at: now })
      .where('id', '=', agentId).where('facts_digest', '!=', digest).execute();
    return digest;
  }

  get(agentId: string): Promise<Agent | undefined> {
    return this.db.selectFrom('agents').selectAll().where('id', '=', agentId).executeTakeFirst();
  }

  listForProject(projectId: string): Promise<Agent[]> {
    return this.db.selectFrom('agents').selectAll().where('project_id', '=', projectId).orderBy('host_name').execute();
  }

  async revoke(agentId: string, now = Date.now()): Promise<boolean> {
    const result = await this.db.updateTable('agents').set({ revoked_at: now }).where('id', '=', agentId)
      .where('revoked_at', 'is', null).executeTakeFirst();
    this.credentialCache.delete(agentId);
    return Number(result.numUpdatedRows) === 1;
  }

  /** Every agent, for the admin CLI (capabilities parsed). */
  async listAll() {
    const rows = await this.db.selectFrom('agents')
      .select(['id', 'host_id', 'host_name', 'project_id', 'enterprise_project_id', 'agent_version', 'last_seen_at', 'revoked_at', 'capabilities'])
      .orderBy('host_name').execute();
    return rows.map((r) => ({ ...r, capabilities: JSON.parse(r.capabilities) as unknown }));
  }

  /** Enrollment tokens without their hashes. */
  listEnrollmentTokens() {
    return this.db.selectFrom('enrollment_tokens')
      .select(['id', 'project_id', 'enterprise_project_id', 'description', 'created_at', 'expires_at', 'max_uses', 'uses', 'revoked_at'])
      .orderBy('created_at').execute();
  }

  /** False when there is no such token; revoking a revoked token keeps its first revocation time. */
  async revokeEnrollmentToken(id: string, now = Date.now()): Promise<boolean> {
    const found = await this.db.selectFrom('enrollment_tokens').select('id').where('id', '=', id).executeTakeFirst();
    if (!found) return false;
    await this.db.updateTable('enrollment_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).execute();
    return true;
  }
}
