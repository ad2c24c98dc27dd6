import type { Kysely } from 'kysely';
import type { Database } from '../../store/schema.js';
import { imageCondition, type ImageFilter } from './image-filter.js';
import type { ImageDatabase, ImageRow, ImageTables } from './tables.js';

/** Reads of image rows: the filtered, paged lists and the rows an export or a batch scan names. */

export interface Page { offset: number; limit: number }

export interface LocalImageView extends ImageRow { host_name: string | null }

/** Image rows per query of ids (bounded). */
const CHUNK = 400;

export class ImageReads {
  private readonly db: Kysely<ImageDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<ImageTables>();
  }

  async list(filter: ImageFilter, page: Page): Promise<{ total: number; rows: LocalImageView[] }> {
    const base = this.db.selectFrom('image_images').leftJoin('agents', 'agents.id', 'image_images.agent_id').where(imageCondition(filter));
    const total = await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await base.selectAll('image_images').select('agents.host_name')
      .orderBy('image_images.latest_update_time', 'desc').orderBy('image_images.id').limit(page.limit).offset(page.offset).execute();
    return { total: Number(total.n), rows };
  }

  /** Row ids of every image matching the filter, oldest update first (bounded by `max`). */
  async rowIds(filter: ImageFilter, max: number): Promise<string[]> {
    const rows = await this.db.selectFrom('image_images').select('id').where(imageCondition(filter))
      .orderBy('latest_update_time').orderBy('id').limit(max).execute();
    return rows.map((r) => r.id);
  }

  async byRowIds(ids: readonly string[]): Promise<ImageRow[]> {
    const out: ImageRow[] = [];
    for (let i = 0; i < ids.length; i += CHUNK) {
      out.push(...await this.db.selectFrom('image_images').selectAll().where('id', 'in', ids.slice(i, i + CHUNK)).execute());
    }
    return out;
  }

  /** The image `imageId` of the project (in scope), of the given source when named. */
  find(projectId: string, scope: ImageFilter['scope'], imageId: string, source?: ImageFilter['source']): Promise<ImageRow | undefined> {
    return this.db.selectFrom('image_images').selectAll().where(imageCondition({ projectId, scope, imageId, ...(source ? { source } : {}) }))
      .orderBy('latest_update_time', 'desc').executeTakeFirst();
  }

  /** Which of `imageIds` the project has (in scope, of the source). */
  async knownImageIds(filter: ImageFilter, imageIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.db.selectFrom('image_images').select('image_id').distinct().where(imageCondition({ ...filter, imageIds })).execute();
    return new Set(rows.map((r) => r.image_id));
  }
}
