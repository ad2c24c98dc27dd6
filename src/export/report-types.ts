import type { ExportSheet } from './types.js';

/**
 * A report a family can export through the generic HSS export-task flow (api-surface §5.1): the family's own
 * operation (e.g. ExportImageSecurityReportTask) creates the export task; the server job renders the sheets
 * into one zip artifact; ListQueryExportTask polls it and ListDownloadExportedFile serves it.
 */
export interface ReportRequest {
  projectId: string;
  /** The enterprise projects the requester may see (null: all of the project's). */
  scope: readonly string[] | null;
  /** The family's own parameters, as it passed them to `create` (JSON). */
  params: unknown;
  signal: AbortSignal;
}

export interface ReportType {
  /** Unique across families; `export_task_type` on the wire. */
  readonly name: string;
  /** `task_name` of the export task, e.g. `image_security_report_export_task`. */
  readonly taskName: string;
  /** The zip's file name (≤ 64 characters, `[A-Za-z0-9._-]`), e.g. `hss-image-report-20261201.zip`. */
  fileName(createdAt: number): string;
  /** The sheets to write; row sources are iterated once, while the zip streams into the blob store. */
  sheets(request: ReportRequest): Promise<readonly ExportSheet[]>;
}
