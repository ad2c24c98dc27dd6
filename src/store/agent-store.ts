import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { factsDigest, type HostFacts } from '../domain/host-facts.js';
import { ensureWithinQuota } from '../domain/quotas.js';
import { newHexId, newSecret, newUuid, safeEqual, sha256Hex } from '../identity/secrets.js';
import type { Agent, Database } from './schema.js';
import type { TaskStore } from './task-store.js';

export class EnrollmentError extends Error {}

const digestOf = (facts: HostFacts) => crypto.createHash('sha256').update(factsDigest(facts)).digest('hex');

/** Agents: enrollment, per-agent secrets, heartbeats (batched) and host facts. */
export class AgentStore {
  private pendingSeen = new Map<string, number>();
  private credentialCache = new Map<string, { secretHash: string; revoked: boolean; projectId: string; loadedAt: number }>();

  constructor(private readonly db: Kysely<Database>, private readonly tasks: TaskStore, private readonly credentialCacheMs = 5000) {}

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
        .where('id', '=', row.id).where('uses', '=', row.uses).executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) throw new EnrollmentError('the enrollment token was used concurrently; retry');
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

  /** Verifies an agent's secret; a short cache keeps check-ins off the database, revocation shows within seconds. */
  async authenticate(agentId: string, secret: string, now = Date.now()): Promise<{ projectId: string } | null> {
    if (!/^[0-9a-f]{64}$/.test(agentId)) return null;
    let cached = this.credentialCache.get(agentId);
    if (!cached || now - cached.loadedAt > this.credentialCacheMs) {
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

  /** Remembers a check-in; `flushHeartbeats` writes them in one transaction. */
  noteSeen(agentId: string, now = Date.now()): void {
    this.pendingSeen.set(agentId, now);
  }

  async flushHeartbeats(): Promise<number> {
    if (this.pendingSeen.size === 0) return 0;
    const batch = this.pendingSeen;
    this.pendingSeen = new Map();
    await this.db.transaction().execute(async (trx) => {
      for (const [id, seen] of batch) {
        await trx.updateTable('agents').set({ last_seen_at: seen }).where('id', '=', id).where('last_seen_at', '<', seen).execute();
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
}
