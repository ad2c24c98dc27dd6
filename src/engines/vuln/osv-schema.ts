import { Type, type Static } from 'typebox';
import { Compile } from 'typebox/compile';

/**
 * The OSV record fields Guardpost uses (https://ossf.github.io/osv-schema/), bounded: a hostile feed cannot make
 * one record arbitrarily large or deep. Fields Guardpost ignores (references, credits, …) are allowed and kept out
 * of the type. Checked with a compiled TypeBox schema, never cast.
 */

/** Records larger than this (UTF-8 bytes of the JSON text) are refused before parsing. */
export const MAX_OSV_RECORD_BYTES = 4 * 1024 * 1024;

const Id = Type.String({ minLength: 1, maxLength: 256 });
const Timestamp = Type.String({ minLength: 10, maxLength: 64, pattern: '^\\d{4}-\\d{2}-\\d{2}T' });
const Version = Type.String({ minLength: 1, maxLength: 256 });
const Specific = Type.Record(Type.String({ maxLength: 256 }), Type.Unknown());

const Event = Type.Union([
  Type.Object({ introduced: Version }),
  Type.Object({ fixed: Version }),
  Type.Object({ last_affected: Version }),
  Type.Object({ limit: Version }),
]);

const Range = Type.Object({
  type: Type.Union([Type.Literal('SEMVER'), Type.Literal('ECOSYSTEM'), Type.Literal('GIT')]),
  repo: Type.Optional(Type.String({ maxLength: 2048 })),
  events: Type.Array(Event, { minItems: 1, maxItems: 4096 }),
  database_specific: Type.Optional(Specific),
});

const Severity = Type.Object({
  type: Type.String({ minLength: 1, maxLength: 64 }),
  score: Type.String({ minLength: 1, maxLength: 512 }),
});

const Affected = Type.Object({
  package: Type.Object({
    ecosystem: Type.String({ minLength: 1, maxLength: 128 }),
    name: Type.String({ minLength: 1, maxLength: 512 }),
    purl: Type.Optional(Type.String({ maxLength: 1024 })),
  }),
  /** Per-package severity (schema 1.7). */
  severity: Type.Optional(Type.Array(Severity, { maxItems: 64 })),
  ranges: Type.Optional(Type.Array(Range, { maxItems: 1024 })),
  versions: Type.Optional(Type.Array(Version, { maxItems: 100_000 })),
  ecosystem_specific: Type.Optional(Specific),
  database_specific: Type.Optional(Specific),
});

export const OsvRecordSchema = Type.Object({
  schema_version: Type.Optional(Type.String({ maxLength: 32 })),
  id: Id,
  modified: Timestamp,
  published: Type.Optional(Timestamp),
  withdrawn: Type.Optional(Timestamp),
  aliases: Type.Optional(Type.Array(Id, { maxItems: 1024 })),
  related: Type.Optional(Type.Array(Id, { maxItems: 4096 })),
  summary: Type.Optional(Type.String({ maxLength: 4096 })),
  details: Type.Optional(Type.String({ maxLength: 1024 * 1024 })),
  severity: Type.Optional(Type.Array(Severity, { maxItems: 64 })),
  affected: Type.Optional(Type.Array(Affected, { maxItems: 10_000 })),
  database_specific: Type.Optional(Specific),
});

export type OsvRecord = Static<typeof OsvRecordSchema>;
export type OsvAffected = NonNullable<OsvRecord['affected']>[number];
export type OsvRange = NonNullable<OsvAffected['ranges']>[number];
export type OsvEvent = OsvRange['events'][number];

const compiled = Compile(OsvRecordSchema);
const MAX_PROBLEMS = 3;

export type OsvParseResult = { record: OsvRecord } | { error: string };

/** Parses and validates one OSV JSON document; every failure is a short message, never an exception. */
export function parseOsvRecord(text: string): OsvParseResult {
  if (Buffer.byteLength(text, 'utf8') > MAX_OSV_RECORD_BYTES) {
    return { error: `record is larger than ${MAX_OSV_RECORD_BYTES} bytes` };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `invalid JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!compiled.Check(value)) {
    const problems = [...compiled.Errors(value)].slice(0, MAX_PROBLEMS).map((e) => `${e.instancePath || '/'} ${e.message}`);
    return { error: `not an OSV record: ${problems.join('; ') || 'does not match the schema'}` };
  }
  if (Number.isNaN(Date.parse(value.modified))) return { error: `not an OSV record: /modified is not a date: ${value.modified}` };
  const nul = nulPath(value);
  if (nul !== null) return { error: `not an OSV record: ${nul || '/'} contains a NUL character` };
  return { record: value };
}

/**
 * The JSON path of the first string (or key) holding U+0000, or null. PostgreSQL text cannot store NUL, and no
 * real advisory has one, so such a record is refused whole. Iterative: the parsed value may be deeply nested.
 */
function nulPath(root: unknown): string | null {
  const pending: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path } = next;
    if (typeof value === 'string') {
      if (value.includes('\0')) return path;
    } else if (Array.isArray(value)) {
      value.forEach((item, i) => pending.push({ value: item, path: `${path}/${i}` }));
    } else if (value !== null && typeof value === 'object') {
      for (const [key, item] of Object.entries(value)) {
        if (key.includes('\0')) return `${path}/${key.replace(/\0/g, '\\u0000')}`;
        pending.push({ value: item, path: `${path}/${key}` });
      }
    }
  }
  return null;
}

/** Milliseconds since the epoch of an OSV timestamp (validated by `parseOsvRecord`). */
export function modifiedMs(record: OsvRecord): number {
  return Date.parse(record.modified);
}
