import { X509Certificate } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { enterpriseFilter, huaweiRoute, ProjectParams } from '../../../api/common/routes.js';
import { RegistryError, registryBaseUrl } from '../../../engines/registry/index.js';
import { invalidParameter, resourceNotFound } from '../../../server/errors.js';
import {
  AddRegistryBody, AddRegistryResponse, IMAGE_TYPE_OF, ListRegistryImagesQuery, ListRegistryImagesResponse, ListRegistryQuery,
  ListRegistryResponse, ListSwrImageRepositoryQuery, ListSwrImageRepositoryResponse, REGISTRY_TYPES_OF_IMAGE, RegistryIdParams, ScopeQuery,
} from './schemas.js';
import { DuplicateRegistryName, type RegistryImageRow, type RegistryStore } from './store.js';
import type { RegistrySyncer } from './sync.js';
import { registryScanView, type RegistryScans, type RegistryScanView } from '../registry-scans.js';
import type { ImageRegistriesTable } from './tables.js';

export interface RegistryServices {
  registries: RegistryStore;
  syncer: RegistrySyncer;
  /** The image family's scans of registry images (without it every image shows as not scanned). */
  scans?: RegistryScans;
}

const route = (operationId: string, summary: string) => ({ config: huaweiRoute('hss'), operationId, summary });

/** A PEM bundle with at least one parseable certificate, or a 400. */
function checkCa(pem: string | undefined): string | null {
  if (pem === undefined) return null;
  try {
    new X509Certificate(pem);
  } catch {
    throw invalidParameter('hss', 'ca_cert is not a PEM certificate');
  }
  return pem;
}

function registryView(row: ImageRegistriesTable) {
  return {
    id: row.id, registry_name: row.name, registry_type: row.registry_type, api_version: row.api_version, protocol: row.protocol,
    registry_addr: row.address, registry_username: row.username, namespace: row.namespace ?? '', connect_cluster_id: row.connect_cluster_id,
    get_scan_image_channel: row.scan_channel, status: row.status, fail_reason: row.fail_reason ?? '', images_num: row.images_num,
    latest_sync_time: row.latest_sync_time ?? 0,
  };
}

/** A synced image with the scan columns of its image-family row (registry-scans.ts). */
function imageView(row: RegistryImageRow, scan: RegistryScanView) {
  const { severity_level: _severity, ...scanColumns } = scan;
  return {
    id: row.id, namespace: row.namespace, image_name: row.image_name, image_digest: row.image_digest,
    image_version: row.image_version, image_type: IMAGE_TYPE_OF[row.registry_type as keyof typeof IMAGE_TYPE_OF] ?? 'private_image',
    latest_version: row.image_version === 'latest', image_size: row.image_size, latest_update_time: row.latest_sync_time, ...scanColumns,
    domain_name: '', shared_status: '', scannable: true, instance_name: '', instance_id: '', instance_url: '', association_images: [],
  };
}

async function scanViews(scans: RegistryScans | undefined, rows: readonly RegistryImageRow[]): Promise<(row: RegistryImageRow) => RegistryScanView> {
  const found = scans ? await scans.rowsOf(rows.map((r) => Number(r.id))) : new Map();
  return (row) => registryScanView(found.get(Number(row.id)));
}

