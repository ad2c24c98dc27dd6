import { sql, type Expression, type SqlBool } from 'kysely';

/**
 * An enterprise-project scope as one SQL condition: `null` is "every enterprise project the project has"
 * (no condition), an empty list matches nothing, a list is an `IN`. Never `IN ()`, which PostgreSQL rejects.
 */
export type EnterpriseScope = readonly string[] | null;

export function inScope(column: string, scope: EnterpriseScope): Expression<SqlBool> {
  if (scope === null) return sql<SqlBool>`1 = 1`;
  if (scope.length === 0) return sql<SqlBool>`1 = 0`;
  return sql<SqlBool>`${sql.ref(column)} in (${sql.join([...scope])})`;
}
