import type { Kysely } from 'kysely';

/** A digest of each host's current findings, so a match that changes nothing skips reading them back. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('vul_findings_digests')
    .addColumn('host_id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('digest', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Guardpost migrations are forward-only');
}
