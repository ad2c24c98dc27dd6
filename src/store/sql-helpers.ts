import { sql, type RawBuilder } from 'kysely';

/**
 * Case-insensitive `column LIKE '%value%'` with `%`, `_` and `\` in the value taken literally, the same on
 * SQLite (whose LIKE ignores ASCII case) and PostgreSQL (whose LIKE does not).
 */
export function containsText(column: string, value: string): RawBuilder<boolean> {
  const pattern = `%${value.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
