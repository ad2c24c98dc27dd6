import type { Kysely } from 'kysely';

/** Indexes for the hot agent queries: per-project counts at enrollment and the per-second revocation sweep. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('agents_project_revoked').on('agents').columns(['project_id', 'revoked_at']).execute();
  await db.schema.createIndex('agents_revoked').on('agents').column('revoked_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Guardpost migrations are forward-only');
}
