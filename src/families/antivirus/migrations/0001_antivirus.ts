import type { Kysely } from 'kysely';

/**
 * Antivirus scans: tasks (`av_tasks`, one per core task), one row per host of a task (`av_task_hosts`: status and
 * the true counters the agent reports), one row per detection (`av_results`, unique per job + path + signature so
 * storing a finished job's detections twice inserts nothing), and the handling history (`av_handle_history`).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint' as const;

  await db.schema.createTable('av_tasks')
    .addColumn('task_id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('task_name', 'text', (c) => c.notNull())
    .addColumn('scan_type', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('start_type', 'text', (c) => c.notNull())
    .addColumn('whether_paid_task', 'integer', (c) => c.notNull())
    .addColumn('scan_dir', 'text', (c) => c.notNull())
    .addColumn('ignore_dir', 'text', (c) => c.notNull())
    .addColumn('file_types', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text')
    .addColumn('start_time', ms, (c) => c.notNull())
    .addColumn('end_time', ms)
    .execute();
  await db.schema.createIndex('av_tasks_project_start').on('av_tasks').columns(['project_id', 'whether_paid_task', 'start_time']).execute();

  await db.schema.createTable('av_task_hosts')
    .addColumn('task_id', 'text', (c) => c.notNull().references('av_tasks.task_id').onDelete('cascade'))
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text')
    .addColumn('host_task_status', 'text', (c) => c.notNull())
    .addColumn('scan_file_num', ms, (c) => c.notNull())
    .addColumn('files_total', ms, (c) => c.notNull())
    .addColumn('scanned_bytes', ms, (c) => c.notNull())
    .addColumn('scan_progress', 'integer', (c) => c.notNull())
    .addColumn('virus_num', 'integer', (c) => c.notNull())
    .addColumn('fail_reason', 'text', (c) => c.notNull())
    .addColumn('start_time', ms, (c) => c.notNull())
    .addColumn('end_time', ms)
    .addColumn('whether_using_quota', 'integer', (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('av_task_hosts_pk', ['task_id', 'host_id'])
    .execute();
  await db.schema.createIndex('av_task_hosts_status').on('av_task_hosts').columns(['host_task_status', 'task_id']).execute();
  await db.schema.createIndex('av_task_hosts_job').on('av_task_hosts').column('job_id').execute();

  await db.schema.createTable('av_results')
    .addColumn('result_id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('task_id', 'text', (c) => c.notNull().references('av_tasks.task_id').onDelete('cascade'))
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('job_id', 'text', (c) => c.notNull())
    .addColumn('file_path', 'text', (c) => c.notNull())
    .addColumn('malware_name', 'text', (c) => c.notNull())
    .addColumn('malware_type', 'text', (c) => c.notNull())
    .addColumn('event_type', 'integer', (c) => c.notNull())
    .addColumn('severity', 'text', (c) => c.notNull())
    .addColumn('file_hash', 'text', (c) => c.notNull())
    .addColumn('file_size', ms, (c) => c.notNull())
    .addColumn('file_attr', 'text', (c) => c.notNull())
    .addColumn('file_owner', 'text', (c) => c.notNull())
    .addColumn('file_mtime', ms, (c) => c.notNull())
    .addColumn('file_ctime', ms, (c) => c.notNull())
    .addColumn('occur_time', ms, (c) => c.notNull())
    .addColumn('handle_status', 'text', (c) => c.notNull())
    .addColumn('handle_method', 'text')
    .addColumn('memo', 'text')
    .addColumn('isolate_state', 'text')
    .addColumn('vault_ref', 'text')
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addUniqueConstraint('av_results_job_path_sig', ['job_id', 'file_path', 'malware_name'])
    .execute();
  await db.schema.createIndex('av_results_project_time').on('av_results').columns(['project_id', 'occur_time']).execute();
  await db.schema.createIndex('av_results_task').on('av_results').column('task_id').execute();

  await db.schema.createTable('av_handle_history')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('result_id', 'text', (c) => c.notNull().references('av_results.result_id').onDelete('cascade'))
    .addColumn('operate_type', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('user_name', 'text', (c) => c.notNull())
    .addColumn('notes', 'text', (c) => c.notNull())
    .addColumn('handle_time', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('av_handle_history_project_time').on('av_handle_history').columns(['project_id', 'handle_time']).execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['av_handle_history', 'av_results', 'av_task_hosts', 'av_tasks']) await db.schema.dropTable(table).ifExists().execute();
}
