import { RegistryClient, pullImage, type PulledImage, type PullOptions, type RegistryLimits } from '../../../engines/registry/index.js';
import type { EnterpriseScope } from '../../../store/scope.js';
import type { RegistryStore } from './store.js';

export class RegistryImageNotFound extends Error {}

/**
 * Pulls one synced registry image (a ListRegistryImages `id`) into a fresh OCI layout directory `layoutDir`,
 * with the registry's own credentials, insecure flag and CA; the image family then scans the layout (scanImage /
 * openImage). Failures are RegistryErrors with their typed code (the image's `scan_failed_desc`).
 */
export async function pullRegistryImage(
  registries: RegistryStore, projectId: string, imageId: number, layoutDir: string,
  options: PullOptions & { scope?: EnterpriseScope; limits?: Partial<RegistryLimits> } = {},
): Promise<PulledImage & { repository: string; tag: string }> {
  const image = await registries.image(projectId, imageId, options.scope ?? null);
  if (!image) throw new RegistryImageNotFound(`no registry image ${imageId}`);
  const registry = await registries.get(projectId, image.registry_id, options.scope ?? null);
  if (!registry) throw new RegistryImageNotFound(`the registry of image ${imageId} is gone`);
  const repository = image.namespace ? `${image.namespace}/${image.image_name}` : image.image_name;
  const client = new RegistryClient(registries.endpointOf(registry), { limits: options.limits });
  const pulled = await pullImage(client, repository, image.image_version, layoutDir, { platform: options.platform, signal: options.signal });
  return { ...pulled, repository, tag: image.image_version };
}
