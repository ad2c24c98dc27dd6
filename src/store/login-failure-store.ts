import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Failed-login rows in the shared store, so every replica counts the same failures. */
export class LoginFailureStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Failures per key since `since` (exclusive), with the oldest of them. */
  async recent(keys: string[], since: number): Promise<Map<string, { count: number; oldest: number }>> {
    const out = new Map<string, { count: number; oldest: number }>();
    if (keys.length === 0) return out;
    const rows = await this.db.selectFrom('login_failures')
      .select((eb) => ['limit_key', eb.fn.countAll<number>().as('n'), eb.fn.min<number>('failed_at').as('oldest')])
      .where('limit_key', 'in', keys).where('failed_at', '>', since)
      .groupBy('limit_key').execute();
    for (const row of rows) out.set(row.limit_key, { count: Number(row.n), oldest: Number(row.oldest) });
    return out;
  }

  async record(keys: string[], at: number): Promise<void> {
    if (keys.length === 0) return;
    await this.db.insertInto('login_failures').values(keys.map((limit_key) => ({ limit_key, failed_at: at }))).execute();
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('limit_key', '=', key).execute();
  }

  async purgeBefore(cutoff: number): Promise<void> {
    await this.db.deleteFrom('login_failures').where('failed_at', '<=', cutoff).execute();
  }
}
