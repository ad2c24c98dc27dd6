import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, PackageCollector, textLines } from './common.js';

const MAX_HEADER_LINES = 5_000;

/**
 * Installed Python distributions: `*.dist-info/METADATA` (wheels), `*.egg-info/PKG-INFO` and
 * `EGG-INFO/PKG-INFO` (eggs), and a bare `*.egg-info` file (distutils). Only the RFC 822 header block is
 * read, for `Name:` and `Version:`.
 */
export const pythonMetadataExtractor: Extractor = {
  name: 'python/metadata',
  version: 1,
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
    for (const line of lines.slice(0, MAX_HEADER_LINES)) {
      if (line.trim() === '') break;
      const header = /^([A-Za-z][A-Za-z0-9-]*):\s*(.*)$/.exec(line);
      if (!header) continue;
      const key = header[1]?.toLowerCase();
      if (key === 'name' && name === undefined) name = header[2];
      else if (key === 'version' && version === undefined) version = header[2];
    }
    if (!name || !version) return [];
    const out = new PackageCollector('PyPI', this.name, input.path);
    out.add(name, version);
    return out.packages;
  },
};
