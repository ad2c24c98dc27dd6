import { RegistryClient, RegistryError, type RegistryLimits } from '../../../engines/registry/index.js';
import { MEDIA_TYPES } from '../../../engines/registry/index.js';
import type { RegistryStore, SyncedImage } from './store.js';
import type { ImageRegistriesTable } from './tables.js';

export interface SyncLimits {
  maxRepositories: number;
  maxTagsPerRepository: number;
  /** Images (repository + tag) stored per registry; the walk stops there. */
  maxImages: number;
  /** Whole sync, milliseconds. */
  timeoutMs: number;
}

export const DEFAULT_SYNC_LIMITS: SyncLimits = { maxRepositories: 1000, maxTagsPerRepository: 1000, maxImages: 10_000, timeoutMs: 10 * 60_000 };

const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList]);

/**
 * Walks a registered registry (catalog → tags → each tag's manifest, all bounded) and stores what it found as
 * the registry's images; the registry's status becomes `success`, or `fail` with the client's typed code. One
 * sync per registry at a time in this process.
 */
export class RegistrySyncer {
  private readonly running = new Map<string, Promise<void>>();
  private readonly limits: SyncLimits;

  constructor(private readonly store: RegistryStore, options: { limits?: Partial<SyncLimits>; clientLimits?: Partial<RegistryLimits> } = {}) {
    this.limits = { ...DEFAULT_SYNC_LIMITS, ...options.limits };
    this.clientLimits = options.clientLimits ?? {};
  }
  private readonly clientLimits: Partial<RegistryLimits>;

  /** Starts a sync unless one is running for this registry; resolves when it has ended (never rejects). */
  sync(registry: ImageRegistriesTable): Promise<void> {
    const current = this.running.get(registry.id);
    if (current) return current;
    const run = this.run(registry).finally(() => this.running.delete(registry.id));
    this.running.set(registry.id, run);
    return run;
  }

  /** Waits for every running sync (server shutdown, tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.running.values()]);
  }

  private async run(registry: ImageRegistriesTable): Promise<void> {
    try {
      await this.store.markAccessing(registry.id);
      const images = await this.walk(registry, AbortSignal.timeout(this.limits.timeoutMs));
      await this.store.recordSync(registry, images);
    } catch (err) {
      const typed = err instanceof RegistryError;
      const detail = typed ? err.message : 'internal error during the registry sync';
      await this.store.recordFailure(registry.id, typed ? 'REQUEST_API_ERROR' : 'SERVER_ERROR', detail).catch(() => undefined);
    }
  }

  private async walk(registry: ImageRegistriesTable, signal: AbortSignal): Promise<SyncedImage[]> {
    const client = new RegistryClient(this.store.endpointOf(registry), { limits: this.clientLimits });
    await client.ping(signal);
    const prefix = registry.namespace ? `${registry.namespace.replace(/\/+$/, '')}/` : '';
    const repositories = (await client.listRepositories(signal)).filter((r) => r.startsWith(prefix)).sort().slice(0, this.limits.maxRepositories);
    const images: SyncedImage[] = [];
    for (const repository of repositories) {
      const tags = (await client.listTags(repository, signal)).sort().slice(0, this.limits.maxTagsPerRepository);
      const slash = repository.lastIndexOf('/');
      const namespace = slash < 0 ? '' : repository.slice(0, slash);
      const imageName = slash < 0 ? repository : repository.slice(slash + 1);
      for (const tag of tags) {
        if (images.length >= this.limits.maxImages) return images;
        const manifest = await client.getManifest(repository, tag, signal);
        images.push({
          namespace, imageName, imageVersion: tag, imageDigest: manifest.digest,
          multiArch: INDEX_TYPES.has(manifest.mediaType), imageSize: imageSizeOf(manifest.bytes),
        });
      }
    }
    return images;
  }
}

/** Config + layer bytes of an image manifest (0 for an index: its size depends on the platform). */
function imageSizeOf(bytes: Buffer): number {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { config?: { size?: unknown }; layers?: Array<{ size?: unknown }> };
    if (!Array.isArray(parsed.layers)) return 0;
    const sizes = [parsed.config?.size, ...parsed.layers.map((l) => l.size)];
    return sizes.reduce<number>((sum, s) => sum + (typeof s === 'number' && Number.isSafeInteger(s) && s > 0 ? s : 0), 0);
  } catch {
    return 0;
  }
}
