import type { Kysely } from 'kysely';

/** Failed password logins, one row per failure, counted over a sliding window per user and per client address. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('login_failures')
    .addColumn('limit_key', 'text', (c) => c.notNull())
    .addColumn('failed_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('login_failures_key_time').on('login_failures').columns(['limit_key', 'failed_at']).execute();
  await db.schema.createIndex('login_failures_time').on('login_failures').column('failed_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Guardpost migrations are forward-only');
}
