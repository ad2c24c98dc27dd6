import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { Type, type TObject, type TSchema } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import { EXPORT_IMAGE_TYPES } from '../domain.js';
import type { FindingTableName, RowFilter } from '../finding-reads.js';
import type { ImageServices } from '../services.js';
import type { ImageRow, ImageTables } from '../tables.js';
import { Page, Paging, RegionHeader, Scope, Text } from './schemas.js';

/**
 * The per-image HSS data operations: ListImageMalware, ListImageApps, ListImageFiles, ShowImageFilesStat,
 * ListImageSensitive, ListImageNonCompliantApp and ListImageVulnerabilities. Each is one declaration in
 * FINDING_OPERATIONS (path, table, filters, record) over the image named by path `image_id` + `image_type`.
 */

const PER_IMAGE_TYPES: Readonly<Record<string, 'cicd' | 'local' | 'registry'>> = { ...EXPORT_IMAGE_TYPES, local: 'local', registry: 'registry' };

const Identify = { ...Scope, ...Paging, image_type: Type.String({ minLength: 1, maxLength: 32 }), namespace: Text(65_535), image_name: Text(65_535) };
const Params = Type.Object({ ...ProjectParams.properties, image_id: Type.String({ minLength: 1, maxLength: 256 }) });

type Query = Record<string, unknown> & { image_type: string; offset: number; limit: number; enterprise_project_id?: string };

