import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ExportService } from '../../export/export-service.js';
import { resourceNotFound } from '../../server/errors.js';
import { EnterpriseProjectId, enterpriseFilter, huaweiRoute, ProjectParams } from '../common/routes.js';

/**
 * The generic HSS export flow (api-surface §5.1): ListQueryExportTask and ShowLatestExportTaskByType poll an
 * export task, ListDownloadExportedFile streams its zip. Families create export tasks through ExportService.
 */

const ScopeQuery = Type.Object({ enterprise_project_id: Type.Optional(EnterpriseProjectId) });
const Region = Type.Object({ region: Type.Optional(Type.String({ maxLength: 32 })) });
const TaskId = Type.String({ minLength: 1, maxLength: 64 });

const ExportTaskInfo = Type.Object({
  task_id: Type.String(), task_name: Type.String(), task_status: Type.String(),
  file_id: Type.Optional(Type.String()), file_name: Type.Optional(Type.String()),
  failure_reason: Type.Optional(Type.String({ description: 'Guardpost extra: why the export failed' })),
  export_task_type: Type.Optional(Type.String({ description: 'Guardpost extra: the report type' })),
});

export const exportTaskRoutes = (exports: ExportService): FastifyPluginAsyncTypebox => async (app) => {
  const notFound = (what: string) => resourceNotFound('hss', `${what} does not exist in this project`);

  app.get('/v5/:project_id/export-task/:task_id', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListQueryExportTask', tags: ['hss'], summary: 'HSS ListQueryExportTask: the status of an export task and its file',
      params: Type.Object({ ...ProjectParams.properties, task_id: TaskId }), querystring: ScopeQuery, headers: Region,
      response: { 200: ExportTaskInfo },
    },
  }, async (request) => {
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const view = await exports.view(request.params.project_id, request.params.task_id, scope);
    if (!view) throw notFound(`export task ${request.params.task_id}`);
    return view;
  });

  app.get('/v5/:project_id/export-task', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ShowLatestExportTaskByType', tags: ['hss'], summary: 'HSS ShowLatestExportTaskByType: an export task by id, or the newest of a type',
      params: ProjectParams, headers: Region,
      querystring: Type.Object({ ...ScopeQuery.properties, task_id: TaskId, export_task_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) }),
      response: { 200: ExportTaskInfo },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const named = await exports.view(projectId, request.query.task_id, scope);
    if (named && (request.query.export_task_type === undefined || named.export_task_type === request.query.export_task_type)) return named;
    const latest = request.query.export_task_type === undefined ? undefined : await exports.latest(projectId, request.query.export_task_type, scope);
    const view = latest ? await exports.view(projectId, latest.id, scope) : undefined;
    if (!view) throw notFound(`export task ${request.query.task_id}`);
    return view;
  });

  app.get('/v5/:project_id/download/:file_id', {
    config: {
      ...huaweiRoute('hss'),
      documentedResponses: { 200: { description: 'The exported zip', content: { 'application/zip': { schema: { type: 'string', format: 'binary' } } } } },
    },
    schema: {
      operationId: 'ListDownloadExportedFile', tags: ['hss'], summary: 'HSS ListDownloadExportedFile: the exported zip',
      params: Type.Object({ ...ProjectParams.properties, file_id: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: ScopeQuery, headers: Region,
    },
  }, async (request, reply) => {
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const file = await exports.openFile(request.params.project_id, request.params.file_id, scope);
    if (!file) throw notFound(`exported file ${request.params.file_id}`);
    return reply
      .header('Content-Type', 'application/zip')
      .header('Content-Length', String(file.artifact.size))
      .header('Content-Disposition', `attachment; filename="${file.artifact.name}"`)
      .header('X-Content-SHA256', file.artifact.sha256)
      .header('Cache-Control', 'no-store')
      .send(file.body);
  });
};
