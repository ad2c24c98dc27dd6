import type { Kysely } from 'kysely';

/**
 * Antivirus scan policies (CreateAntiVirusPolicy …): one `av_policies` row per policy with its scan settings, its
 * timing and `next_run_at` (null once it will not run again: `invalidate`), and the hosts it scans in
 * `av_policy_hosts`. `version` grows on every change, so a scheduler run claims exactly the policy it read.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint' as const;
  await db.schema.createTable('av_policies')
    .addColumn('policy_id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
    .addColumn('policy_name', 'text', (c) => c.notNull())
    .addColumn('start_type', 'text', (c) => c.notNull())
    .addColumn('scan_type', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('whether_paid_task', 'integer', (c) => c.notNull())
    .addColumn('scan_dir', 'text', (c) => c.notNull())
    .addColumn('ignore_dir', 'text', (c) => c.notNull())
    .addColumn('file_types', 'text', (c) => c.notNull())
    .addColumn('scan_time', ms)
    .addColumn('scan_period', 'text')
    .addColumn('scan_period_date', 'integer')
    .addColumn('scan_hour', 'integer')
    .addColumn('scan_minute', 'integer')
    .addColumn('timezone_offset', 'integer')
    .addColumn('next_run_at', ms)
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('last_run_at', ms)
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('av_policies_project_created').on('av_policies').columns(['project_id', 'created_at']).execute();
  await db.schema.createIndex('av_policies_next_run').on('av_policies').column('next_run_at').execute();

  await db.schema.createTable('av_policy_hosts')
    .addColumn('policy_id', 'text', (c) => c.notNull().references('av_policies.policy_id').onDelete('cascade'))
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('av_policy_hosts_pk', ['policy_id', 'host_id'])
    .execute();
  await db.schema.createIndex('av_policy_hosts_host').on('av_policy_hosts').columns(['project_id', 'host_id']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('av_policy_hosts').ifExists().execute();
  await db.schema.dropTable('av_policies').ifExists().execute();
}
