import type { Kysely } from 'kysely';

/**
 * Vulnerability scans: the advisory store (OSV records and the package keys they name), imports, the latest
 * inventory of every host, per-host findings and their handling status, scan tasks' hosts, and the scan policy.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint' as const;

  await db.schema.createTable('vul_advisories')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('modified_ms', ms, (c) => c.notNull())
    .addColumn('modified', 'text', (c) => c.notNull())
    .addColumn('withdrawn', 'text')
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('severity_level', 'text', (c) => c.notNull())
    .addColumn('cvss', 'double precision')
    /** JSON `[{cve_id, cvss}]` folded from the id, aliases and related ids. */
    .addColumn('cves', 'text', (c) => c.notNull())
    .addColumn('ecosystems', 'text', (c) => c.notNull())
    .addColumn('record', 'text', (c) => c.notNull())
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('imported_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createTable('vul_advisory_packages')
    .addColumn('advisory_id', 'text', (c) => c.notNull().references('vul_advisories.id').onDelete('cascade'))
    .addColumn('package_key', 'text', (c) => c.notNull())
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_advisory_packages_pk', ['package_key', 'advisory_id'])
    .execute();
  await db.schema.createIndex('vul_advisory_packages_advisory').on('vul_advisory_packages').column('advisory_id').execute();
  await db.schema.createIndex('vul_advisory_packages_ecosystem').on('vul_advisory_packages').column('ecosystem').execute();

  await db.schema.createTable('vul_imports')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('started_at', ms, (c) => c.notNull())
    .addColumn('finished_at', ms)
    .addColumn('sources', 'text', (c) => c.notNull())
    /** JSON summary: read, added, replaced, unchanged, withdrawn, invalid … */
    .addColumn('summary', 'text')
    /** JSON array of base ecosystems whose advisories changed (what the re-match looks at). */
    .addColumn('changed_ecosystems', 'text')
    .addColumn('rematch_task_id', 'text')
    .execute();

  await db.schema.createTable('vul_inventories')
    .addColumn('host_id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('blob_key', 'text', (c) => c.notNull())
    .addColumn('os', 'text')
    .addColumn('package_count', 'integer', (c) => c.notNull())
    .addColumn('scan_types', 'text', (c) => c.notNull())
    .addColumn('collected_at', ms, (c) => c.notNull())
    .addColumn('matched_at', ms)
    .execute();
  await db.schema.createTable('vul_inventory_ecosystems')
    .addColumn('host_id', 'text', (c) => c.notNull().references('vul_inventories.host_id').onDelete('cascade'))
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_inventory_ecosystems_pk', ['ecosystem', 'host_id'])
    .execute();

  await db.schema.createTable('vul_findings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('vul_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('app_name', 'text', (c) => c.notNull())
    .addColumn('app_version', 'text', (c) => c.notNull())
    .addColumn('ecosystem', 'text', (c) => c.notNull())
    .addColumn('app_path', 'text', (c) => c.notNull())
    .addColumn('fixed_version', 'text')
    .addColumn('severity_level', 'text', (c) => c.notNull())
    .addColumn('cvss', 'double precision')
    .addColumn('first_scan_time', ms, (c) => c.notNull())
    .addColumn('scan_time', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vul_findings_host').on('vul_findings').columns(['host_id', 'vul_id']).execute();
  await db.schema.createIndex('vul_findings_project_vul').on('vul_findings').columns(['project_id', 'vul_id']).execute();

  await db.schema.createTable('vul_host_status')
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('vul_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('remark', 'text', (c) => c.notNull())
    .addColumn('updated_by', 'text', (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_host_status_pk', ['host_id', 'vul_id'])
    .execute();

  await db.schema.createTable('vul_scan_hosts')
    .addColumn('task_id', 'text', (c) => c.notNull().references('tasks.id').onDelete('cascade'))
    .addColumn('host_id', 'text', (c) => c.notNull())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('inventory_job_id', 'text')
    .addColumn('match_job_id', 'text')
    .addColumn('scan_status', 'text', (c) => c.notNull())
    .addColumn('failed_reasons', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('started_at', ms, (c) => c.notNull())
    .addColumn('finished_at', ms)
    .addPrimaryKeyConstraint('vul_scan_hosts_pk', ['task_id', 'host_id'])
    .execute();
  await db.schema.createIndex('vul_scan_hosts_status').on('vul_scan_hosts').columns(['scan_status', 'task_id']).execute();

  await db.schema.createTable('vul_scan_tasks')
    .addColumn('task_id', 'text', (c) => c.primaryKey().references('tasks.id').onDelete('cascade'))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('scan_type', 'text', (c) => c.notNull())
    .addColumn('scan_vul_types', 'text', (c) => c.notNull())
    .addColumn('start_time', ms, (c) => c.notNull())
    .addColumn('end_time', ms)
    .execute();
  await db.schema.createIndex('vul_scan_tasks_project').on('vul_scan_tasks').columns(['project_id', 'start_time']).execute();

  await db.schema.createTable('vul_scan_policies')
    .addColumn('project_id', 'text', (c) => c.primaryKey())
    .addColumn('policy', 'text', (c) => c.notNull())
    .addColumn('next_scan_time', ms)
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();

  await db.schema.createTable('vul_task_views')
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('task_type', 'text', (c) => c.notNull())
    .addColumn('viewed_at', ms, (c) => c.notNull())
    .addPrimaryKeyConstraint('vul_task_views_pk', ['project_id', 'task_type'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Guardpost migrations are forward-only');
}
