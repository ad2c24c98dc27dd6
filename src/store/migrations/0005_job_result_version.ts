import type { Kysely } from 'kysely';

/** Which version of its job kind produced a job's result, so a changed kind can tell its old results apart. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('result_version', 'integer').execute();
}
