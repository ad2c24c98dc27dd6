import { Type } from 'typebox';
import { defineJobKind } from '../core/job-kind.js';

/** The server-side job that renders one export task's report into a zip artifact. */
export const exportJobKind = defineJobKind({
  name: 'export',
  version: 1,
  runsOn: 'server',
  payload: Type.Object({
    report_type: Type.String({ minLength: 1, maxLength: 64 }),
    scope: Type.Union([Type.Array(Type.String({ maxLength: 256 }), { maxItems: 1024 }), Type.Null()]),
    params: Type.Unknown(),
  }, { additionalProperties: false }),
  result: Type.Object({
    file_id: Type.String({ pattern: '^[0-9a-f]{32}$' }),
    file_name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }),
    bytes: Type.Integer({ minimum: 0 }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    rows: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  }, { additionalProperties: false }),
  capability: Type.Null(),
});

/** The `tasks.family` of export tasks, whichever family's report they carry. */
export const EXPORT_TASK_FAMILY = 'export';
