import { anyOfLicenses, normalizeLicense } from '../../licence/index.js';
import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, PackageCollector, textLines } from './common.js';

const MAX_HEADER_LINES = 5_000;

/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels), `*.egg-info/PKG-INFO` and
 * `EGG-INFO/PKG-INFO` (eggs), and a bare `*.egg-info` file (distutils). Only the RFC 822 header block is
 * read, for `Name:`, `Version:` and the licence: `License-Expression:` (PEP 639), else a one-line `License:`,
 * else the `License ::` trove classifiers (several joined with OR).
 */
export const pythonMetadataExtractor: Extractor = {
  name: 'python/metadata',
  version: 2,
  maxFileBytes: 8 * 1024 * 1024,
  fileRequired(file: FileInfo): boolean {
    const path = file.path;
    if (path.endsWith('.dist-info/METADATA')) return true;
    if (path.endsWith('.egg-info/PKG-INFO') || path.endsWith('EGG-INFO/PKG-INFO')) return true;
    return baseName(path).endsWith('.egg-info') && path.includes('-packages/');
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const bytes = await input.read();
    const lines = textLines(bytes.subarray(0, 1024 * 1024), input.path, Number.MAX_SAFE_INTEGER);
    let name: string | undefined;
    let version: string | undefined;
    const licence = { expression: '', field: '', fieldIsText: false, classifiers: [] as string[] };
    let previousKey: string | undefined;
    for (const line of lines.slice(0, MAX_HEADER_LINES)) {
      if (line.trim() === '') break;
      if (/^\s/.test(line)) {
        if (previousKey === 'license') licence.fieldIsText = true;
        continue;
      }
      const header = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
      if (!header) continue;
      const key = header[1]?.toLowerCase();
      const value = header[2] ?? '';
      previousKey = key;
      if (key === 'name' && name === undefined) name = value;
      else if (key === 'version' && version === undefined) version = value;
      else if (key === 'license-expression' && !licence.expression) licence.expression = value;
      else if (key === 'license' && !licence.field) licence.field = value;
      else if (key === 'classifier' && value.startsWith('License ::')) licence.classifiers.push(value);
    }
    if (!name || !version) return [];
    const out = new PackageCollector('PyPI', this.name, input.path);
    out.add(name, version, input.path, metadataLicense(licence));
    return out.packages;
  },
};

/** The best licence statement of a METADATA header block, normalised; '' when none. */
function metadataLicense(licence: { expression: string; field: string; fieldIsText: boolean; classifiers: string[] }): string {
  if (licence.expression) return normalizeLicense(licence.expression);
  const field = licence.fieldIsText ? '' : normalizeLicense(licence.field);
  if (field) return field;
  const names = licence.classifiers
    .map((c) => c.split('::').map((p) => p.trim()))
    .filter((parts) => parts.length >= 3)
    .map((parts) => parts[parts.length - 1] ?? '')
    .slice(0, 16);
  return anyOfLicenses(names);
}
