import type { Kysely } from 'kysely';

/**
 * The project's alarm whitelist (HandleAntiVirusResult `add_to_alarm_whitelist`): a file hash + path pair that
 * later scans of the project no longer report. Results get the `av-isolate` job that isolates / restores their
 * file and its failure reason; `av_handle_history` gets an index for the per-result lookups.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.createTable('av_alarm_whitelist')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('file_hash', 'text', (c) => c.notNull())
    .addColumn('file_path', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('av_alarm_whitelist_pk', ['project_id', 'file_hash', 'file_path'])
    .execute();
  await db.schema.alterTable('av_results').addColumn('isolate_job_id', 'text').execute();
  await db.schema.alterTable('av_results').addColumn('isolate_reason', 'text').execute();
  await db.schema.createIndex('av_results_isolate_job').on('av_results').column('isolate_job_id').execute();
  await db.schema.createIndex('av_handle_history_result').on('av_handle_history').column('result_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('av_results_isolate_job').ifExists().execute();
  await db.schema.alterTable('av_results').dropColumn('isolate_reason').execute();
  await db.schema.alterTable('av_results').dropColumn('isolate_job_id').execute();
  await db.schema.dropIndex('av_handle_history_result').ifExists().execute();
  await db.schema.dropTable('av_alarm_whitelist').ifExists().execute();
}
