import { Type } from 'typebox';
import type { FastifyRequest } from 'fastify';
import type { RoleGrant } from '../../identity/identity-service.js';
import { enterpriseScope } from '../../server/auth/huawei-auth.js';
import type { ApiDialect } from '../../server/errors.js';

/** Path `project_id`: Huawei ids are 32 lower-case hex; anything else (traversal, dots) is refused by the schema. */
export const ProjectParams = Type.Object({
  project_id: Type.String({ pattern: '^[0-9a-f]{32}$', description: 'Project ID' }),
});

export const EnterpriseProjectId = Type.String({ minLength: 0, maxLength: 256, pattern: '^(all_granted_eps|[A-Za-z0-9-]*)$' });

export function grantOf(request: FastifyRequest): RoleGrant {
  if (!request.grant) throw new Error('route is missing project authorization');
  return request.grant;
}

export function enterpriseFilter(request: FastifyRequest, requested: string | undefined, dialect: ApiDialect): string[] | null {
  return enterpriseScope(grantOf(request), requested, dialect);
}

/** Every Huawei route is authenticated; the dialect picks its error codes. */
export const huaweiRoute = (dialect: ApiDialect) => ({ auth: 'huawei' as const, dialect });

/** A Huawei POST route that only reads (or records the caller's own view): open to the readonly role. */
export const huaweiReadRoute = (dialect: ApiDialect) => ({ auth: 'huawei' as const, dialect, readsOnly: true });

/** A string enum as plain JSON Schema (`enum`), typed as the union of its values. */
export function StringEnum<const T extends readonly string[]>(values: T, options: { description?: string } = {}) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
