import type { CreateTableBuilder, Kysely } from 'kysely';

/**
 * Images and their findings: `image_images` (one row per image per source per enterprise project, unique on
 * project + enterprise project + source + origin + config digest), one findings table per report type plus the
 * apps' vulnerabilities (primary key image row + ordinal, deleted with the image), and the scan tasks' HSS fields.
 */
const ms = 'bigint' as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- columns are added in loops; the builder's column type cannot follow
type Builder = CreateTableBuilder<string, any>;

function layered(table: Builder): Builder {
  return table
    .addColumn('image_row', 'text', (c) => c.notNull().references('image_images.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('layer_index', 'integer')
    .addColumn('layer_digest', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull());
}

const texts = (table: Builder, names: readonly string[]): Builder =>
  names.reduce((t, name) => t.addColumn(name, 'text', (c) => c.notNull()), table);

export async function up(db: Kysely<unknown>): Promise<void> {
  const images = texts(db.schema.createTable('image_images').addColumn('id', 'text', (c) => c.primaryKey()) as Builder,
    ['project_id', 'enterprise_project_id', 'image_id', 'source', 'origin_id', 'namespace', 'image_name', 'image_version', 'image_digest', 'cicd_name']);
  await images
    .addColumn('blob_key', 'text').addColumn('agent_id', 'text').addColumn('local_path', 'text')
    .addColumn('scan_status', 'text', (c) => c.notNull()).addColumn('scan_failed_desc', 'text', (c) => c.notNull())
    .addColumn('format', 'text', (c) => c.notNull()).addColumn('architecture', 'text', (c) => c.notNull())
    .addColumn('os_name', 'text', (c) => c.notNull()).addColumn('os_version', 'text', (c) => c.notNull())
    .addColumn('layers', 'text', (c) => c.notNull())
    .addColumn('image_size', ms, (c) => c.notNull())
    .addColumn('apps_num', 'integer', (c) => c.notNull()).addColumn('vul_num', 'integer', (c) => c.notNull())
    .addColumn('files_num', 'integer', (c) => c.notNull()).addColumn('files_size', ms, (c) => c.notNull())
    .addColumn('malicious_file_num', 'integer', (c) => c.notNull()).addColumn('sensitive_num', 'integer', (c) => c.notNull())
    .addColumn('non_compliant_num', 'integer', (c) => c.notNull()).addColumn('build_risk_num', 'integer', (c) => c.notNull())
    .addColumn('risk_rank', 'integer', (c) => c.notNull())
    .addColumn('problems', 'text', (c) => c.notNull())
    .addColumn('latest_update_time', ms, (c) => c.notNull()).addColumn('latest_scan_time', ms)
    .addColumn('last_task_id', 'text')
    .addUniqueConstraint('image_images_identity', ['project_id', 'enterprise_project_id', 'source', 'origin_id', 'image_id'])
    .execute();
  await db.schema.createIndex('image_images_list').on('image_images').columns(['project_id', 'source', 'latest_update_time']).execute();

  const findings: Array<[string, (t: Builder) => Builder]> = [
    ['image_apps', (t) => texts(t, ['app_name', 'app_type', 'app_version', 'source_name', 'app_path', 'ecosystem', 'kind', 'license'])
      .addColumn('vul_num', 'integer', (c) => c.notNull())],
    ['image_files', (t) => texts(t, ['file_name', 'file_path']).addColumn('size', ms, (c) => c.notNull())
      .addColumn('mode', 'integer', (c) => c.notNull()).addColumn('flags', 'text', (c) => c.notNull())],
    ['image_malwares', (t) => texts(t, ['file_name', 'file_path', 'description', 'sha256']).addColumn('size', ms, (c) => c.notNull())
      .addColumn('removed', 'integer', (c) => c.notNull())],
    ['image_sensitive', (t) => texts(t, ['sensitive_info_id', 'rule_id', 'severity', 'name', 'description', 'file_path', 'position', 'content'])],
    ['image_non_compliant', (t) => texts(t, ['app_name', 'app_version', 'app_path', 'license', 'reason'])],
    ['image_build_risks', (t) => texts(t, ['rule_id', 'risk_name', 'risk_level', 'description', 'build_instruction', 'remediation'])
      .addColumn('history_index', 'integer')],
  ];
  for (const [name, columns] of findings) {
    await columns(layered(db.schema.createTable(name) as Builder))
      .addPrimaryKeyConstraint(`${name}_pk`, ['image_row', 'seq']).execute();
  }
  await texts(db.schema.createTable('image_vulns')
    .addColumn('image_row', 'text', (c) => c.notNull().references('image_images.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull()) as Builder,
  ['vul_id', 'type', 'app_name', 'app_version', 'app_path', 'severity_level', 'fixed_version', 'description', 'layer_digest'])
    .addColumn('layer_index', 'integer')
    .addPrimaryKeyConstraint('image_vulns_pk', ['image_row', 'seq']).execute();

  await db.schema.createTable('image_scan_tasks')
    .addColumn('task_id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('image_type', 'text', (c) => c.notNull())
    .addColumn('task_type', 'text', (c) => c.notNull())
    .addColumn('scan_scope', 'integer', (c) => c.notNull())
    .addColumn('rate_limit', 'integer', (c) => c.notNull())
    .addColumn('is_all', 'integer', (c) => c.notNull())
    .addColumn('begin_time', ms, (c) => c.notNull())
    .addColumn('end_time', ms)
    .execute();
  await db.schema.createIndex('image_scan_tasks_project').on('image_scan_tasks').columns(['project_id', 'begin_time']).execute();
  await db.schema.createTable('image_scan_task_images')
    .addColumn('task_id', 'text', (c) => c.notNull().references('image_scan_tasks.task_id').onDelete('cascade'))
    .addColumn('image_row', 'text', (c) => c.notNull().references('image_images.id').onDelete('cascade'))
    .addColumn('job_id', 'text')
    .addColumn('failed_reason', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('image_scan_task_images_pk', ['task_id', 'image_row'])
    .execute();
  await db.schema.createTable('image_local_results')
    .addColumn('job_id', 'text', (c) => c.primaryKey())
    .addColumn('stored_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('image_scan_task_images_job').on('image_scan_task_images').column('job_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['image_local_results', 'image_scan_task_images', 'image_scan_tasks', 'image_vulns', 'image_build_risks', 'image_non_compliant',
    'image_sensitive', 'image_malwares', 'image_files', 'image_apps', 'image_images']) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
