import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { baseName, isRecord, MiB, PackageCollector, splitNameAt, stringField, textLines, unquote } from './common.js';
import { parseLockYaml } from './yaml-doc.js';

/**
 * `yarn.lock`, both formats: classic v1 (its own text format, parsed line by line) and berry (YAML with a
 * `__metadata` entry). Only registry packages are reported: workspace, link, portal, file and git entries are
 * the project's own or unversioned code; a berry `patch:` wraps a registry package and reports that package.
 */
export const yarnLockExtractor: Extractor = {
  name: 'npm/yarn-lock',
  version: 1,
  maxFileBytes: 64 * MiB,
  fileRequired(file: FileInfo): boolean {
    return baseName(file.path) === 'yarn.lock';
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const text = (await input.read()).toString('utf8');
    const out = new PackageCollector('npm', this.name, input.path);
    if (/^__metadata:\s*$/m.test(text)) fromBerry(text, input.path, out);
    else fromClassic(textLines(Buffer.from(text), input.path), out);
    return out.packages;
  },
};

/** Classic: `"a@^1", a@^1.2:` headers at column 0, then `  version "1.2.3"`. */
function fromClassic(lines: string[], out: PackageCollector): void {
  let name: string | null = null;
  for (const line of lines) {
    if (line === '' || line.startsWith('#')) continue;
    if (!line.startsWith(' ')) {
      name = line.endsWith(':') ? classicName(line.slice(0, -1)) : null;
      continue;
    }
    const match = name ? /^ {2}version:? +"?([^"\s]+)"?\s*$/.exec(line) : null;
    if (match?.[1] && name) {
      out.add(name, match[1]);
      name = null;
    }
  }
}

function classicName(header: string): string | null {
  const first = unquote(header.split(/,\s*/)[0] ?? '');
  const spec = splitNameAt(first);
  if (!spec) return null;
  if (spec.rest.startsWith('npm:')) return splitNameAt(spec.rest.slice(4))?.name ?? spec.rest.slice(4);
  return isRegistryRange(spec.rest) ? spec.name : null;
}

function isRegistryRange(range: string): boolean {
  return !/^[a-z][a-z+]*:/i.test(range) && !range.includes('/');
}

function fromBerry(text: string, path: string, out: PackageCollector): void {
  const doc = parseLockYaml(text, path);
  if (!isRecord(doc)) throw new Error(`${path}: not a yarn lockfile (top level is not a mapping)`);
  for (const [key, entry] of Object.entries(doc)) {
    if (key === '__metadata' || !isRecord(entry)) continue;
    const version = stringField(entry, 'version');
    const resolution = stringField(entry, 'resolution') ?? unquote(key.split(/,\s*/)[0] ?? '');
    const name = berryRegistryName(resolution);
    if (name && version) out.add(name, version);
  }
}

/** `name@npm:1.2.3` → name; `name@patch:name@npm%3A1.2.3#…` → name; any other protocol → null. */
function berryRegistryName(resolution: string): string | null {
  const spec = splitNameAt(resolution);
  if (!spec) return null;
  if (spec.rest.startsWith('npm:')) return spec.name;
  if (!spec.rest.startsWith('patch:')) return null;
  let inner: string;
  try {
    inner = decodeURIComponent(spec.rest.slice('patch:'.length).split('#')[0] ?? '');
  } catch {
    return null;
  }
  const wrapped = splitNameAt(inner);
  return wrapped?.rest.startsWith('npm:') ? wrapped.name : null;
}
