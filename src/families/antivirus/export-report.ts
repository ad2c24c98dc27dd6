import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import type { ReportType } from '../../export/report-types.js';
import type { ColumnType, ExportRow } from '../../export/types.js';
import type { AvReads, ResultView } from './reads.js';
import { resultInfo } from './routes/views.js';

/**
 * ExportAntiVirusResult's report (`antivirus-result` through the generic export flow, src/export/): the results
 * ListAntiVirusResult would list with the same filters, from `offset`, at most `export_size` rows, newest first,
 * one row per result with the columns `export_headers` chose ([[field, label], …], fields are the result's wire
 * names with file_info / resource_info flattened) or, without headers, every field under its own name.
 */

export const ANTIVIRUS_RESULT_REPORT = 'antivirus-result';
export const MAX_EXPORT_SIZE = 500_000;
const PAGE = 500;

type Info = ReturnType<typeof resultInfo>;
interface Field { type: ColumnType; value: (i: Info) => string | number | undefined }

const text = (pick: (i: Info) => string | undefined): Field => ({ type: 'string', value: pick });
const num = (pick: (i: Info) => number): Field => ({ type: 'number', value: pick });
const date = (pick: (i: Info) => number): Field => ({ type: 'date', value: pick });

/** Every exportable field, in the default column order. */
export const EXPORT_FIELDS: Readonly<Record<string, Field>> = {
  result_id: text((i) => i.result_id), malware_name: text((i) => i.malware_name), malware_type: text((i) => i.malware_type),
  severity: text((i) => i.severity), event_type: num((i) => i.event_type), occur_time: date((i) => i.occur_time),
  task_id: text((i) => i.task_id), task_name: text((i) => i.task_name),
  handle_status: text((i) => i.handle_status), handle_method: text((i) => i.handle_method), memo: text((i) => i.memo),
  isolate_tag: text((i) => i.isolate_tag),
  file_path: text((i) => i.file_info.file_path), file_hash: text((i) => i.file_info.file_hash), file_size: num((i) => i.file_info.file_size),
  file_owner: text((i) => i.file_info.file_owner), file_attr: text((i) => i.file_info.file_attr),
  file_ctime: date((i) => i.file_info.file_ctime), file_mtime: date((i) => i.file_info.file_mtime),
  host_id: text((i) => i.resource_info.host_id), host_name: text((i) => i.resource_info.host_name),
  private_ip: text((i) => i.resource_info.private_ip), public_ip: text((i) => i.resource_info.public_ip),
  asset_value: text((i) => i.resource_info.asset_value), os_type: text((i) => i.resource_info.os_type),
  os_name: text((i) => i.resource_info.os_name), os_version: text((i) => i.resource_info.os_version),
  agent_id: text((i) => i.resource_info.agent_id), agent_status: text((i) => i.resource_info.agent_status),
  host_status: text((i) => i.resource_info.host_status), protect_status: text((i) => i.resource_info.protect_status),
};

const Opt = <T extends Parameters<typeof Type.Optional>[0]>(t: T) => Type.Optional(t);

/** What the export task stores (checked again when the server job renders it). */
export const ExportParams = Type.Object({
  filter: Type.Object({
    handleStatus: Opt(Type.String()), severities: Opt(Type.Array(Type.String())), assetValue: Opt(Type.String()),
    malwareName: Opt(Type.String()), filePath: Opt(Type.String()), fileHash: Opt(Type.String()), taskName: Opt(Type.String()),
    hostName: Opt(Type.String()), privateIp: Opt(Type.String()), publicIp: Opt(Type.String()), manualIsolate: Opt(Type.Boolean()),
  }),
  offset: Type.Integer({ minimum: 0 }),
  size: Type.Integer({ minimum: 1, maximum: MAX_EXPORT_SIZE }),
  headers: Type.Array(Type.Tuple([Type.String(), Type.String()]), { minItems: 1, maxItems: 100 }),
});
export type AvExportParams = Static<typeof ExportParams>;
const checkParams = Compile(ExportParams);

/** The columns `export_headers` names, or the problem (unknown or repeated field). Empty / absent: every field. */
export function exportColumns(headers: ReadonlyArray<readonly string[]> | undefined): { headers: Array<[string, string]> } | { problem: string } {
  if (!headers || headers.length === 0) return { headers: Object.keys(EXPORT_FIELDS).map((f) => [f, f]) };
  const seen = new Set<string>();
  const out: Array<[string, string]> = [];
  for (const [field, label] of headers.map((h) => [h[0] ?? '', h[1] ?? ''] as const)) {
    if (!Object.hasOwn(EXPORT_FIELDS, field)) {
      return { problem: `export_headers names unknown field "${field.slice(0, 64)}"; fields: ${Object.keys(EXPORT_FIELDS).join(', ')}` };
    }
    if (seen.has(field)) return { problem: `export_headers names field "${field}" twice` };
    seen.add(field);
    out.push([field, label]);
  }
  return { headers: out };
}

export function antivirusResultReport(reads: AvReads, offlineAfterMs: number): ReportType {
  return {
    name: ANTIVIRUS_RESULT_REPORT,
    taskName: 'antivirus_result_export_task',
    fileName: (createdAt) => `hss-antivirus-results-${new Date(createdAt).toISOString().slice(0, 10).replaceAll('-', '')}.zip`,
    async sheets({ projectId, scope, params, signal }) {
      if (!checkParams.Check(params)) throw new Error('the export task parameters are unreadable; export again');
      const { filter, offset, size, headers } = params;
      async function* rows(): AsyncGenerator<ExportRow> {
        const now = Date.now();
        for (let done = 0; done < size;) {
          signal.throwIfAborted();
          const limit = Math.min(PAGE, size - done);
          const page: ResultView[] = (await reads.listResults({ projectId, scope, ...filter }, { offset: offset + done, limit })).rows;
          for (const view of page) {
            const info = resultInfo(view, offlineAfterMs, now);
            yield Object.fromEntries(headers.map(([field]) => [field, EXPORT_FIELDS[field]?.value(info)]));
          }
          done += page.length;
          if (page.length < limit) return;
        }
      }
      return [{
        name: 'antivirus_results',
        columns: headers.map(([field, label]) => ({ key: field, header: label, type: EXPORT_FIELDS[field]?.type ?? 'string' })),
        rows: rows(),
      }];
    },
  };
}
