import { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { BlobStore } from '../../blobs/blob-store.js';
import { baseEcosystem } from '../../engines/vuln/package-keys.js';
import type { Database } from '../../store/schema.js';
import { inventoryBlobKey } from './domain.js';
import { decodeInventory, encodeInventory, MAX_INVENTORY_UPLOAD_BYTES, type StoredInventory } from './inventory-format.js';
import type { VulScanDatabase, VulScanTables } from './tables.js';

/**
 * The latest inventory of every host: the gzipped JSON in the blob store (under a key of its own, so task
 * retention never removes it), a `vul_inventories` row, and the base ecosystems it holds packages of, which is
 * what a re-match after an import selects hosts by.
 */

export interface InventoryRef { host_id: string; project_id: string; blob_key: string }

/** Reads a stream fully, refusing more than `maxBytes`. */
export async function readBounded(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    size += buffer.length;
    if (size > maxBytes) {
      body.destroy();
      throw new Error(`inventory is larger than ${maxBytes} bytes compressed`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

export class InventoryStore {
  private readonly db: Kysely<VulScanDatabase>;

  constructor(db: Kysely<Database>, private readonly blobs: BlobStore) {
    this.db = db.withTables<VulScanTables>();
  }

  /** Makes `inventory` the host's latest: blob first, then the rows (one transaction), so a row never points at a missing blob. */
  async save(projectId: string, hostId: string, agentId: string, inventory: StoredInventory): Promise<void> {
    const key = inventoryBlobKey(projectId, hostId);
    await this.blobs.put(key, Readable.from([await encodeInventory(inventory)]), { maxBytes: MAX_INVENTORY_UPLOAD_BYTES });
    const ecosystems = [...new Set(inventory.packages.map((p) => baseEcosystem(p.ecosystem)))].sort();
    const row = {
      project_id: projectId, agent_id: agentId, blob_key: key, os: inventory.os?.ecosystem ?? inventory.os?.prettyName ?? null,
      package_count: inventory.packages.length, scan_types: JSON.stringify(inventory.scan_types), collected_at: inventory.collected_at,
      matched_at: null,
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('vul_inventories').values({ host_id: hostId, ...row })
        .onConflict((oc) => oc.column('host_id').doUpdateSet(row)).execute();
      await trx.deleteFrom('vul_inventory_ecosystems').where('host_id', '=', hostId).execute();
      if (ecosystems.length > 0) await trx.insertInto('vul_inventory_ecosystems').values(ecosystems.map((ecosystem) => ({ host_id: hostId, ecosystem }))).execute();
    });
  }

  /** The stored inventory behind a reference (checked like an upload), or null when its blob is gone. */
  async load(ref: Pick<InventoryRef, 'blob_key'>): Promise<StoredInventory | null> {
    const body = await this.blobs.get(ref.blob_key);
    if (!body) return null;
    return decodeInventory(await readBounded(body, MAX_INVENTORY_UPLOAD_BYTES));
  }

  /** Hosts with packages of any of these base ecosystems, in host id order after `afterHostId`, at most `limit`. */
  hostsWithEcosystems(ecosystems: readonly string[], afterHostId: string, limit: number): Promise<InventoryRef[]> {
    if (ecosystems.length === 0) return Promise.resolve([]);
    return this.db.selectFrom('vul_inventories as i').select(['i.host_id', 'i.project_id', 'i.blob_key'])
      .where('i.host_id', '>', afterHostId)
      .where((eb) => eb.exists(eb.selectFrom('vul_inventory_ecosystems as e').select('e.host_id')
        .whereRef('e.host_id', '=', 'i.host_id').where('e.ecosystem', 'in', [...ecosystems])))
      .orderBy('i.host_id').limit(limit).execute();
  }

  async countWithEcosystems(ecosystems: readonly string[]): Promise<number> {
    if (ecosystems.length === 0) return 0;
    const row = await this.db.selectFrom('vul_inventory_ecosystems').select((eb) => eb.fn.count<number>('host_id').distinct().as('n'))
      .where('ecosystem', 'in', [...ecosystems]).executeTakeFirst();
    return Number(row?.n ?? 0);
  }

  async markMatched(hostId: string, now = Date.now()): Promise<void> {
    await this.db.updateTable('vul_inventories').set({ matched_at: now }).where('host_id', '=', hostId).execute();
  }

  /**
   * Ids of the imports that finished at or after `since` and changed any of these base ecosystems. A match takes
   * them before reading advisories and again after writing: an import that appears only in the second set
   * committed while the host was matched, and its re-match may already have run, so the host must be matched
   * again rather than left with results from older advisories.
   */
  async importsFinishedSince(since: number, ecosystems: ReadonlySet<string>): Promise<Set<string>> {
    if (ecosystems.size === 0) return new Set();
    const rows = await this.db.selectFrom('vul_imports').select(['id', 'changed_ecosystems'])
      .where('finished_at', '>=', since).orderBy('finished_at', 'desc').limit(1000).execute();
    return new Set(rows.filter((row) => parseEcosystems(row.changed_ecosystems).some((e) => ecosystems.has(e))).map((row) => row.id));
  }

  /** The import's changed base ecosystems, or null when there is no such import. */
  async changedEcosystems(importId: string): Promise<string[] | null> {
    const row = await this.db.selectFrom('vul_imports').select('changed_ecosystems').where('id', '=', importId).executeTakeFirst();
    return row ? parseEcosystems(row.changed_ecosystems) : null;
  }
}

function parseEcosystems(json: string | null): string[] {
  try {
    const value: unknown = JSON.parse(json ?? '[]');
    return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The base ecosystems an inventory holds packages of (what imports are compared with). */
export function inventoryEcosystems(inventory: StoredInventory): Set<string> {
  return new Set(inventory.packages.map((p) => baseEcosystem(p.ecosystem)));
}
