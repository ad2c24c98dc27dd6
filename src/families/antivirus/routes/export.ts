import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { HSS_MAX_OFFSET } from '../../../api/common/paging.js';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter } from '../../../server/errors.js';
import { ANTIVIRUS_RESULT_REPORT, exportColumns, MAX_EXPORT_SIZE, type AvExportParams } from '../export-report.js';
import type { AntivirusServices } from '../services.js';
import { ListResultsQuery, RegionHeader } from './schemas.js';

/**
 * HSS ExportAntiVirusResult: an export task over the results ListAntiVirusResult would list with the same filters
 * (`offset` honoured, `limit` accepted and ignored, at most `export_size` rows, default and maximum 500000), with
 * the columns of `export_headers`. Answers `{task_id}`; ListQueryExportTask polls it, ListDownloadExportedFile
 * serves the zip (CSV + XLSX).
 */

const ExportQuery = Type.Object({
  ...ListResultsQuery.properties,
  offset: Type.Integer({ minimum: 0, maximum: HSS_MAX_OFFSET, default: 0 }),
  // The Go SDK always sends limit (0 when unset); a list's page size means nothing to an export.
  limit: Type.Integer({ minimum: 0, maximum: 200, default: 10 }),
  export_size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_EXPORT_SIZE })),
});

const Header = Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 2, maxItems: 2, description: '[field, column label]' });
const ExportBody = Type.Object({ export_headers: Type.Optional(Type.Array(Header, { maxItems: 100 })) });

export const antivirusExportRoutes = (services: AntivirusServices): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v5/:project_id/antivirus/result/export', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ExportAntiVirusResult', tags: ['hss'], summary: 'HSS ExportAntiVirusResult: export virus scan findings (asynchronous export task)',
      params: ProjectParams, querystring: ExportQuery, headers: RegionHeader, body: ExportBody,
      response: { 200: Type.Object({ task_id: Type.String() }) },
    },
    // The SDK sends no body when the request's body is unset (it is optional there): every field is exported.
    preValidation: async (request) => {
      request.body ??= {};
    },
  }, async (request) => {
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const columns = exportColumns(request.body.export_headers);
    if ('problem' in columns) throw invalidParameter('hss', columns.problem);
    const params: AvExportParams = {
      filter: {
        handleStatus: q.handle_status || undefined, severities: q.severity_list, assetValue: q.asset_value || undefined, malwareName: q.malware_name,
        filePath: q.file_path, fileHash: q.file_hash, taskName: q.task_name, hostName: q.host_name, privateIp: q.private_ip, publicIp: q.public_ip,
        manualIsolate: q.manual_isolate,
      },
      offset: q.offset, size: q.export_size ?? MAX_EXPORT_SIZE, headers: columns.headers,
    };
    const task = await services.exports.create({
      projectId: request.params.project_id, enterpriseProjectId: scope?.[0] ?? '0', scope,
      reportType: ANTIVIRUS_RESULT_REPORT, params: JSON.parse(JSON.stringify(params)) as unknown, createdBy: request.principal?.userId ?? 'unknown',
    });
    return { task_id: task.id };
  });
};
