import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The inventory an agent uploads (`inventory.json.gz`) and the server keeps as a host's latest: the packages the
 * extractors found, the OS, and what the walk did. Checked with a compiled schema when the server reads it (an
 * agent is not trusted), decompressed with a hard output bound.
 */

export const MAX_INVENTORY_PACKAGES = 200_000;
/** Decompressed JSON at most (a 2,000-package host is about 0.5 MB). */
export const MAX_INVENTORY_JSON_BYTES = 128 * 1024 * 1024;
/** Compressed upload at most. */
export const MAX_INVENTORY_UPLOAD_BYTES = 32 * 1024 * 1024;

/** No NUL anywhere: PostgreSQL text cannot hold it. */
const Str = (max: number, minLength = 0) => Type.String({ minLength, maxLength: max, pattern: '^[^\\u0000]*$' });

export const StoredPackageSchema = Type.Object({
  name: Str(512, 1),
  version: Str(256, 1),
  ecosystem: Str(128, 1),
  kind: Type.Union([Type.Literal('os'), Type.Literal('app')]),
  location: Str(4096),
  extractor: Str(64),
  sourceName: Type.Optional(Str(512)),
  sourceVersion: Type.Optional(Str(256)),
  epoch: Type.Optional(Type.Integer({ minimum: 0, maximum: 2_147_483_647 })),
  arch: Type.Optional(Str(64)),
});

export const StoredInventorySchema = Type.Object({
  format: Type.Literal(1),
  host_root: Str(4096),
  collected_at: Type.Integer({ minimum: 0 }),
  scan_types: Type.Array(Type.Union([Type.Literal('linux_vul'), Type.Literal('app_vul')]), { maxItems: 2 }),
  os: Type.Union([Type.Object({
    id: Str(128), versionId: Str(128), prettyName: Str(512), ecosystem: Type.Union([Str(128), Type.Null()]),
  }), Type.Null()]),
  /** Why no OS packages were looked for (no `etc/os-release`, unknown distribution, …), when so. */
  os_note: Type.Optional(Str(1000)),
  packages: Type.Array(StoredPackageSchema, { maxItems: MAX_INVENTORY_PACKAGES }),
  extractors: Type.Array(Type.Object({
    name: Str(64), version: Type.Integer(), files: Type.Integer(), packages: Type.Integer(),
    errors: Type.Array(Type.Object({ path: Str(4096), message: Str(2000) }), { maxItems: 100 }),
  }), { maxItems: 64 }),
  stats: Type.Object({
    entries: Type.Integer(), bytesRead: Type.Integer(), skippedLarge: Type.Integer(), unreadable: Type.Integer(),
    truncated: Type.Boolean(), truncatedReason: Type.Optional(Str(1000)), durationMs: Type.Integer(),
  }),
});

export type StoredInventory = Static<typeof StoredInventorySchema>;

const checkInventory = Compile(StoredInventorySchema);
const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

export async function encodeInventory(inventory: StoredInventory): Promise<Buffer> {
  return gzip(Buffer.from(JSON.stringify(inventory)));
}

/** Parses an uploaded inventory; throws an Error whose message says what is wrong with it. */
export async function decodeInventory(compressed: Buffer): Promise<StoredInventory> {
  if (compressed.length > MAX_INVENTORY_UPLOAD_BYTES) throw new Error(`inventory is larger than ${MAX_INVENTORY_UPLOAD_BYTES} bytes compressed`);
  let text: Buffer;
  try {
    text = await gunzip(compressed, { maxOutputLength: MAX_INVENTORY_JSON_BYTES });
  } catch (error) {
    throw new Error(`inventory is not readable gzip within ${MAX_INVENTORY_JSON_BYTES} bytes: ${(error as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text.toString('utf8'));
  } catch (error) {
    throw new Error(`inventory is not JSON: ${(error as Error).message}`);
  }
  if (checkInventory.Check(value)) return value;
  const problems = [...checkInventory.Errors(value)].slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`);
  throw new Error(`inventory does not match its format: ${problems.join('; ')}`);
}
