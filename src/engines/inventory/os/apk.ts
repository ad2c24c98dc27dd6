import { normalizeLicense } from '../../licence/index.js';
import type { Extractor, InventoryPackage } from '../types.js';

const INSTALLED_DB = 'lib/apk/db/installed';

/**
 * apk's installed database: blocks of `K:value` lines separated by blank lines (`P` name, `V` version,
 * `A` arch, `o` origin = the source package, `L` licence). Without a detected OS the packages are reported under the bare
 * `Alpine` ecosystem.
 */
export const apkExtractor: Extractor = {
  name: 'os/apk',
  version: 2,
  maxFileBytes: 128 * 1024 * 1024,
  fileRequired: (file) => file.path === INSTALLED_DB,
  async extract(input) {
    const text = (await input.read()).toString('utf8');
    const ecosystem = input.os?.ecosystem ?? 'Alpine';
    const packages: InventoryPackage[] = [];
    for (const block of text.split(/\n\s*\n/)) {
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        // Only the first occurrence matters: file entries (F/R/Z…) repeat, the header keys do not.
        if (line.length >= 2 && line[1] === ':' && !fields.has(line[0] as string)) fields.set(line[0] as string, line.slice(2).trim());
      }
      const name = fields.get('P');
      const version = fields.get('V');
      if (!name || !version) continue;
      const pkg: InventoryPackage = { name, version, ecosystem, kind: 'os', location: input.path, extractor: apkExtractor.name };
      const origin = fields.get('o');
      if (origin) pkg.sourceName = origin;
      const arch = fields.get('A');
      if (arch) pkg.arch = arch;
      const license = normalizeLicense(fields.get('L') ?? '');
      if (license) pkg.license = license;
      packages.push(pkg);
    }
    return packages;
  },
};
