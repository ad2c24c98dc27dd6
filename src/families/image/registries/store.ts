import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newHexId, type SecretBox } from '../../../identity/secrets.js';
import type { RegistryEndpoint } from '../../../engines/registry/index.js';
import type { Database } from '../../../store/schema.js';
import { inScope, type EnterpriseScope } from '../../../store/scope.js';
import { containsText } from '../../../store/sql-helpers.js';
import type { ImageRegistriesTable, ImageRegistryImagesTable, RegistryDatabase, RegistryTables } from './tables.js';

export interface NewRegistry {
  projectId: string; enterpriseProjectId: string; name: string; registryType: string; apiVersion: string;
  protocol: 'http' | 'https'; address: string; username: string; password: string; caPem: string | null;
  namespace: string | null; connectClusterId: string; scanChannel: string;
}

export interface RegistryFilter {
  name?: string; id?: string; registryType?: string; address?: string; status?: string;
}

export interface RegistryImageFilter {
  namespace?: string; imageName?: string; imageVersion?: string; registryName?: string; registryTypes?: readonly string[];
  latestVersion?: boolean; isMultiArch?: boolean;
}

export interface SyncedImage { namespace: string; imageName: string; imageVersion: string; imageDigest: string; multiArch: boolean; imageSize: number }

export type RegistryImageRow = ImageRegistryImagesTable & { registry_name: string; registry_type: string; enterprise_project_id: string };

export class DuplicateRegistryName extends Error {}

/** A 53-bit id that stays the same for one registry + repository + tag across syncs. */
export function registryImageId(registryId: string, repository: string, tag: string): number {
  const digest = createHash('sha256').update(`${registryId}\0${repository}\0${tag}`).digest();
  return Number(digest.readBigUInt64BE(0) >> 11n) || 1;
}

/** SQL of registered image registries and the images their syncs found; credentials are sealed here. */
export class RegistryStore {
  private readonly db: Kysely<RegistryDatabase>;

  constructor(db: Kysely<Database>, private readonly box: SecretBox) {
    this.db = db.withTables<RegistryTables>();
  }

  async add(input: NewRegistry, now = Date.now()): Promise<string> {
    const taken = await this.db.selectFrom('image_registries').select('id').where('project_id', '=', input.projectId).where('name', '=', input.name).executeTakeFirst();
    if (taken) throw new DuplicateRegistryName(`a registry named ${input.name} exists`);
    const id = newHexId();
    await this.db.insertInto('image_registries').values({
      id, project_id: input.projectId, enterprise_project_id: input.enterpriseProjectId, name: input.name, registry_type: input.registryType,
      api_version: input.apiVersion, protocol: input.protocol, address: input.address, username: input.username,
      password_sealed: this.box.seal(input.password), ca_pem: input.caPem, namespace: input.namespace, connect_cluster_id: input.connectClusterId,
      scan_channel: input.scanChannel, status: 'accessing', fail_reason: null, fail_detail: null, images_num: 0, latest_sync_time: null, created_at: now,
    }).execute();
    return id;
  }

  async list(projectId: string, eps: EnterpriseScope, filter: RegistryFilter, page: { offset: number; limit: number }): Promise<{ total: number; rows: ImageRegistriesTable[] }> {
    let query = this.db.selectFrom('image_registries').where('project_id', '=', projectId).where(inScope('enterprise_project_id', eps));
    if (filter.id) query = query.where('id', '=', filter.id);
    if (filter.name) query = query.where(containsText('name', filter.name));
    if (filter.registryType) query = query.where('registry_type', '=', filter.registryType);
    if (filter.address) query = query.where(containsText('address', filter.address));
    if (filter.status) query = query.where('status', '=', filter.status);
    const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await query.selectAll().orderBy('created_at', 'desc').orderBy('id').offset(page.offset).limit(page.limit).execute();
    return { total: Number(total), rows };
  }

  async get(projectId: string, id: string, eps: EnterpriseScope): Promise<ImageRegistriesTable | undefined> {
    return this.db.selectFrom('image_registries').selectAll().where('project_id', '=', projectId).where('id', '=', id)
      .where(inScope('enterprise_project_id', eps)).executeTakeFirst();
  }

