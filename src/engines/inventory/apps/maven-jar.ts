import type { ExtractInput, Extractor, FileInfo, InventoryPackage } from '../types.js';
import { MiB, PackageCollector, textLines } from './common.js';
import { listZipEntries, readZipEntry, ZipLimitError, type ZipLimits } from './zip-reader.js';

const ARCHIVE = /\.(?:jar|war|ear)$/i;
const POM_PROPERTIES = /^META-INF\/maven\/[^/]+\/[^/]+\/pom\.properties$/;
/** The outer archive is depth 0; jars inside it are depth 1, jars inside those depth 2, no deeper. */
const MAX_NESTING = 2;
/** Bytes inflated from one file, all nested archives included. */
const MAX_INFLATED_PER_FILE = 256 * MiB;

const LIMITS: ZipLimits = { maxEntries: 50_000, maxEntryBytes: 64 * MiB, maxRatio: 100, ratioFloorBytes: MiB };
const PROPERTIES_LIMITS: ZipLimits = { ...LIMITS, maxEntryBytes: 256 * 1024 };

/**
 * Java archives: every `META-INF/maven/<group>/<artifact>/pom.properties` (name `group:artifact`, as OSV
 * names Maven packages), in the archive and in the jars it carries (`BOOT-INF/lib`, `WEB-INF/lib`, an ear's
 * modules), two levels deep. A nested package's location is `outer.jar!/BOOT-INF/lib/inner.jar`.
 */
export const mavenJarExtractor: Extractor = {
  name: 'java/archive',
  version: 1,
  maxFileBytes: 256 * MiB,
  fileRequired(file: FileInfo): boolean {
    return ARCHIVE.test(file.path);
  },
  async extract(input: ExtractInput): Promise<InventoryPackage[]> {
    const out = new PackageCollector('Maven', this.name, input.path);
    const budget = { inflated: 0 };
    try {
      scanArchive(await input.read(), input.path, 0, out, budget);
    } catch (err) {
      throw new Error(`${input.path}: ${(err as Error).message}`);
    }
    return out.packages;
  },
};

function scanArchive(zip: Buffer, location: string, depth: number, out: PackageCollector, budget: { inflated: number }): void {
  const read = (entry: Parameters<typeof readZipEntry>[1], limits: ZipLimits): Buffer => {
    if (budget.inflated + entry.uncompressedSize > MAX_INFLATED_PER_FILE) {
      throw new ZipLimitError(`more than ${MAX_INFLATED_PER_FILE} bytes would be inflated from this archive`);
    }
    const bytes = readZipEntry(zip, entry, limits);
    budget.inflated += bytes.length;
    return bytes;
  };
  for (const entry of listZipEntries(zip, LIMITS)) {
    if (!entry.safeName) continue;
    if (POM_PROPERTIES.test(entry.name)) {
      const props = parseProperties(read(entry, PROPERTIES_LIMITS), `${location}!/${entry.name}`);
      const { groupId, artifactId, version } = props;
      if (groupId && artifactId && version) out.add(`${groupId}:${artifactId}`, version, location);
    } else if (ARCHIVE.test(entry.name) && depth < MAX_NESTING) {
      const nestedLocation = `${location}!/${entry.name}`;
      try {
        scanArchive(read(entry, LIMITS), nestedLocation, depth + 1, out, budget);
      } catch (err) {
        if (err instanceof ZipLimitError) throw err;
        throw new Error(`nested archive ${entry.name}: ${(err as Error).message}`);
      }
    }
  }
}

/** Java `.properties`: `key=value` or `key: value`, `#`/`!` comments; enough for Maven's generated file. */
function parseProperties(bytes: Buffer, path: string): Record<string, string> {
  const props: Record<string, string> = {};
  for (const line of textLines(bytes, path, 10_000)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith('!')) continue;
    const match = /^([^=:\s]+)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (match?.[1] && match[2] !== undefined && !(match[1] in props)) props[match[1]] = match[2].trim();
  }
  return props;
}
