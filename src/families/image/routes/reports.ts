import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enterpriseFilter, huaweiReadRoute, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import { SECURITY_REPORT_TYPES, type SecurityReportType } from '../domain.js';
import { ExportBody, ImageFilterFields, imageFilterOf, rowFiltersOf, sourceOf } from '../export-request.js';
import { FINDING_TABLES } from '../finding-rows.js';
import type { FindingTableName } from '../finding-reads.js';
import type { ImageServices } from '../services.js';
import { Page, Paging, RegionHeader, Scope, Text } from './schemas.js';

/**
 * ExportImageSecurityReportTask (the seed) → the generic export flow; ShowImageSecurityReportStatistic (how many
 * rows that export would hold); ListImageBuildCommandRisks (build-command risks grouped by rule).
 */

const isReportType = (t: string): t is SecurityReportType => (SECURITY_REPORT_TYPES as readonly string[]).includes(t);

const STATISTIC_TYPES = ['vulnerability', 'risk-config', ...SECURITY_REPORT_TYPES] as const;

const StatisticBody = Type.Object({
  ...ImageFilterFields,
  image_id_list: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 256 }), { maxItems: 10_000 })),
  operate_all: Type.Optional(Type.Boolean()),
  vul_type: Text(32), instance_id: Text(128), has_container: Type.Optional(Type.Boolean()),
  vul_id_list: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 2048 })),
});

export const reportRoutes = (services: ImageServices): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v5/:project_id/image/security-report/export-tasks', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ExportImageSecurityReportTask', tags: ['hss'], summary: 'HSS ExportImageSecurityReportTask: export an image security report (zip of CSV and XLSX)',
      params: ProjectParams, querystring: Type.Object(Scope), headers: RegionHeader, body: ExportBody,
      response: { 200: Type.Object({ task_id: Type.String() }) },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const body = request.body;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    if (!isReportType(body.security_report_type)) {
      throw invalidParameter('hss', `security_report_type must be one of ${SECURITY_REPORT_TYPES.join(', ')}`);
    }
    const source = sourceOf(body.image_type);
    if (!source) throw invalidParameter('hss', `image_type ${body.image_type} is not a known image type`);
    if (!body.operate_all) {
      if (!body.image_id_list) throw invalidParameter('hss', 'image_id_list is required when operate_all is false');
      const known = await services.reads.knownImageIds({ projectId, scope, source }, body.image_id_list);
      const unknown = [...new Set(body.image_id_list)].filter((id) => !known.has(id));
      if (unknown.length > 0) throw resourceNotFound('hss', `image(s) ${unknown.slice(0, 5).join(', ')} do not exist in this project (${body.image_type ?? 'registry images'})`);
    }
    const task = await services.core.exports.create({
      projectId, enterpriseProjectId: scope?.[0] ?? '0', scope, reportType: body.security_report_type, params: body,
      createdBy: request.principal?.userId ?? 'unknown',
    });
    return { task_id: task.id };
  });

  app.post('/v5/:project_id/image/security-report/statistic', {
    config: huaweiReadRoute('hss'),
    schema: {
      operationId: 'ShowImageSecurityReportStatistic', tags: ['hss'], summary: 'HSS ShowImageSecurityReportStatistic: rows an image security report export would hold',
      params: ProjectParams, headers: RegionHeader,
      querystring: Type.Object({ ...Scope, security_report_type: Type.String({ minLength: 1, maxLength: 64 }) }),
      body: Type.Optional(StatisticBody), response: { 200: Type.Object({ total_num: Type.Integer() }) },
    },
  }, async (request) => {
    const { project_id: projectId } = request.params;
    const type = request.query.security_report_type;
    if (!(STATISTIC_TYPES as readonly string[]).includes(type)) throw invalidParameter('hss', `security_report_type must be one of ${STATISTIC_TYPES.join(', ')}`);
    const body = request.body ?? {};
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    if (!sourceOf(body.image_type)) throw invalidParameter('hss', `image_type ${body.image_type} is not a known image type`);
    if (type === 'risk-config') return { total_num: 0 };
    const filter = imageFilterOf(projectId, scope, { ...body, operate_all: body.operate_all ?? true });
    const rows = await services.reads.rowIds(filter, 20_000);
    const table: FindingTableName = type === 'vulnerability' ? 'image_vulns' : FINDING_TABLES[type as SecurityReportType];
    const filters = type === 'vulnerability'
      ? [...(body.vul_type ? [{ column: 'type', equals: body.vul_type }] : []), ...(body.vul_id_list?.length ? [{ column: 'vul_id', in: body.vul_id_list }] : [])]
      : rowFiltersOf(type, body);
    return { total_num: await services.findings.count(table, rows, filters) };
  });

  const RiskInfo = Type.Object({
    latest_scan_time: Type.Integer(), image_num: Type.Integer(), risk_id: Type.String(), rule_id: Type.String(), risk_name: Type.String(),
    risk_level: Type.String(), description: Type.String(), image_type: Type.String(),
  });
  app.get('/v5/:project_id/image/build-command-risks', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListImageBuildCommandRisks', tags: ['hss'], summary: 'HSS ListImageBuildCommandRisks: build-command risks of images, by rule',
      params: ProjectParams, headers: RegionHeader,
      querystring: Type.Object({
        ...Scope, ...Paging, image_type: Type.String({ minLength: 1, maxLength: 32 }), image_id: Text(128),
        risk_name: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })), risk_level: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
      }),
      response: { 200: Page(RiskInfo) },
    },
  }, async (request) => {
    const q = request.query;
    if (q.image_type !== 'cicd' && q.image_type !== 'registry') throw invalidParameter('hss', 'image_type must be cicd or registry');
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const filter = { projectId: request.params.project_id, scope, source: q.image_type, ...(q.image_id ? { imageId: q.image_id } : {}) } as const;
    const rows = [...(q.risk_name ? [{ column: 'image_build_risks.risk_name', contains: q.risk_name }] : []),
      ...(q.risk_level ? [{ column: 'image_build_risks.risk_level', equals: q.risk_level }] : [])];
    const { total, rows: risks } = await services.findings.buildRisksByRule(filter, rows, { offset: q.offset, limit: q.limit });
    return {
      total_num: total,
      data_list: risks.map((r) => ({
        latest_scan_time: Number(r.latest_scan_time ?? 0), image_num: Number(r.image_num), risk_id: r.rule_id, rule_id: r.rule_id,
        risk_name: String(r.risk_name ?? ''), risk_level: String(r.risk_level ?? ''), description: String(r.description ?? ''), image_type: q.image_type,
      })),
    };
  });
};