  async delete(projectId: string, id: string, eps: EnterpriseScope): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx.selectFrom('image_registries').select('id').where('project_id', '=', projectId).where('id', '=', id)
        .where(inScope('enterprise_project_id', eps)).executeTakeFirst();
      if (!row) return false;
      await trx.deleteFrom('image_registry_images').where('registry_id', '=', id).execute();
      await trx.deleteFrom('image_registries').where('id', '=', id).execute();
      return true;
    });
  }

  /** The client endpoint of a registry: the sealed password opened here and nowhere else. */
  endpointOf(row: ImageRegistriesTable): RegistryEndpoint {
    return {
      url: `${row.protocol}://${row.address}`, insecure: row.protocol === 'http', ...(row.ca_pem ? { ca: row.ca_pem } : {}),
      credentials: row.username || row.password_sealed ? { username: row.username, password: this.box.open(row.password_sealed) } : null,
    };
  }

  async markAccessing(id: string): Promise<void> {
    await this.db.updateTable('image_registries').set({ status: 'accessing' }).where('id', '=', id).execute();
  }

  /** Replaces the registry's images with what the sync found (ids are stable, so a re-sync keeps them). */
  async recordSync(registry: ImageRegistriesTable, images: readonly SyncedImage[], now = Date.now()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const still = await trx.selectFrom('image_registries').select('id').where('id', '=', registry.id).executeTakeFirst();
      if (!still) return;
      await trx.deleteFrom('image_registry_images').where('registry_id', '=', registry.id).execute();
      const rows = images.map((image) => ({
        id: registryImageId(registry.id, image.namespace ? `${image.namespace}/${image.imageName}` : image.imageName, image.imageVersion),
        registry_id: registry.id, project_id: registry.project_id, namespace: image.namespace, image_name: image.imageName,
        image_version: image.imageVersion, image_digest: image.imageDigest, is_multiple_arch: image.multiArch ? 1 : 0,
        image_size: image.imageSize, latest_sync_time: now,
      }));
      for (let i = 0; i < rows.length; i += 200) await trx.insertInto('image_registry_images').values(rows.slice(i, i + 200)).execute();
      await trx.updateTable('image_registries').set({ status: 'success', fail_reason: null, fail_detail: null, images_num: rows.length, latest_sync_time: now })
        .where('id', '=', registry.id).execute();
    });
  }

  /** Registries whose latest sync (or registration) is older than `before`, oldest first. */
  async dueForSync(before: number, limit: number): Promise<ImageRegistriesTable[]> {
    return this.db.selectFrom('image_registries').selectAll()
      .where((eb) => eb.or([eb('latest_sync_time', '<', before), eb.and([eb('latest_sync_time', 'is', null), eb('created_at', '<', before)])]))
      .orderBy('latest_sync_time').orderBy('id').limit(limit).execute();
  }

  /** Claims a due re-sync: moves latest_sync_time from the value seen to `now`; false when another replica claimed it first. */
  async claimSync(id: string, seen: number | null, now: number): Promise<boolean> {
    const result = await this.db.updateTable('image_registries').set({ latest_sync_time: now }).where('id', '=', id)
      .where((eb) => (seen === null ? eb('latest_sync_time', 'is', null) : eb('latest_sync_time', '=', seen))).executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }

  async recordFailure(id: string, reason: string, detail: string, now = Date.now()): Promise<void> {
    await this.db.updateTable('image_registries').set({ status: 'fail', fail_reason: reason, fail_detail: detail.slice(0, 1000), latest_sync_time: now })
      .where('id', '=', id).execute();
  }

  async image(projectId: string, id: number, eps: EnterpriseScope): Promise<ImageRegistryImagesTable | undefined> {
    return this.db.selectFrom('image_registry_images as i').innerJoin('image_registries as r', 'r.id', 'i.registry_id').selectAll('i')
      .where('i.project_id', '=', projectId).where('i.id', '=', id).where(inScope('r.enterprise_project_id', eps)).executeTakeFirst();
  }

  /** The synced images `ids` of the project (in scope), with their registry's name, type and enterprise project. */
  async imagesByIds(projectId: string, eps: EnterpriseScope, ids: readonly number[]): Promise<RegistryImageRow[]> {
    if (ids.length === 0) return [];
    return this.db.selectFrom('image_registry_images as i').innerJoin('image_registries as r', 'r.id', 'i.registry_id').selectAll('i')
      .select(['r.name as registry_name', 'r.registry_type as registry_type', 'r.enterprise_project_id as enterprise_project_id'])
      .where('i.project_id', '=', projectId).where('i.id', 'in', [...ids]).where(inScope('r.enterprise_project_id', eps)).execute();
  }

  async listImages(projectId: string, eps: EnterpriseScope, filter: RegistryImageFilter, page: { offset: number; limit: number }): Promise<{ total: number; rows: RegistryImageRow[] }> {
    let query = this.db.selectFrom('image_registry_images as i').innerJoin('image_registries as r', 'r.id', 'i.registry_id')
      .where('i.project_id', '=', projectId).where(inScope('r.enterprise_project_id', eps));
    if (filter.namespace) query = query.where(containsText('i.namespace', filter.namespace));
    if (filter.imageName) query = query.where(containsText('i.image_name', filter.imageName));
    if (filter.imageVersion) query = query.where(containsText('i.image_version', filter.imageVersion));
    if (filter.registryName) query = query.where(containsText('r.name', filter.registryName));
    if (filter.registryTypes) query = filter.registryTypes.length ? query.where('r.registry_type', 'in', [...filter.registryTypes]) : query.where('r.id', '=', '');
    if (filter.latestVersion) query = query.where('i.image_version', '=', 'latest');
    if (filter.isMultiArch !== undefined) query = query.where('i.is_multiple_arch', '=', filter.isMultiArch ? 1 : 0);
    const { total } = await query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow();
    const rows = await query.selectAll('i').select(['r.name as registry_name', 'r.registry_type as registry_type', 'r.enterprise_project_id as enterprise_project_id'])
      .orderBy('i.namespace').orderBy('i.image_name').orderBy('i.image_version').offset(page.offset).limit(page.limit).execute();
    return { total: Number(total), rows };
  }
}
