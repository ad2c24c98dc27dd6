import type { Kysely } from 'kysely';

/**
 * Image registries (HSS AddRegistry / ListRegistry / DeleteRegistry) with their credentials sealed
 * (AES-256-GCM under the server's master key), and the images a registry sync found (ListRegistryImages).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint' as const;
  await db.schema.createTable('image_registries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('enterprise_project_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('registry_type', 'text', (c) => c.notNull())
    .addColumn('api_version', 'text', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('address', 'text', (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('password_sealed', 'text', (c) => c.notNull())
    .addColumn('ca_pem', 'text')
    .addColumn('namespace', 'text')
    .addColumn('connect_cluster_id', 'text', (c) => c.notNull())
    .addColumn('scan_channel', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('fail_reason', 'text')
    .addColumn('fail_detail', 'text')
    .addColumn('images_num', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('latest_sync_time', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('image_registries_project_name').on('image_registries').columns(['project_id', 'name']).unique().execute();
  await db.schema.createTable('image_registry_images')
    .addColumn('id', ms, (c) => c.primaryKey())
    .addColumn('registry_id', 'text', (c) => c.notNull().references('image_registries.id').onDelete('cascade'))
    .addColumn('project_id', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('image_name', 'text', (c) => c.notNull())
    .addColumn('image_version', 'text', (c) => c.notNull())
    .addColumn('image_digest', 'text', (c) => c.notNull())
    .addColumn('is_multiple_arch', 'integer', (c) => c.notNull())
    .addColumn('image_size', ms, (c) => c.notNull())
    .addColumn('latest_sync_time', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('image_registry_images_ref').on('image_registry_images').columns(['registry_id', 'namespace', 'image_name', 'image_version']).unique().execute();
  await db.schema.createIndex('image_registry_images_project').on('image_registry_images').columns(['project_id', 'image_name']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Guardpost migrations are forward-only');
}
