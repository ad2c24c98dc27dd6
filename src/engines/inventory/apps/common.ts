import type { InventoryPackage } from '../types.js';

/** At most this many packages are taken from one file; a file claiming more is refused. */
export const MAX_PACKAGES_PER_FILE = 100_000;
/** Text formats are parsed line by line up to this many lines. */
export const MAX_LINES = 2_000_000;

export const MiB = 1024 * 1024;

export function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function stringField(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/** Collects one file's packages: drops empty or implausible names/versions, dedupes, bounds the count. */
export class PackageCollector {
  private readonly byKey = new Map<string, InventoryPackage>();

  constructor(
    private readonly ecosystem: string,
    private readonly extractor: string,
    private readonly location: string,
  ) {}

  add(rawName: string, rawVersion: string, location = this.location, license?: string): void {
    const name = rawName.trim();
    const version = rawVersion.trim();
    if (!plausible(name) || !plausible(version)) return;
    const key = `${name}\0${version}\0${location}`;
    if (this.byKey.has(key)) return;
    if (this.byKey.size >= MAX_PACKAGES_PER_FILE) {
      throw new Error(`${this.location}: more than ${MAX_PACKAGES_PER_FILE} packages, refusing the rest`);
    }
    const pkg: InventoryPackage = { name, version, ecosystem: this.ecosystem, kind: 'app', location, extractor: this.extractor };
    if (license) pkg.license = license;
    this.byKey.set(key, pkg);
  }

  get packages(): InventoryPackage[] {
    return [...this.byKey.values()];
  }
}

function plausible(value: string): boolean {
  return value.length > 0 && value.length <= 512 && !/[\s\0]/.test(value);
}

export function parseJson(bytes: Buffer, path: string): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new Error(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

/** The file's lines (CRLF or LF); a file with more than `MAX_LINES` lines is refused. */
export function textLines(bytes: Buffer, path: string, maxLines = MAX_LINES): string[] {
  const lines = bytes.toString('utf8').split(/\r?\n/);
  if (lines.length > maxLines) throw new Error(`${path}: more than ${maxLines} lines, refusing to parse`);
  return lines;
}

export function unquote(value: string): string {
  const v = value.trim();
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v[v.length - 1] === v[0]) return v.slice(1, -1);
  return v;
}

/** Splits `name@range` / `@scope/name@range` at the `@` that ends the name (the first after position 0). */
export function splitNameAt(spec: string): { name: string; rest: string } | null {
  const at = spec.indexOf('@', 1);
  if (at <= 0) return null;
  return { name: spec.slice(0, at), rest: spec.slice(at + 1) };
}
