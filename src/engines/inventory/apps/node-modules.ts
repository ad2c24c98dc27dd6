import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { isRecord, PackageCollector, parseJson, stringField } from './common.js';

/** `node_modules/<name>/package.json` or `node_modules/@scope/<name>/package.json`, nothing deeper. */
const INSTALLED = /(?:^|\/)node_modules\/(?:@[^/.][^/]*\/)?[^/.@][^/]*\/package\.json$/;

/** Installed npm packages: the `package.json` of each package directory under a `node_modules`. */
export const nodeModulesExtractor: Extractor = {
  name: 'npm/node-modules',
  version: 1,
  maxFileBytes: 1024 * 1024,
  fileRequired(file: FileInfo): boolean {
    return INSTALLED.test(file.path);
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const manifest = parseJson(await input.read(), input.path);
    if (!isRecord(manifest)) throw new Error(`${input.path}: package.json is not an object`);
    const name = stringField(manifest, 'name');
    const version = stringField(manifest, 'version');
    if (!name || !version) return [];
    const out = new PackageCollector('npm', this.name, input.path);
    out.add(name, version);
    return out.packages;
  },
};
