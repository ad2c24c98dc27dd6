import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, isRecord, MiB, PackageCollector, splitNameAt, stringField } from './common.js';
import { parseLockYaml } from './yaml-doc.js';

/**
 * `pnpm-lock.yaml`: the `packages` map. Keys are `/name/1.0.0_peer@2` (lockfile v5), `/name@1.0.0(peer@2)`
 * (v6) or `name@1.0.0` (v9), scoped names included; an entry's own `name`/`version` wins when present.
 * Non-registry versions (`link:`, `file:`, tarball URLs, git) are skipped.
 */
export const pnpmLockExtractor: Extractor = {
  name: 'npm/pnpm-lock',
  version: 1,
  maxFileBytes: 64 * MiB,
  fileRequired(file: FileInfo): boolean {
    return baseName(file.path) === 'pnpm-lock.yaml';
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const doc = parseLockYaml((await input.read()).toString('utf8'), input.path);
    if (!isRecord(doc)) throw new Error(`${input.path}: not a pnpm lockfile (top level is not a mapping)`);
    const out = new PackageCollector('npm', this.name, input.path);
    if (!isRecord(doc.packages)) return [];
    const lockVersion = Number.parseFloat(stringField(doc, 'lockfileVersion') ?? '');
    for (const [key, entry] of Object.entries(doc.packages)) {
      const own = isRecord(entry) ? { name: stringField(entry, 'name'), version: stringField(entry, 'version') } : {};
      const parsed = parseKey(key, lockVersion);
      const name = own.name ?? parsed?.name;
      const version = own.version ?? parsed?.version;
      if (name && version && /^\d/.test(version)) out.add(name, version);
    }
    return out.packages;
  },
};

function parseKey(key: string, lockVersion: number): { name: string; version: string } | null {
  const path = key.startsWith('/') ? key.slice(1) : key;
  const lastSlash = path.lastIndexOf('/');
  const slashForm = Number.isNaN(lockVersion) ? /^\d/.test(path.slice(lastSlash + 1)) : lockVersion < 6;
  if (slashForm) {
    if (lastSlash <= 0) return null;
    return { name: path.slice(0, lastSlash), version: (path.slice(lastSlash + 1).split('_')[0] ?? '') };
  }
  const spec = splitNameAt(path.split('(')[0] ?? '');
  return spec ? { name: spec.name, version: spec.rest } : null;
}
