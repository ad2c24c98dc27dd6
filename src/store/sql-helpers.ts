import { sql, type RawBuilder } from 'kysely';

/** `column LIKE '%value%'` with `%`, `_` and `\` in the value taken literally, on SQLite and PostgreSQL alike. */
export function containsText(column: string, value: string): RawBuilder<boolean> {
  const pattern = `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}
