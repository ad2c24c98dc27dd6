import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import type { ImageFilter } from '../image-filter.js';
import { launchManualScan } from '../scan-planner.js';
import { ensureAllRegistryImages, namedRegistryImages } from './registry-targets.js';
import type { ImageServices } from '../services.js';
import type { ImageRow } from '../tables.js';
import { taskStatusOf, type TaskView } from '../task-reads.js';
import { Ms, Page, Paging, RegionHeader, Scope, Text } from './schemas.js';

/** HSS image scans: CreateManualImageScanTask, BatchScanLocalImage, ListImageScanTask, StopImageScanTask. */

const I = Type.Integer();
const ImageInfo = Type.Object({
  id: Type.Optional(Type.Integer({ minimum: 0 })), image_digest: Text(128), image_id: Text(128),
  image_name: Type.Optional(Type.String({ minLength: 0, maxLength: 256 })), image_version: Type.Optional(Type.String({ minLength: 0, maxLength: 256 })),
  instance_id: Text(128), instance_url: Text(256), namespace: Text(256), registry_id: Text(256), registry_name: Text(128), registry_type: Text(256),
});
const QueryInfo = Type.Object({
  app_name: Text(256), cluster_id: Text(128), container_id: Text(128), container_name: Text(128), end_latest_scan_time: Ms, end_latest_update_time: Ms,
  has_vul: Type.Optional(Type.Boolean()), host_id: Text(128), host_name: Text(128), image_name: Text(256), image_size: Ms, image_type: Text(128),
  image_version: Text(256), local_image_type: Text(128), namespace: Text(256), pod_id: Text(64), pod_name: Text(512), private_ip: Text(128),
  public_ip: Text(128), scan_status: Text(32), start_latest_scan_time: Ms, start_latest_update_time: Ms,
});
const CreateBody = Type.Object({
  image_info: Type.Optional(Type.Array(ImageInfo, { maxItems: 10_000 })), is_all: Type.Optional(Type.Boolean()), query_info: Type.Optional(QueryInfo),
  rate_limit: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })), scan_scope: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
});
const LocalImageInfo = Type.Object({ image_digest: Text(128), image_id: Text(128), image_name: Text(128), image_version: Text(128) });
const BatchLocalBody = Type.Object({
  image_info_list: Type.Optional(Type.Array(LocalImageInfo, { minItems: 1, maxItems: 500 })), operate_all: Type.Optional(Type.Boolean()),
  image_name: Text(256), image_version: Text(256), local_image_type: Text(64), scan_status: Text(32), image_size: Ms,
  start_latest_update_time: Ms, end_latest_update_time: Ms, start_latest_scan_time: Ms, end_latest_scan_time: Ms, has_vul: Type.Optional(Type.Boolean()),
});

const FailedImage = Type.Object({
  id: I, registry_id: Type.String(), registry_name: Type.String(), image_name: Type.String(), image_version: Type.String(),
  namespace: Type.String(), registry_type: Type.String(), failed_reason: Type.String(),
});
const TaskInfo = Type.Object({
  task_id: Type.String(), policy_id: Type.String(), task_name: Type.String(), begin_time: I, end_time: I, remain_min: I, task_type: Type.String(),
  image_type: Type.String(), task_status: I, scan_scope: I, rate_limit: I, is_all: Type.Boolean(), failed_num: I, success_num: I, total_num: I,
  risky_num: I, sync_task_type: Type.String(), failed_reason: Type.String(), failed_images: Type.Array(FailedImage),
});

const taskInfo = (v: TaskView) => ({
  task_id: v.task_id, policy_id: '', task_name: v.task_name, begin_time: v.begin_time, end_time: v.end_time ?? 0,
  remain_min: v.end_time === null ? Math.max(1, v.total - v.done) : 0, task_type: v.task_type, image_type: v.image_type,
  task_status: taskStatusOf(v), scan_scope: v.scan_scope, rate_limit: v.rate_limit, is_all: v.is_all === 1, failed_num: v.failed,
  success_num: v.success, total_num: v.total, risky_num: v.risky, sync_task_type: '', failed_reason: v.cancelled ? 'stopped by user' : '',
  failed_images: v.failedImages.map((f) => ({ id: 0, registry_id: '', registry_name: '', registry_type: '', ...f })),
});

/** The named images (by config digest or image id), every one known, or a 400 naming the unknown ones. */
async function namedImages(services: ImageServices, filter: ImageFilter, ids: readonly string[]): Promise<ImageRow[]> {
  const wanted = [...new Set(ids.filter(Boolean))];
  if (wanted.length === 0) throw invalidParameter('hss', 'name at least one image (image_id or image_digest)');
  const rows = await services.reads.byRowIds(await services.reads.rowIds({ ...filter, imageIds: wanted }, 10_000));
  const found = new Set(rows.map((r) => r.image_id));
  const unknown = wanted.filter((id) => !found.has(id));
  if (unknown.length > 0) throw resourceNotFound('hss', `image(s) ${unknown.slice(0, 5).join(', ')} do not exist in this project`);
  return rows;
}

