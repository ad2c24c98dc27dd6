import type { Kysely } from 'kysely';

/**
 * Registry images scanned on the server: an `image_images` row of source `registry` names the synced registry
 * image (`image_registry_images.id`, repository + tag) it was pulled from, so ListRegistryImages and
 * ListSwrImageRepository show its scan state. One row per registry image (unique; NULL for other sources).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('image_images').addColumn('registry_image_id', 'bigint').execute();
  await db.schema.createIndex('image_images_registry_image').on('image_images').column('registry_image_id').unique().execute();
}

export async function down(): Promise<void> {
  throw new Error('Guardpost migrations are forward-only');
}
