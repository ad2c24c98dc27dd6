import type { Kysely } from 'kysely';
import { newHexId } from '../../identity/secrets.js';
import type { Database } from '../../store/schema.js';
import { severityLevelOf } from './domain.js';
import { emptyImage } from './image-store.js';
import type { RegistryImageRow } from './registries/index.js';
import type { ImageDatabase, ImageRow, ImageTables } from './tables.js';

/**
 * The one link between a synced registry image (`image_registry_images.id`: registry + repository + tag) and the
 * image family's row that holds its scan (`image_images.registry_image_id`). A registry image gets its row when a
 * scan is first requested: source `registry`, origin `<registry id>/<registry image id>` (one row per tag, so two
 * tags of one image keep their own scan state), image_id '' until a pull names its config digest.
 */

const CHUNK = 400;

/** The scan columns of a ListRegistryImages / ListSwrImageRepository row, from the image row (or "not scanned"). */
export interface RegistryScanView {
  image_id: string; scan_status: string; scan_failed_desc: string; latest_scan_time: number; vul_num: number;
  unsafe_setting_num: number; malicious_file_num: number; severity_level: string;
}

export function registryScanView(row: ImageRow | undefined): RegistryScanView {
  if (!row) {
    return { image_id: '', scan_status: 'unscan', scan_failed_desc: '', latest_scan_time: 0, vul_num: 0, unsafe_setting_num: 0, malicious_file_num: 0, severity_level: '' };
  }
  const scanned = row.scan_status === 'success';
  return {
    image_id: row.image_id, scan_status: row.scan_status, scan_failed_desc: row.scan_failed_desc,
    latest_scan_time: row.latest_scan_time === null ? 0 : Number(row.latest_scan_time), vul_num: row.vul_num,
    unsafe_setting_num: row.build_risk_num, malicious_file_num: row.malicious_file_num, severity_level: scanned ? severityLevelOf(row.risk_rank) : '',
  };
}

export class RegistryScans {
  private readonly db: Kysely<ImageDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<ImageTables>();
  }

  /** Image rows of these registry images, by registry image id. */
  async rowsOf(registryImageIds: readonly number[]): Promise<Map<number, ImageRow>> {
    const out = new Map<number, ImageRow>();
    for (let i = 0; i < registryImageIds.length; i += CHUNK) {
      const rows = await this.db.selectFrom('image_images').selectAll().where('registry_image_id', 'in', registryImageIds.slice(i, i + CHUNK)).execute();
      for (const row of rows) out.set(Number(row.registry_image_id), row);
    }
    return out;
  }

  /** The image row of every registry image (created, unscanned, when missing); names refreshed from the latest sync. */
  async ensureRows(images: readonly RegistryImageRow[], now = Date.now()): Promise<ImageRow[]> {
    const existing = await this.rowsOf(images.map((i) => Number(i.id)));
    const out: ImageRow[] = [];
    for (const image of images) {
      const id = Number(image.id);
      const names = { namespace: image.namespace, image_name: image.image_name, image_version: image.image_version, image_size: Number(image.image_size) };
      const found = existing.get(id);
      if (found) {
        await this.db.updateTable('image_images').set(names).where('id', '=', found.id).execute();
        out.push({ ...found, ...names });
        continue;
      }
      const row: ImageRow = {
        ...emptyImage(newHexId(), {
          projectId: image.project_id, enterpriseProjectId: image.enterprise_project_id, source: 'registry',
          originId: `${image.registry_id}/${id}`, imageId: '',
        }, now),
        ...names, image_digest: image.image_digest, registry_image_id: id,
      };
      await this.db.insertInto('image_images').values(row).execute();
      out.push(row);
    }
    return out;
  }

  /** After a pull: the row's image is the pulled config digest, its digest the manifest pulled. */
  async pulled(imageRow: string, imageId: string, manifestDigest: string): Promise<void> {
    await this.db.updateTable('image_images').set({ image_id: imageId, image_digest: manifestDigest }).where('id', '=', imageRow).execute();
  }
}