export const taskRoutes = (services: ImageServices): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v5/:project_id/image/image-scan/tasks', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'CreateManualImageScanTask', tags: ['hss'], summary: 'HSS CreateManualImageScanTask: scan local or registry / CI/CD images now',
      params: ProjectParams, headers: RegionHeader, body: Type.Optional(CreateBody),
      querystring: Type.Object({ ...Scope, global_image_type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^(local|registry)$' })) }),
    },
  }, async (request, reply) => {
    const { project_id: projectId } = request.params;
    const kind = request.query.global_image_type === 'local' ? 'local' : 'registry';
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const body = request.body ?? {};
    const qi = body.query_info ?? {};
    const filter: ImageFilter = {
      projectId, scope, source: kind, imageName: qi.image_name || undefined, imageVersion: qi.image_version || undefined,
      namespace: qi.namespace || undefined, hostId: qi.host_id || undefined, scanStatus: qi.scan_status || undefined, hasVul: qi.has_vul,
    };
    if (kind === 'registry') delete filter.source;
    let images: ImageRow[] | null = null;
    if (body.is_all && kind === 'registry') {
      await ensureAllRegistryImages(services, projectId, scope, { namespace: filter.namespace, imageName: filter.imageName, imageVersion: filter.imageVersion });
    } else if (!body.is_all) {
      // Registry images are named by their ListRegistryImages id; CI/CD (and scanned) images by image_id / image_digest.
      const infos = body.image_info ?? [];
      const byRegistryId = kind === 'registry' ? infos.filter((i) => i.id) : [];
      const rest = infos.filter((i) => !byRegistryId.includes(i));
      images = [
        ...await namedRegistryImages(services, projectId, scope, byRegistryId.map((i) => i.id ?? 0)),
        ...(rest.length > 0 || byRegistryId.length === 0 ? await namedImages(services, filter, rest.map((i) => i.image_id || i.image_digest || '')) : []),
      ];
    }
    await launchManualScan(services, {
      projectId, scope, kind, images, filter, scanScope: body.scan_scope, rateLimit: body.rate_limit, createdBy: request.principal?.userId ?? 'unknown',
    });
    return reply.send({});
  });

  app.post('/v5/:project_id/image/local/batch-scan', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'BatchScanLocalImage', tags: ['hss'], summary: 'HSS BatchScanLocalImage: scan local images on their hosts',
      params: ProjectParams, headers: RegionHeader, querystring: Type.Object(Scope), body: BatchLocalBody,
    },
  }, async (request, reply) => {
    const { project_id: projectId } = request.params;
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const b = request.body;
    const filter: ImageFilter = {
      projectId, scope, source: 'local', imageName: b.image_name || undefined, imageVersion: b.image_version || undefined,
      scanStatus: b.scan_status || undefined, hasVul: b.has_vul,
    };
    if (!b.operate_all && !b.image_info_list) throw invalidParameter('hss', 'image_info_list is required unless operate_all is true');
    const images = b.operate_all ? null : await namedImages(services, filter, (b.image_info_list ?? []).map((i) => i.image_id || i.image_digest || ''));
    await launchManualScan(services, { projectId, scope, kind: 'local', images, filter, createdBy: request.principal?.userId ?? 'unknown' });
    return reply.send({});
  });

  app.get('/v5/:project_id/image/tasks', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'ListImageScanTask', tags: ['hss'], summary: 'HSS ListImageScanTask: image scan tasks and their progress',
      params: ProjectParams, headers: RegionHeader,
      querystring: Type.Object({
        ...Scope, ...Paging, type: Type.String({ minLength: 1, maxLength: 32 }), global_image_type: Text(32), task_type: Text(32),
        task_name: Text(256), task_id: Text(256), create_time: Ms, end_time: Ms, task_status: Text(32), scan_scope: Type.Optional(Type.Integer({ minimum: 0 })),
      }),
      response: { 200: Page(TaskInfo) },
    },
  }, async (request) => {
    const q = request.query;
    if (q.type !== 'image_scan' && q.type !== 'image_sync') throw invalidParameter('hss', 'type must be image_scan or image_sync');
    if (q.type === 'image_sync') return { total_num: 0, data_list: [] };
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const status = q.task_status === 'scanning' || q.task_status === 'finished' ? q.task_status : undefined;
    const { total, rows } = await services.taskReads.list({
      projectId: request.params.project_id, scope, imageType: q.global_image_type || undefined, taskType: q.task_type || undefined,
      taskName: q.task_name || undefined, taskId: q.task_id || undefined, createdFrom: q.create_time || undefined, endedBy: q.end_time || undefined,
      status, scanScope: q.scan_scope,
    }, { offset: q.offset, limit: q.limit });
    return { total_num: total, data_list: rows.map(taskInfo) };
  });

  app.put('/v5/:project_id/image/image-scan/tasks/:task_id/stop', {
    config: huaweiRoute('hss'),
    schema: {
      operationId: 'StopImageScanTask', tags: ['hss'], summary: 'HSS StopImageScanTask: stop an image scan task',
      params: Type.Object({ ...ProjectParams.properties, task_id: Type.String({ minLength: 1, maxLength: 64 }) }),
      headers: RegionHeader, querystring: Type.Object(Scope),
    },
  }, async (request, reply) => {
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const task = await services.taskReads.task(request.params.project_id, scope, request.params.task_id);
    if (!task) throw resourceNotFound('hss', `image scan task ${request.params.task_id} does not exist in this project`);
    if (task.cancel_requested_at === null) {
      await services.core.tasks.cancelTask(task.task_id, 'stopped by user');
      await services.images.stopped(task.task_id);
    }
    return reply.send({});
  });
};
