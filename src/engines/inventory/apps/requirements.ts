import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, PackageCollector, textLines } from './common.js';

/** `name==1.2.3` or `name===1.2.3`, optional `[extras]`, nothing else before the marker `;`. */
const PINNED = /^([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*(?:\[[^\]]*\])?\s*===?\s*([A-Za-z0-9][A-Za-z0-9.+!_-]*)$/;

/**
 * Pinned `requirements*.txt` (also `*-requirements.txt` and `requirements/*.txt`): only exact pins are
 * packages; ranges, wildcards, `-r`/`-e`/option lines, URLs and comments are ignored; hashes, environment
 * markers and extras are stripped.
 */
export const requirementsExtractor: Extractor = {
  name: 'python/requirements',
  version: 1,
  maxFileBytes: 16 * 1024 * 1024,
  fileRequired(file: FileInfo): boolean {
    const name = baseName(file.path);
    if (!name.endsWith('.txt')) return false;
    return name.startsWith('requirements') || name.endsWith('-requirements.txt') || /(?:^|\/)requirements\/[^/]+$/.test(file.path);
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const out = new PackageCollector('PyPI', this.name, input.path);
    for (const line of logicalLines(textLines(await input.read(), input.path))) {
      const pin = PINNED.exec(requirementPart(line));
      if (pin?.[1] && pin[2]) out.add(pin[1], pin[2]);
    }
    return out.packages;
  },
};

/** Joins `\`-continued lines and drops comments (`#` at the start or after whitespace). */
function* logicalLines(lines: string[]): Generator<string> {
  let pending = '';
  for (const raw of lines) {
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    yield pending + line;
    pending = '';
  }
  if (pending) yield pending;
}

/** The requirement without its marker (`; python_version < "3"`) and per-requirement options (`--hash=…`). */
function requirementPart(line: string): string {
  const trimmed = line.trim();
  if (trimmed.startsWith('-')) return '';
  return (trimmed.split(';')[0] ?? '').replace(/\s--?[a-z][a-z-]*(?:[= ]\S+)?/g, '').trim();
}
