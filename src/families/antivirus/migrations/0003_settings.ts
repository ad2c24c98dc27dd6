import type { Kysely } from 'kysely';

/**
 * Per-project antivirus switches (`av_settings`: pay-per-scan, automatic isolate-and-kill), the alarm whitelist's
 * path rules (`av_white_rules`, HandleAntiVirusResult `event_white_rules`), and on each result who isolated it
 * (`isolate_origin`: `auto` | `manual`) and whether it still waits for automatic isolation (`auto_isolate_pending`,
 * written in the transaction that stores the result, cleared when its isolation is queued or refused).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('av_settings')
    .addColumn('project_id', 'text', (c) => c.primaryKey())
    .addColumn('pay_per_scan_enabled', 'integer', (c) => c.notNull())
    .addColumn('auto_kill_enabled', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createTable('av_white_rules')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('event_type', 'integer', (c) => c.notNull())
    .addColumn('field_key', 'text', (c) => c.notNull())
    .addColumn('judge_type', 'text', (c) => c.notNull())
    .addColumn('field_value', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('av_white_rules_pk', ['project_id', 'event_type', 'field_key', 'judge_type', 'field_value'])
    .execute();
  await db.schema.alterTable('av_results').addColumn('isolate_origin', 'text').execute();
  await db.schema.alterTable('av_results').addColumn('auto_isolate_pending', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.createIndex('av_results_auto_pending').on('av_results').columns(['auto_isolate_pending', 'project_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('av_results_auto_pending').ifExists().execute();
  await db.schema.alterTable('av_results').dropColumn('auto_isolate_pending').execute();
  await db.schema.alterTable('av_results').dropColumn('isolate_origin').execute();
  await db.schema.dropTable('av_white_rules').ifExists().execute();
  await db.schema.dropTable('av_settings').ifExists().execute();
}
