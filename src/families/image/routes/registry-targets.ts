import { resourceNotFound } from '../../../server/errors.js';
import type { EnterpriseScope } from '../../../store/scope.js';
import type { ImageServices } from '../services.js';
import type { ImageRow } from '../tables.js';

/**
 * Registry images a CreateManualImageScanTask names: by their ListRegistryImages `id`, or, for "all images", every
 * synced image of the project matching the query (bounded). Each gets (or keeps) its image row, which the scan fills.
 */

export const MAX_REGISTRY_IMAGES = 10_000;

export async function namedRegistryImages(services: ImageServices, projectId: string, scope: EnterpriseScope, ids: readonly number[]): Promise<ImageRow[]> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return [];
  const found = services.registries ? await services.registries.imagesByIds(projectId, scope, wanted) : [];
  const known = new Set(found.map((r) => Number(r.id)));
  const unknown = wanted.filter((id) => !known.has(id));
  if (unknown.length > 0) throw resourceNotFound('hss', `registry image(s) ${unknown.slice(0, 5).join(', ')} do not exist in this project`);
  return services.registryScans.ensureRows(found);
}

export interface RegistryQuery { namespace?: string; imageName?: string; imageVersion?: string }

/** Gives every synced registry image matching the query its image row, so "all images" includes them. */
export async function ensureAllRegistryImages(services: ImageServices, projectId: string, scope: EnterpriseScope, query: RegistryQuery): Promise<void> {
  if (!services.registries) return;
  const { rows } = await services.registries.listImages(projectId, scope, query, { offset: 0, limit: MAX_REGISTRY_IMAGES });
  await services.registryScans.ensureRows(rows);
}
