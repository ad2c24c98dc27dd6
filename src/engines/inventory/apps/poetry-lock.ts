import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, PackageCollector, textLines, unquote } from './common.js';

type Section = 'other' | 'package' | 'package-subtable';

/**
 * `poetry.lock`: the `name` and `version` keys of each `[[package]]` table, read by a minimal TOML reader
 * (sub-tables such as `[package.dependencies]` and the insides of multi-line strings are stepped over).
 */
export const poetryLockExtractor: Extractor = {
  name: 'python/poetry-lock',
  version: 1,
  maxFileBytes: 32 * 1024 * 1024,
  fileRequired(file: FileInfo): boolean {
    return baseName(file.path) === 'poetry.lock';
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const out = new PackageCollector('PyPI', this.name, input.path);
    let section: Section = 'other';
    let current: { name?: string; version?: string } = {};
    const flush = (): void => {
      if (current.name && current.version) out.add(current.name, current.version);
      current = {};
    };
    let inMultiline = false;
    for (const line of textLines(await input.read(), input.path)) {
      const quotes = (line.match(/"""|'''/g) ?? []).length;
      if (inMultiline || quotes > 0) {
        if (quotes % 2 === 1) inMultiline = !inMultiline;
        continue;
      }
      const trimmed = line.trim();
      if (trimmed.startsWith('[')) {
        flush(); // TOML puts a table's own keys before its sub-tables: any header ends them
        section = nextSection(trimmed, section);
        continue;
      }
      if (section !== 'package') continue;
      const pair = /^(name|version)\s*=\s*("[^"]*"|'[^']*')\s*$/.exec(trimmed);
      if (pair?.[1] === 'name') current.name = unquote(pair[2] ?? '');
      else if (pair?.[1] === 'version') current.version = unquote(pair[2] ?? '');
    }
    flush();
    return out.packages;
  },
};

function nextSection(header: string, section: Section): Section {
  if (header === '[[package]]') return 'package';
  if (/^\[\[?package\./.test(header) && section !== 'other') return 'package-subtable';
  return 'other';
}

