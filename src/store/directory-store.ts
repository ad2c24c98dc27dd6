import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, Project, RoleName, User } from './schema.js';

export interface UserListing {
  id: string; name: string; disabled: boolean; created_at: number;
  roles: Array<{ project_id: string; role: RoleName; enterprise_project_ids: string[] | 'all' }>;
}

export interface AccessKeyListing { ak: string; user: string; description: string; status: string; created_at: number }

/**
 * The administrator's view of one domain's identities (users, projects, enterprise projects, access keys,
 * role assignments) for `guardpost admin`; creating users, projects and keys stays in IdentityService.
 */
export class DirectoryStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The domain the first start created; undefined before the first start. */
  async firstDomainId(): Promise<string | undefined> {
    return (await this.db.selectFrom('domains').select('id').orderBy('created_at').executeTakeFirst())?.id;
  }

  /** The project with this id or name, or the oldest project when `ref` is undefined. */
  async findProject(domainId: string, ref: string | undefined): Promise<Project | undefined> {
    let q = this.db.selectFrom('projects').selectAll().where('domain_id', '=', domainId);
    if (ref !== undefined) q = q.where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]));
    return q.orderBy('created_at').executeTakeFirst();
  }

  listProjects(domainId: string): Promise<Project[]> {
    return this.db.selectFrom('projects').selectAll().where('domain_id', '=', domainId).orderBy('name').execute();
  }

  findUser(domainId: string, name: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('domain_id', '=', domainId).where('name', '=', name).executeTakeFirst();
  }

  async listUsers(domainId: string): Promise<UserListing[]> {
    const users = await this.db.selectFrom('users').select(['id', 'name', 'disabled', 'created_at'])
      .where('domain_id', '=', domainId).orderBy('name').execute();
    const roles = await this.db.selectFrom('role_assignments').innerJoin('users', 'users.id', 'role_assignments.user_id')
      .select(['role_assignments.user_id', 'role_assignments.project_id', 'role_assignments.role', 'role_assignments.enterprise_project_ids'])
      .where('users.domain_id', '=', domainId).orderBy('role_assignments.project_id').execute();
    return users.map((u) => ({
      ...u, disabled: u.disabled === 1,
      roles: roles.filter((r) => r.user_id === u.id).map((r) => ({
        project_id: r.project_id, role: r.role,
        enterprise_project_ids: r.enterprise_project_ids === null ? 'all' as const : (JSON.parse(r.enterprise_project_ids) as string[]),
      })),
    }));
  }

  /** Disabling also ends the user's tokens at once. */
  async setUserDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('users').set({ disabled: disabled ? 1 : 0 }).where('id', '=', userId).execute();
      if (disabled) await trx.deleteFrom('tokens').where('user_id', '=', userId).execute();
    });
  }

  async revokeRole(userId: string, projectId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('role_assignments').where('user_id', '=', userId).where('project_id', '=', projectId).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async createEnterpriseProject(domainId: string, name: string, now = Date.now()): Promise<string> {
    const id = crypto.randomUUID();
    await this.db.insertInto('enterprise_projects').values({ id, domain_id: domainId, name, created_at: now }).execute();
    return id;
  }

  listEnterpriseProjects(domainId: string) {
    return this.db.selectFrom('enterprise_projects').selectAll().where('domain_id', '=', domainId).orderBy('name').execute();
  }

  /** Access keys without their secrets. */
  listAccessKeys(domainId: string): Promise<AccessKeyListing[]> {
    return this.db.selectFrom('access_keys').innerJoin('users', 'users.id', 'access_keys.user_id')
      .select(['access_keys.ak', 'users.name as user', 'access_keys.description', 'access_keys.status', 'access_keys.created_at'])
      .where('users.domain_id', '=', domainId).orderBy('access_keys.created_at').execute();
  }

  async deleteAccessKey(domainId: string, ak: string): Promise<boolean> {
    const result = await this.db.deleteFrom('access_keys').where('ak', '=', ak)
      .where('user_id', 'in', (eb) => eb.selectFrom('users').select('id').where('domain_id', '=', domainId)).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
