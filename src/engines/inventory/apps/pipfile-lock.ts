import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, isRecord, PackageCollector, parseJson, stringField } from './common.js';

/** `Pipfile.lock`: the `default` and `develop` sections, `"version": "==1.2.3"`; git/path entries have no version. */
export const pipfileLockExtractor: Extractor = {
  name: 'python/pipfile-lock',
  version: 1,
  maxFileBytes: 16 * 1024 * 1024,
  fileRequired(file: FileInfo): boolean {
    return baseName(file.path) === 'Pipfile.lock';
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const lock = parseJson(await input.read(), input.path);
    if (!isRecord(lock)) throw new Error(`${input.path}: not a Pipfile.lock (top level is not an object)`);
    const out = new PackageCollector('PyPI', this.name, input.path);
    for (const section of ['default', 'develop']) {
      const deps = lock[section];
      if (!isRecord(deps)) continue;
      for (const [name, entry] of Object.entries(deps)) {
        const pin = isRecord(entry) ? stringField(entry, 'version') : undefined;
        if (pin?.startsWith('==')) out.add(name, pin.replace(/^===?/, ''));
      }
    }
    return out.packages;
  },
};
