import { anyOfLicenses, normalizeLicense } from '../../licence/index.js';
import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { isRecord, PackageCollector, parseJson, stringField } from './common.js';

/** `node_modules/<name>/package.json` or `node_modules/@scope/<name>/package.json`, nothing deeper. */
const INSTALLED = /(?:^|\/)node_modules\/(?:@[^/.][^/]*\/)?[^/.@][^/]*\/package\.json$/;

/** `"license": "MIT"`, the legacy `{ "type": "MIT" }` and `"licenses": [{ "type": … }]` (joined with OR). */
function manifestLicense(manifest: Record<string, unknown>): string {
  const typeOf = (v: unknown) => (typeof v === 'string' ? v : isRecord(v) ? stringField(v, 'type') : undefined);
  const single = typeOf(manifest.license);
  if (single) return normalizeLicense(single);
  const list = Array.isArray(manifest.licenses) ? manifest.licenses.map(typeOf).filter((t): t is string => !!t).slice(0, 16) : [];
  return anyOfLicenses(list);
}

/** Installed npm packages: the `package.json` of each package directory under a `node_modules`. */
export const nodeModulesExtractor: Extractor = {
  name: 'npm/node-modules',
  version: 2,
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
    out.add(name, version, input.path, manifestLicense(manifest));
    return out.packages;
  },
};
