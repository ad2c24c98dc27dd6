import type { Extractor, InventoryPackage, OsInfo } from '../types.js';

const STATUS_FILE = 'var/lib/dpkg/status';
const STATUS_DIR = 'var/lib/dpkg/status.d/';

/** One deb822 paragraph: field names lower-cased, continuation lines joined with newlines. */
export function parseDeb822(text: string): Array<Map<string, string>> {
  const paragraphs: Array<Map<string, string>> = [];
  let current = new Map<string, string>();
  let lastKey: string | null = null;
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (current.size > 0) paragraphs.push(current);
      current = new Map();
      lastKey = null;
    } else if ((line.startsWith(' ') || line.startsWith('\t')) && lastKey !== null) {
      current.set(lastKey, `${current.get(lastKey) ?? ''}\n${line.trim()}`);
    } else {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      lastKey = line.slice(0, colon).trim().toLowerCase();
      current.set(lastKey, line.slice(colon + 1).trim());
    }
  }
  if (current.size > 0) paragraphs.push(current);
  return paragraphs;
}

/**
 * `Status: <want> <flag> <state>`: only fully installed packages count (`install ok installed`, and `hold ok
 * installed` — a held package is installed too, dpkg-query shows it as `hi`). Half-installed, config-files,
 * unpacked or error-flagged packages are skipped.
 */
function isInstalled(status: string): boolean {
  const [want, flag, state] = status.split(/\s+/);
  return (want === 'install' || want === 'hold') && flag === 'ok' && state === 'installed';
}

/**
 * Without a detected OS the packages are still reported, under the bare `Debian` ecosystem (no release: a
 * matcher can list them but not claim a vulnerability for a specific release).
 */
function ecosystemFor(os: OsInfo | null): string {
  return os?.ecosystem ?? 'Debian';
}

function toPackage(fields: Map<string, string>, location: string, ecosystem: string, fromStatusDir: boolean): InventoryPackage | null {
  const name = fields.get('package');
  const version = fields.get('version');
  if (!name || !version) return null;
  const status = fields.get('status');
  // distroless images write one paragraph per file under status.d/ without a Status field: they are installed.
  if (status === undefined ? !fromStatusDir : !isInstalled(status)) return null;
  const pkg: InventoryPackage = { name, version, ecosystem, kind: 'os', location, extractor: dpkgExtractor.name };
  const source = /^(\S+)(?:\s+\(([^)]+)\))?/.exec(fields.get('source') ?? '');
  pkg.sourceName = source?.[1] ?? name;
  const sourceVersion = source?.[2]?.trim();
  if (sourceVersion && sourceVersion !== version) pkg.sourceVersion = sourceVersion;
  const arch = fields.get('architecture');
  if (arch) pkg.arch = arch;
  return pkg;
}

/** dpkg's database: `var/lib/dpkg/status` and the distroless per-package files in `status.d/`. */
export const dpkgExtractor: Extractor = {
  name: 'os/dpkg',
  version: 1,
  maxFileBytes: 128 * 1024 * 1024,
  fileRequired(file) {
    if (file.path === STATUS_FILE) return true;
    if (!file.path.startsWith(STATUS_DIR)) return false;
    const base = file.path.slice(STATUS_DIR.length);
    return base !== '' && !base.includes('/') && !base.endsWith('.md5sums');
  },
  async extract(input) {
    const text = (await input.read()).toString('utf8');
    const fromStatusDir = input.path.startsWith(STATUS_DIR);
    const ecosystem = ecosystemFor(input.os);
    const packages: InventoryPackage[] = [];
    for (const paragraph of parseDeb822(text)) {
      const pkg = toPackage(paragraph, input.path, ecosystem, fromStatusDir);
      if (pkg) packages.push(pkg);
    }
    return packages;
  },
};
