import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, isRecord, MiB, PackageCollector, parseJson, splitNameAt, stringField } from './common.js';

const MAX_V1_DEPTH = 64;

/**
 * `package-lock.json` / `npm-shrinkwrap.json`: v2/v3 from the `packages` map (the root `""`, links and
 * workspace folders skipped; the name from the last `node_modules/` segment when `name` is absent), v1 from
 * the nested `dependencies` tree. A `package-lock.json` inside `node_modules` is ignored, as npm ignores it.
 */
export const npmLockExtractor: Extractor = {
  name: 'npm/package-lock',
  version: 1,
  maxFileBytes: 64 * MiB,
  fileRequired(file: FileInfo): boolean {
    const name = baseName(file.path);
    if (name === 'npm-shrinkwrap.json') return true;
    return name === 'package-lock.json' && !`/${file.path}`.includes('/node_modules/');
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const lock = parseJson(await input.read(), input.path);
    if (!isRecord(lock)) throw new Error(`${input.path}: not an npm lockfile (top level is not an object)`);
    const out = new PackageCollector('npm', this.name, input.path);
    if (isRecord(lock.packages)) fromPackagesMap(lock.packages, out);
    else if (isRecord(lock.dependencies)) fromDependencyTree(lock.dependencies, out, 0);
    else throw new Error(`${input.path}: not an npm lockfile (no "packages" or "dependencies")`);
    return out.packages;
  },
};

function fromPackagesMap(packages: Record<string, unknown>, out: PackageCollector): void {
  for (const [key, entry] of Object.entries(packages)) {
    if (key === '' || !isRecord(entry) || entry.link === true) continue;
    const marker = key.lastIndexOf('node_modules/');
    if (marker < 0) continue; // a workspace folder: the project's own code
    const name = stringField(entry, 'name') ?? key.slice(marker + 'node_modules/'.length);
    const version = stringField(entry, 'version');
    if (version && isRegistryVersion(version)) out.add(name, version);
  }
}

function fromDependencyTree(deps: Record<string, unknown>, out: PackageCollector, depth: number): void {
  if (depth > MAX_V1_DEPTH) throw new Error(`dependency tree deeper than ${MAX_V1_DEPTH} levels`);
  for (const [key, entry] of Object.entries(deps)) {
    if (!isRecord(entry)) continue;
    const version = stringField(entry, 'version');
    if (version) {
      const alias = version.startsWith('npm:') ? splitNameAt(version.slice(4)) : null;
      if (alias) out.add(alias.name, alias.rest);
      else if (isRegistryVersion(version)) out.add(key, version);
    }
    if (isRecord(entry.dependencies)) fromDependencyTree(entry.dependencies, out, depth + 1);
  }
}

/** Git, tarball-URL and `file:` versions name no registry release. */
function isRegistryVersion(version: string): boolean {
  return !version.includes(':') && !version.includes('/');
}
