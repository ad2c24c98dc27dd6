import { Type, type TSchema } from 'typebox';

/** Paging and list envelopes as the SDKs decode them (api-surface §1.7). */

export const HSS_MAX_OFFSET = 2_000_000;
export const HSS_MAX_LIMIT = 200;
export const CFW_MAX_LIMIT = 1024;

/** HSS `offset`/`limit`: limits differ per operation (minimum 0, 1 or 10; default 10; maximum 200). */
export function hssPaging(options: { minLimit?: number; maxLimit?: number; defaultLimit?: number } = {}) {
  const { minLimit = 10, maxLimit = HSS_MAX_LIMIT, defaultLimit = 10 } = options;
  return {
    offset: Type.Integer({ minimum: 0, maximum: HSS_MAX_OFFSET, default: 0 }),
    limit: Type.Integer({ minimum: minLimit, maximum: maxLimit, default: defaultLimit }),
  };
}

/** CFW `limit` (1-1024) and `offset` are both required. */
export function cfwPaging() {
  return {
    limit: Type.Integer({ minimum: 1, maximum: CFW_MAX_LIMIT }),
    offset: Type.Integer({ minimum: 0, maximum: HSS_MAX_OFFSET }),
  };
}

/** HSS lists: `{"total_num": n, "data_list": [...]}`, not wrapped. */
export const hssList = <T extends TSchema>(item: T) => Type.Object({ total_num: Type.Integer(), data_list: Type.Array(item) });

/** CFW lists: `{"data": {"limit", "offset", "total", "records": [...]}}`. */
export const cfwPage = <T extends TSchema>(item: T) => Type.Object({
  data: Type.Object({ limit: Type.Integer(), offset: Type.Integer(), total: Type.Integer(), records: Type.Array(item) }),
});

export interface Page { offset: number; limit: number }

export function cfwPageOf<T>(page: Page, total: number, records: T[]) {
  return { data: { limit: page.limit, offset: page.offset, total, records } };
}