export const registryRoutes = ({ registries, syncer, scans }: RegistryServices): FastifyPluginAsyncTypebox => async (app) => {
  app.post('/v5/:project_id/image/registries', {
    config: huaweiRoute('hss'),
    schema: {
      ...route('AddRegistry', 'HSS AddRegistry: register a Harbor, JFrog or other Registry v2 registry (credentials stored encrypted); a sync starts'),
      tags: ['hss'], params: ProjectParams, querystring: ScopeQuery, body: AddRegistryBody, response: { 200: AddRegistryResponse },
    },
  }, async (request) => {
    const body = request.body;
    try {
      registryBaseUrl({ url: `${body.protocol}://${body.registry_addr}`, insecure: body.protocol === 'http' });
    } catch (err) {
      throw invalidParameter('hss', `registry_addr: ${err instanceof RegistryError ? err.message : 'not host[:port]'}`);
    }
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const requested = request.query.enterprise_project_id;
    const enterpriseProjectId = requested && requested !== 'all_granted_eps' ? requested : scope?.[0] ?? '0';
    let id: string;
    try {
      id = await registries.add({
        projectId: request.params.project_id, enterpriseProjectId, name: body.registry_name, registryType: body.registry_type,
        apiVersion: body.api_version, protocol: body.protocol, address: body.registry_addr, username: body.registry_username,
        password: body.registry_password, caPem: checkCa(body.ca_cert), namespace: body.namespace || null,
        connectClusterId: body.connect_cluster_id, scanChannel: body.get_scan_image_channel,
      });
    } catch (err) {
      if (err instanceof DuplicateRegistryName) throw invalidParameter('hss', `registry_name ${body.registry_name} is already registered`);
      throw err;
    }
    const row = await registries.get(request.params.project_id, id, null);
    if (row) void syncer.sync(row);
    return { id };
  });

  app.get('/v5/:project_id/image/registries', {
    config: huaweiRoute('hss'),
    schema: {
      ...route('ListRegistry', 'HSS ListRegistry: registered registries with their sync status (never the password)'),
      tags: ['hss'], params: ProjectParams, querystring: ListRegistryQuery, response: { 200: ListRegistryResponse },
    },
  }, async (request) => {
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const { total, rows } = await registries.list(request.params.project_id, scope, {
      name: q.registry_name, id: q.registry_id, registryType: q.registry_type, address: q.registry_addr, status: q.status,
    }, { offset: q.offset, limit: q.limit });
    return { total_num: total, data_list: rows.map(registryView) };
  });

  app.delete('/v5/:project_id/image/registries/:id', {
    config: huaweiRoute('hss'),
    schema: {
      ...route('DeleteRegistry', 'HSS DeleteRegistry: forget a registry, its credentials and its synced images'),
      tags: ['hss'], params: RegistryIdParams, querystring: ScopeQuery, response: { 200: Type.Object({}) },
    },
  }, async (request) => {
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    if (!(await registries.delete(request.params.project_id, request.params.id, scope))) throw resourceNotFound('hss', 'no such registry');
    return {};
  });

  app.post('/v5/:project_id/image/registries/:id/synchronize', {
    config: huaweiRoute('hss'),
    schema: {
      ...route('SynchronizeRegistry', 'Guardpost extension: walk the registry again (catalog, tags, manifests) and refresh its images'),
      tags: ['hss'], params: RegistryIdParams, querystring: ScopeQuery, response: { 200: Type.Object({}) },
    },
  }, async (request) => {
    const scope = enterpriseFilter(request, request.query.enterprise_project_id, 'hss');
    const row = await registries.get(request.params.project_id, request.params.id, scope);
    if (!row) throw resourceNotFound('hss', 'no such registry');
    void syncer.sync(row);
    return {};
  });

  app.get('/v5/:project_id/image/registries/images', {
    config: huaweiRoute('hss'),
    schema: {
      ...route('ListRegistryImages', 'HSS ListRegistryImages: images of the registered registries, from their latest sync'),
      tags: ['hss'], params: ProjectParams, querystring: ListRegistryImagesQuery, response: { 200: ListRegistryImagesResponse },
    },
  }, async (request) => {
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const { total, rows } = await registries.listImages(request.params.project_id, scope, {
      namespace: q.namespace, imageName: q.image_name, imageVersion: q.image_version, registryName: q.registry_name,
      registryTypes: q.image_type ? REGISTRY_TYPES_OF_IMAGE[q.image_type] : undefined, latestVersion: q.latest_version, isMultiArch: q.is_multarch,
    }, { offset: q.offset, limit: q.limit });
    const scanOf = await scanViews(scans, rows);
    return {
      total_num: total,
      data_list: rows.map((row) => ({
        ...imageView(row, scanOf(row)), registry_id: row.registry_id, registry_name: row.registry_name, registry_type: row.registry_type,
        latest_sync_time: row.latest_sync_time, scan_failed_code: scanOf(row).scan_failed_desc, is_multiple_arch: row.is_multiple_arch === 1,
        severity_level: scanOf(row).severity_level,
      })),
    };
  });

  app.get('/v5/:project_id/image/swr-repository', {
    config: huaweiRoute('hss'),
    schema: {
      ...route('ListSwrImageRepository', 'HSS ListSwrImageRepository: private_image = images of registered "Other" registries; Guardpost has no SWR'),
      tags: ['hss'], params: ProjectParams, querystring: ListSwrImageRepositoryQuery, response: { 200: ListSwrImageRepositoryResponse },
    },
  }, async (request) => {
    const q = request.query;
    const scope = enterpriseFilter(request, q.enterprise_project_id, 'hss');
    const { total, rows } = await registries.listImages(request.params.project_id, scope, {
      namespace: q.namespace, imageName: q.image_name, imageVersion: q.image_version, latestVersion: q.latest_version,
      registryTypes: REGISTRY_TYPES_OF_IMAGE[q.image_type] ?? [],
    }, { offset: q.offset, limit: q.limit });
    const scanOf = await scanViews(scans, rows);
    return { total_num: total, data_list: rows.map((row) => imageView(row, scanOf(row))) };
  });
};
