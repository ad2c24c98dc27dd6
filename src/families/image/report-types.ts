import type { ExportColumn, ExportRow, ExportSheet } from '../../export/types.js';
import type { ReportRequest, ReportType } from '../../export/report-types.js';
import { SECURITY_REPORT_TYPES, type SecurityReportType } from './domain.js';
import { checkExportParams, imageFilterOf, rowFiltersOf } from './export-request.js';
import type { FindingReads } from './finding-reads.js';
import { FINDING_TABLES } from './finding-rows.js';
import type { ImageReads } from './image-reads.js';
import type { ImageRow } from './tables.js';

/**
 * The six image security reports in the generic export flow, one ReportType per `security_report_type` (named
 * exactly so, which makes the zip hold `<type>.csv` and `<type>.xlsx`). Columns are the issue's: image identity,
 * the type's own columns, the layer columns. Rows are read from the stored findings image by image, in keyset
 * batches, until `export_size` rows were written.
 */

const s = (key: string, width = 24): ExportColumn => ({ key, header: key, type: 'string', width });
const n = (key: string): ExportColumn => ({ key, header: key, type: 'number', width: 12 });

const OWN_COLUMNS: Record<SecurityReportType, ExportColumn[]> = {
  apps: [s('app_name'), s('app_type', 10), s('app_version'), s('source_name'), s('app_path', 40), n('vul_num')],
  files: [s('file_name'), s('file_path', 40), n('size'), s('mode', 8), s('flags', 20)],
  malwares: [s('file_name'), s('file_path', 40), n('size'), s('description', 40)],
  'sensitive-info': [s('sensitive_info_id', 34), s('rule_id'), s('severity', 10), s('name'), s('description', 40), s('file_path', 40), s('position', 16), s('content', 30)],
  'non-compliant-app': [s('app_name'), s('app_version'), s('app_path', 40), s('license'), s('reason', 18)],
  'build-command-risks': [s('rule_id'), s('risk_name', 30), s('risk_level', 10), s('description', 40), n('history_index'), s('build_instruction', 60), s('remediation', 40)],
};

export const reportColumns = (type: SecurityReportType): ExportColumn[] => [
  s('image_id', 72), s('image_name', 30), s('image_version', 16), ...OWN_COLUMNS[type], n('layer_index'), s('layer_digest', 72), s('created_by', 60),
];

/** A stored row → its export cells: `mode` as 4-digit octal, nulls as empty cells, everything else as stored. */
function exportRow(image: ImageRow, row: Record<string, unknown>): ExportRow {
  const out: Record<string, string | number | null> = { image_id: image.image_id, image_name: image.image_name, image_version: image.image_version };
  for (const [key, value] of Object.entries(row)) {
    if (key === 'image_row' || key === 'seq') continue;
    if (key === 'mode' && typeof value === 'number') out.mode = value.toString(8).padStart(4, '0');
    else out[key] = typeof value === 'bigint' ? Number(value) : (value as string | number | null);
  }
  if (out.layer_index !== null && out.layer_index !== undefined) out.layer_index = Number(out.layer_index);
  return out;
}

/** Images per report; the rest of a project's images are beyond any export (export_size ≤ 200,000 rows anyway). */
const MAX_IMAGES = 20_000;

function reportType(type: SecurityReportType, reads: ImageReads, findings: FindingReads): ReportType {
  return {
    name: type,
    taskName: 'image_security_report_export_task',
    fileName: (createdAt) => `hss-image-${type}-${new Date(createdAt).toISOString().slice(0, 10).replace(/-/g, '')}.zip`,
    async sheets(request: ReportRequest): Promise<readonly ExportSheet[]> {
      if (!checkExportParams.Check(request.params)) throw new Error('the stored export parameters are not valid');
      const params = request.params;
      const filter = imageFilterOf(request.projectId, request.scope, params);
      const rowFilters = rowFiltersOf(type, params);
      const imageRows = await reads.byRowIds(await reads.rowIds(filter, MAX_IMAGES));
      const byId = new Map(imageRows.map((r) => [r.id, r]));
      const order = [...byId.keys()];
      async function* rows(): AsyncGenerator<ExportRow> {
        let left = params.export_size;
        for (const id of order) {
          for await (const row of findings.stream(FINDING_TABLES[type], id, rowFilters, request.signal)) {
            if (left-- <= 0) return;
            yield exportRow(byId.get(id)!, row as unknown as Record<string, unknown>);
          }
        }
      }
      return [{ name: type, columns: reportColumns(type), rows: rows() }];
    },
  };
}

export const imageReportTypes = (reads: ImageReads, findings: FindingReads): ReportType[] =>
  SECURITY_REPORT_TYPES.map((type) => reportType(type, reads, findings));

export const reportTypesOf = (services: { reads: ImageReads; findings: FindingReads }): ReportType[] => imageReportTypes(services.reads, services.findings);
