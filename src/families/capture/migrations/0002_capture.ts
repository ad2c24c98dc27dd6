import { sql, type Kysely } from 'kysely';

/** CFW packet capture: per-task firewall binding and retention, and access-coded download links. */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint' as const;
  await db.schema.createTable('capture_tasks')
    .addColumn('task_id', 'text', (c) => c.primaryKey().references('tasks.id').onDelete('cascade'))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('fw_instance_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('retention_until', ms, (c) => c.notNull())
    .addColumn('deleted_at', ms)
    .addColumn('files_purged_at', ms)
    .execute();
  await db.schema.createIndex('capture_tasks_fw_name').on('capture_tasks').columns(['fw_instance_id', 'name']).unique()
    .where(sql.ref('deleted_at'), 'is', null).execute();
  await db.schema.createIndex('capture_tasks_project_fw').on('capture_tasks').columns(['project_id', 'fw_instance_id']).execute();
  await db.schema.createTable('capture_links')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('allowed_ips', 'text', (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('locked_at', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('capture_links_task').on('capture_links').column('task_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('Guardpost migrations are forward-only');
}
