import type { Kysely } from 'kysely';

/**
 * Detections streamed while a scan runs: the agent uploads them in numbered batches (artifacts
 * `av-detections-NNNNNN.json` of the host's job); `streamed_batches` is the highest batch number the server has
 * stored as results for the host row, so a batch is read once and a later (or the final) upload adds only new rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('av_task_hosts').addColumn('streamed_batches', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('av_task_hosts').dropColumn('streamed_batches').execute();
}
