import { sql, type Expression, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../../store/schema.js';
import { containsText } from '../../store/sql-helpers.js';
import { imageCondition, type ImageFilter } from './image-filter.js';
import type { Page } from './image-reads.js';
import type { ImageDatabase, ImageTables } from './tables.js';

/**
 * Reads of stored findings: one image's rows of one type, filtered and paged (the per-image HSS operations), the
 * build-command risks grouped by rule over many images, and keyset-paged batches for the exports (constant memory).
 */

export type FindingTableName = 'image_apps' | 'image_files' | 'image_malwares' | 'image_sensitive' | 'image_non_compliant' | 'image_build_risks' | 'image_vulns';

/** One row filter: a column and how it must match. */
export type RowFilter =
  | { column: string; contains: string }
  | { column: string; equals: string | number }
  | { column: string; in: readonly string[] }
  | { none: true };

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- filters name columns of the table being read
type AnyEB = ExpressionBuilder<any, any>;

function rowCondition(filters: readonly RowFilter[]): (eb: AnyEB) => Expression<SqlBool> {
  return (eb) => eb.and(filters.map((f): Expression<SqlBool> => {
    if ('none' in f) return sql<SqlBool>`1 = 0`;
    if ('contains' in f) return containsText(f.column, f.contains);
    if ('in' in f) return f.in.length === 0 ? sql<SqlBool>`1 = 0` : sql<SqlBool>`${sql.ref(f.column)} in (${sql.join([...f.in])})`;
    return sql<SqlBool>`${sql.ref(f.column)} = ${f.equals}`;
  }));
}

const EXPORT_BATCH = 1000;

export class FindingReads {
  private readonly db: Kysely<ImageDatabase>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<ImageTables>();
  }

  async page<T extends FindingTableName>(table: T, imageRow: string, filters: readonly RowFilter[], page: Page): Promise<{ total: number; rows: Array<ImageTables[T]> }> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every findings table has image_row and seq
    const base = (this.db as Kysely<any>).selectFrom(table as string).where('image_row', '=', imageRow).where(rowCondition(filters));
    const total = await base.select((eb: AnyEB) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow() as { n: number | string };
    const rows = await base.selectAll().orderBy('seq').limit(page.limit).offset(page.offset).execute() as Array<ImageTables[T]>;
    return { total: Number(total.n), rows };
  }

  async count(table: FindingTableName, imageRows: readonly string[], filters: readonly RowFilter[]): Promise<number> {
    let total = 0;
    for (let i = 0; i < imageRows.length; i += 400) {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every findings table has image_row
      const row = await (this.db as Kysely<any>).selectFrom(table as string).where('image_row', 'in', imageRows.slice(i, i + 400)).where(rowCondition(filters))
        .select((eb: AnyEB) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow() as { n: number | string };
      total += Number(row.n);
    }
    return total;
  }

  /** Rows of one image in `seq` order, `EXPORT_BATCH` per query (keyset), each batch handed over before the next is read. */
  async *stream<T extends FindingTableName>(table: T, imageRow: string, filters: readonly RowFilter[], signal?: AbortSignal): AsyncGenerator<ImageTables[T]> {
    let after = -1;
    for (;;) {
      signal?.throwIfAborted();
      // eslint-disable-next-line @typescript-eslint/no-explicit-any -- every findings table has image_row and seq
      const rows = await (this.db as Kysely<any>).selectFrom(table as string).selectAll().where('image_row', '=', imageRow).where('seq', '>', after)
        .where(rowCondition(filters)).orderBy('seq').limit(EXPORT_BATCH).execute() as Array<ImageTables[T] & { seq: number }>;
      for (const row of rows) yield row;
      if (rows.length < EXPORT_BATCH) return;
      after = Number(rows[rows.length - 1]!.seq);
    }
  }

  /** ListImageBuildCommandRisks: the risks of the matching images grouped by rule, most severe first. */
  async buildRisksByRule(filter: ImageFilter, rows: readonly RowFilter[], page: Page) {
    const base = this.db.selectFrom('image_build_risks').innerJoin('image_images', 'image_images.id', 'image_build_risks.image_row')
      .where(imageCondition(filter)).where(rowCondition(rows));
    const grouped = base.select((eb) => [
      'image_build_risks.rule_id', eb.fn.max('image_build_risks.risk_name').as('risk_name'), eb.fn.max('image_build_risks.risk_level').as('risk_level'),
      eb.fn.max('image_build_risks.description').as('description'), eb.fn.max('image_images.latest_scan_time').as('latest_scan_time'),
      eb.fn.count<number>('image_build_risks.image_row').distinct().as('image_num'),
      sql<number>`min(case image_build_risks.risk_level when 'critical' then 0 when 'high' then 1 when 'medium' then 2 else 3 end)`.as('level_order'),
    ]).groupBy('image_build_risks.rule_id');
    const all = await grouped.execute();
    all.sort((a, b) => Number(a.level_order) - Number(b.level_order) || (a.rule_id < b.rule_id ? -1 : a.rule_id > b.rule_id ? 1 : 0));
    return { total: all.length, rows: all.slice(page.offset, page.offset + page.limit) };
  }
}