interface FindingOperation<T extends FindingTableName> {
  operationId: string; path: string; summary: string; table: T;
  query: Record<string, TSchema>;
  filters(q: Query): RowFilter[];
  item: TObject;
  record(row: ImageTables[T], image: ImageRow): Record<string, unknown>;
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
const contains = (column: string, v: unknown): RowFilter[] => (str(v) ? [{ column, contains: str(v)! }] : []);
const equals = (column: string, v: unknown): RowFilter[] => (str(v) ? [{ column, equals: str(v)! }] : []);
const layerPosition = (index: number | null, digest: string) => (index === null ? 'config' : digest);

/** repair_necessity → the matcher's severity levels. */
const REPAIR: Readonly<Record<string, readonly string[]>> = {
  immediate_repair: ['Critical', 'High'], delay_repair: ['Medium'], not_needed_repair: ['Low', 'Unknown', ''],
};
const repairOf = (level: string) => (level === 'Critical' || level === 'High' ? 'immediate_repair' : level === 'Medium' ? 'delay_repair' : 'not_needed_repair');

const op = <T extends FindingTableName>(o: FindingOperation<T>) => o as unknown as FindingOperation<FindingTableName>;

export const FINDING_OPERATIONS: ReadonlyArray<FindingOperation<FindingTableName>> = [
  op({
    operationId: 'ListImageMalware', path: 'malwares', summary: 'malicious files of an image', table: 'image_malwares',
    query: { file_name: Text(65_535), tag_name: Text(65_535) }, filters: (q) => contains('file_name', q.file_name),
    item: Type.Object({ file_name: Type.String(), file_path: Type.String(), size: Type.Integer(), description: Type.String() }),
    record: (r) => ({ file_name: r.file_name, file_path: r.file_path, size: Number(r.size), description: r.description }),
  }),
  op({
    operationId: 'ListImageApps', path: 'apps', summary: 'software of an image', table: 'image_apps',
    query: { app_name: Text(65_535), tag_name: Text(65_535) }, filters: (q) => contains('app_name', q.app_name),
    item: Type.Object({ app_name: Type.String(), app_type: Type.String(), app_version: Type.String(), vul_num: Type.Integer() }),
    record: (r) => ({ app_name: r.app_name, app_type: r.app_type, app_version: r.app_version, vul_num: r.vul_num }),
  }),
  op({
    operationId: 'ListImageFiles', path: 'files', summary: 'files of an image owned by no package', table: 'image_files',
    query: { file_name: Text(256), tag_name: Text(256) }, filters: (q) => contains('file_name', q.file_name),
    item: Type.Object({ file_name: Type.String(), file_path: Type.String(), size: Type.Integer() }),
    record: (r) => ({ file_name: r.file_name, file_path: r.file_path, size: Number(r.size) }),
  }),
  op({
    operationId: 'ListImageSensitive', path: 'sensitive', summary: 'sensitive information in an image', table: 'image_sensitive',
    query: { image_version: Text(65_535), file_path: Text(65_535), severity: Text(16), handle_status: Text(16) },
    filters: (q) => [...contains('file_path', q.file_path), ...equals('severity', q.severity), ...(q.handle_status === 'handled' ? [{ none: true } as const] : [])],
    item: Type.Object({
      sensitive_info_id: Type.String(), severity: Type.String(), name: Type.String(), description: Type.String(), position: Type.String(),
      file_path: Type.String(), content: Type.String(), latest_scan_time: Type.Integer(), handle_status: Type.String(), operate_accept: Type.String(),
    }),
    record: (r, image) => ({
      sensitive_info_id: r.sensitive_info_id, severity: r.severity, name: r.name, description: r.description, position: r.position,
      file_path: r.file_path, content: r.content, latest_scan_time: Number(image.latest_scan_time ?? 0), handle_status: 'unhandled', operate_accept: 'do_not_ignore',
    }),
  }),
  op({
    operationId: 'ListImageNonCompliantApp', path: 'non-compliant-app', summary: 'non-compliant software of an image', table: 'image_non_compliant',
    query: { image_version: Text(65_535), app_name: Text(65_535) }, filters: (q) => contains('app_name', q.app_name),
    item: Type.Object({ id: Type.String(), app_name: Type.String(), app_path: Type.String(), app_version: Type.String(), layer_digest: Type.String() }),
    record: (r) => ({ id: `${r.image_row}-${r.seq}`, app_name: r.app_name, app_path: r.app_path, app_version: r.app_version, layer_digest: r.layer_digest }),
  }),
  op({
    operationId: 'ListImageVulnerabilities', path: 'vulnerabilities', summary: 'vulnerabilities of an image\'s software', table: 'image_vulns',
    query: { tag_name: Text(64), instance_id: Text(128), repair_necessity: Text(32), vul_id: Text(64), app_name: Text(64), type: Text(32), handle_status: Text(16) },
    filters: (q) => [
      ...contains('vul_id', q.vul_id), ...contains('app_name', q.app_name), ...equals('type', q.type),
      ...(str(q.repair_necessity) ? [{ column: 'severity_level', in: REPAIR[q.repair_necessity as string] ?? [] }] : []),
      ...(q.handle_status === 'handled' ? [{ none: true } as const] : []),
    ],
    item: Type.Object({
      app_name: Type.String(), app_path: Type.String(), description: Type.String(), position: Type.String(), repair_necessity: Type.String(),
      solution: Type.String(), url: Type.String(), version: Type.String(), vul_id: Type.String(),
    }),
    record: (r) => ({
      app_name: r.app_name, app_path: r.app_path, description: r.description.slice(0, 128), position: layerPosition(r.layer_index, r.layer_digest),
      repair_necessity: repairOf(r.severity_level), solution: r.fixed_version ? `upgrade ${r.app_name} to ${r.fixed_version}` : '',
      url: `https://osv.dev/vulnerability/${encodeURIComponent(r.vul_id)}`, version: r.app_version, vul_id: r.vul_id,
    }),
  }),
];

/** The image named by the path's `image_id` and the query's `image_type`, or a 400 not-found. */
export async function imageOf(services: ImageServices, request: FastifyRequest, projectId: string, imageId: string, query: { image_type: string; enterprise_project_id?: string }): Promise<ImageRow> {
  const source = PER_IMAGE_TYPES[query.image_type];
  if (!source) throw invalidParameter('hss', `image_type ${query.image_type} is not one of ${Object.keys(PER_IMAGE_TYPES).join(', ')}`);
  const scope = enterpriseFilter(request, query.enterprise_project_id, 'hss');
  const image = await services.reads.find(projectId, scope, imageId, source);
  if (!image) throw resourceNotFound('hss', `image ${imageId} (${query.image_type}) does not exist in this project`);
  return image;
}

export const findingRoutes = (services: ImageServices): FastifyPluginAsyncTypebox => async (app) => {
  for (const o of FINDING_OPERATIONS) {
    app.get(`/v5/:project_id/image/:image_id/${o.path}`, {
      config: huaweiRoute('hss'),
      schema: {
        operationId: o.operationId, tags: ['hss'], summary: `HSS ${o.operationId}: ${o.summary}`,
        params: Params, querystring: Type.Object({ ...Identify, ...o.query }), headers: RegionHeader, response: { 200: Page(o.item) },
      },
    }, async (request) => {
      const q = request.query as Query;
      const image = await imageOf(services, request, request.params.project_id, request.params.image_id, q);
      const { total, rows } = await services.findings.page(o.table, image.id, o.filters(q), { offset: q.offset, limit: q.limit });
      return { total_num: total, data_list: rows.map((r) => o.record(r, image)) };
    });
  }

  app.get('/v5/:project_id/image/:image_id/files-statistics', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ShowImageFilesStat', tags: ['hss'], summary: 'HSS ShowImageFilesStat: number and total size of an image\'s unowned files',
      params: Params, querystring: Type.Object({ ...Scope, image_type: Type.String({ minLength: 1, maxLength: 32 }), namespace: Text(256), image_name: Text(256), tag_name: Text(256) }),
      headers: RegionHeader, response: { 200: Type.Object({ total_files_num: Type.Integer(), total_files_size: Type.Integer() }) },
    },
  }, async (request) => {
    const image = await imageOf(services, request, request.params.project_id, request.params.image_id, request.query);
    return { total_files_num: image.files_num, total_files_size: Number(image.files_size) };
  });
};
