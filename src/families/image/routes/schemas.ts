import { Type } from 'typebox';
import { hssPaging } from '../../../api/common/paging.js';
import { EnterpriseProjectId } from '../../../api/common/routes.js';

/** Schema pieces the image routes share (query strings as the Go SDK encodes them). */

export const RegionHeader = Type.Object({ region: Type.Optional(Type.String({ maxLength: 128 })) });
export const Scope = { enterprise_project_id: Type.Optional(EnterpriseProjectId) };
export const Paging = hssPaging();
export const Text = (max: number) => Type.Optional(Type.String({ minLength: 0, maxLength: max }));
export const Ms = Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }));
export const Page = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({ total_num: Type.Integer(), data_list: Type.Array(item) });
