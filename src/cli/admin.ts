import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { quotaDefinitions } from '../core/quotas.js';
import { checkMasterKey, loadMasterKey } from '../identity/bootstrap.js';
import { IdentityService } from '../identity/identity-service.js';
import { newSecret } from '../identity/secrets.js';
import { AgentStore } from '../store/agent-store.js';
import { migrateToLatest, openStore, type Store } from '../store/database.js';
import type { RoleName } from '../store/schema.js';
import { TaskStore } from '../store/task-store.js';

/**
 * `guardpost admin <noun> <verb>`: works on the SQL store directly (same GUARDPOST_HOME /
 * GUARDPOST_DATABASE_URL as the server), so it needs no running server. Output is JSON.
 */

interface AdminContext {
  store: Store; identity: IdentityService; agents: AgentStore; tasks: TaskStore; domainId: string;
  flags: Record<string, string | boolean | undefined>; positionals: string[];
}

class UsageError extends Error {}

type Verb = (ctx: AdminContext) => Promise<unknown>;

function flag(ctx: AdminContext, name: string, required = false): string | undefined {
  const value = ctx.flags[name];
  if (typeof value === 'string' && value !== '') return value;
  if (required) throw new UsageError(`--${name} is required`);
  return undefined;
}

function positional(ctx: AdminContext, index: number, what: string): string {
  const value = ctx.positionals[index];
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

async function projectByRef(ctx: AdminContext, ref: string | undefined) {
  let q = ctx.store.db.selectFrom('projects').selectAll().where('domain_id', '=', ctx.domainId);
  if (ref) q = q.where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]));
  const rows = await q.orderBy('created_at').execute();
  if (rows.length === 0) throw new UsageError(ref ? `no project "${ref}"` : 'no project exists yet');
  return rows[0]!;
}

async function userByName(ctx: AdminContext, name: string) {
  const user = await ctx.store.db.selectFrom('users').selectAll().where('domain_id', '=', ctx.domainId).where('name', '=', name).executeTakeFirst();
  if (!user) throw new UsageError(`no user "${name}"`);
  return user;
}

function roleOf(value: string | undefined): RoleName {
  const role = value ?? 'admin';
  if (role !== 'admin' && role !== 'readonly') throw new UsageError('--role must be admin or readonly');
  return role;
}

function enterpriseList(value: string | undefined): string[] | null {
  return value === undefined || value === 'all' ? null : value.split(',').map((s) => s.trim()).filter(Boolean);
}

const verbs: Record<string, Record<string, Verb>> = {
  user: {
    async create(ctx) {
      const name = positional(ctx, 0, 'user name');
      const password = flag(ctx, 'password') ?? newSecret(18);
      const project = await projectByRef(ctx, flag(ctx, 'project'));
      const id = await ctx.identity.createUser(ctx.domainId, name, password);
      await ctx.identity.grantRole(id, project.id, roleOf(flag(ctx, 'role')), enterpriseList(flag(ctx, 'enterprise-projects')));
      return { id, name, password, project_id: project.id, role: roleOf(flag(ctx, 'role')) };
    },
    async list(ctx) {
      const users = await ctx.store.db.selectFrom('users').select(['id', 'name', 'disabled', 'created_at']).where('domain_id', '=', ctx.domainId).orderBy('name').execute();
      const roles = await ctx.store.db.selectFrom('role_assignments').selectAll().execute();
      return users.map((u) => ({ ...u, disabled: u.disabled === 1, roles: roles.filter((r) => r.user_id === u.id)
        .map((r) => ({ project_id: r.project_id, role: r.role, enterprise_project_ids: r.enterprise_project_ids === null ? 'all' : JSON.parse(r.enterprise_project_ids) as unknown })) }));
    },
    async disable(ctx) {
      const user = await userByName(ctx, positional(ctx, 0, 'user name'));
      await ctx.store.db.updateTable('users').set({ disabled: 1 }).where('id', '=', user.id).execute();
      await ctx.store.db.deleteFrom('tokens').where('user_id', '=', user.id).execute();
      return { name: user.name, disabled: true };
    },
    async enable(ctx) {
      const user = await userByName(ctx, positional(ctx, 0, 'user name'));
      await ctx.store.db.updateTable('users').set({ disabled: 0 }).where('id', '=', user.id).execute();
      return { name: user.name, disabled: false };
    },
  },
  project: {
    async create(ctx) {
      const name = positional(ctx, 0, 'project name');
      const id = await ctx.identity.createProject(ctx.domainId, name);
      return { id, name };
    },
    async list(ctx) {
      return ctx.store.db.selectFrom('projects').selectAll().where('domain_id', '=', ctx.domainId).orderBy('name').execute();
    },
  },
  'enterprise-project': {
    async create(ctx) {
      const name = positional(ctx, 0, 'enterprise project name');
      const id = crypto.randomUUID();
      await ctx.store.db.insertInto('enterprise_projects').values({ id, domain_id: ctx.domainId, name, created_at: Date.now() }).execute();
      return { id, name };
    },
    async list(ctx) {
      return ctx.store.db.selectFrom('enterprise_projects').selectAll().where('domain_id', '=', ctx.domainId).orderBy('name').execute();
    },
  },
  key: {
    async create(ctx) {
      const user = await userByName(ctx, flag(ctx, 'user') ?? 'admin');
      return { user: user.name, ...(await ctx.identity.createAccessKey(user.id, flag(ctx, 'description') ?? '')) };
    },
    async list(ctx) {
      return ctx.store.db.selectFrom('access_keys').innerJoin('users', 'users.id', 'access_keys.user_id')
        .select(['access_keys.ak', 'users.name as user', 'access_keys.description', 'access_keys.status', 'access_keys.created_at'])
        .where('users.domain_id', '=', ctx.domainId).orderBy('access_keys.created_at').execute();
    },
    async delete(ctx) {
      const ak = positional(ctx, 0, 'access key');
      const result = await ctx.store.db.deleteFrom('access_keys').where('ak', '=', ak).executeTakeFirst();
      if (Number(result.numDeletedRows) === 0) throw new UsageError(`no access key "${ak}"`);
      return { ak, deleted: true };
    },
  },
  role: {
    async grant(ctx) {
      const user = await userByName(ctx, flag(ctx, 'user', true) as string);
      const project = await projectByRef(ctx, flag(ctx, 'project'));
      const role = roleOf(flag(ctx, 'role'));
      await ctx.identity.grantRole(user.id, project.id, role, enterpriseList(flag(ctx, 'enterprise-projects')));
      return { user: user.name, project_id: project.id, role };
    },
    async revoke(ctx) {
      const user = await userByName(ctx, flag(ctx, 'user', true) as string);
      const project = await projectByRef(ctx, flag(ctx, 'project'));
      await ctx.store.db.deleteFrom('role_assignments').where('user_id', '=', user.id).where('project_id', '=', project.id).execute();
      return { user: user.name, project_id: project.id, revoked: true };
    },
  },
  'enroll-token': {
    async create(ctx) {
      const project = await projectByRef(ctx, flag(ctx, 'project'));
      const hours = Number(flag(ctx, 'ttl-hours') ?? 24);
      const maxUses = flag(ctx, 'max-uses') === undefined ? null : Number(flag(ctx, 'max-uses'));
      if (!(hours > 0) || (maxUses !== null && !(Number.isInteger(maxUses) && maxUses > 0))) throw new UsageError('--ttl-hours and --max-uses must be positive');
      const created = await ctx.agents.createEnrollmentToken({
        projectId: project.id, enterpriseProjectId: flag(ctx, 'enterprise-project') ?? '0',
        description: flag(ctx, 'description') ?? '', ttlMs: hours * 3600_000, maxUses,
      });
      return { ...created, project_id: project.id, expires_in_hours: hours, max_uses: maxUses };
    },
    async list(ctx) {
      return ctx.store.db.selectFrom('enrollment_tokens')
        .select(['id', 'project_id', 'enterprise_project_id', 'description', 'created_at', 'expires_at', 'max_uses', 'uses', 'revoked_at'])
        .orderBy('created_at').execute();
    },
    async revoke(ctx) {
      const id = positional(ctx, 0, 'enrollment token id');
      await ctx.store.db.updateTable('enrollment_tokens').set({ revoked_at: Date.now() }).where('id', '=', id).execute();
      return { id, revoked: true };
    },
  },
  agent: {
    async list(ctx) {
      const rows = await ctx.store.db.selectFrom('agents')
        .select(['id', 'host_id', 'host_name', 'project_id', 'enterprise_project_id', 'agent_version', 'last_seen_at', 'revoked_at', 'capabilities'])
        .orderBy('host_name').execute();
      return rows.map((r) => ({ ...r, capabilities: JSON.parse(r.capabilities) as unknown }));
    },
    async revoke(ctx) {
      const id = positional(ctx, 0, 'agent id');
      return { id, revoked: await ctx.agents.revoke(id) };
    },
  },
  quota: {
    async list(ctx) {
      const project = await projectByRef(ctx, flag(ctx, 'project'));
      return Promise.all(quotaDefinitions().map(async (d) => ({ ...d, project_id: project.id, limit: await ctx.tasks.quotaLimit(project.id, d.name) })));
    },
    async set(ctx) {
      const project = await projectByRef(ctx, flag(ctx, 'project'));
      const name = positional(ctx, 0, 'quota name');
      const limit = Number(positional(ctx, 1, 'limit'));
      if (!Number.isInteger(limit) || limit < 0) throw new UsageError('the limit must be a whole number ≥ 0');
      if (!quotaDefinitions().some((d) => d.name === name)) throw new UsageError(`unknown quota "${name}" (see "guardpost admin quota list")`);
      await ctx.tasks.setQuota(project.id, name, limit);
      return { project_id: project.id, name, limit };
    },
  },
};

function usage(): string {
  const lines = Object.entries(verbs).map(([noun, v]) => `  ${noun.padEnd(19)} ${Object.keys(v).join(' | ')}`);
  return `usage: guardpost admin <noun> <verb> [args] [--flags]\n\n${lines.join('\n')}\n\n` +
    'flags: --project ID|NAME  --role admin|readonly  --password P  --user NAME  --enterprise-projects a,b|all\n' +
    '       --enterprise-project ID  --ttl-hours N  --max-uses N  --description TEXT\n' +
    'Uses the same GUARDPOST_HOME / GUARDPOST_DATABASE_URL / GUARDPOST_MASTER_KEY as the server.';
}

export async function adminCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args, allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' }, project: { type: 'string' }, role: { type: 'string' }, password: { type: 'string' },
      user: { type: 'string' }, 'enterprise-projects': { type: 'string' }, 'enterprise-project': { type: 'string' },
      'ttl-hours': { type: 'string' }, 'max-uses': { type: 'string' }, description: { type: 'string' },
    },
  });
  const [noun, verb, ...rest] = positionals;
  const run = noun && verb ? verbs[noun]?.[verb] : undefined;
  if (values.help || !run) {
    console.log(usage());
    return values.help ? 0 : 2;
  }
  const config = loadConfig();
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  try {
    await migrateToLatest(store);
    const box = loadMasterKey(config.home, config.masterKey);
    await checkMasterKey(store, box);
    const domain = await store.db.selectFrom('domains').select('id').orderBy('created_at').executeTakeFirst();
    if (!domain) throw new UsageError('this Guardpost has not been started yet: run "guardpost start" (or serve) once first');
    const tasks = new TaskStore(store.db, store.dialect);
    const ctx: AdminContext = {
      store, identity: new IdentityService(store.db, box, config.tokenTtlSeconds * 1000), tasks,
      agents: new AgentStore(store.db, tasks), domainId: domain.id, flags: values, positionals: rest,
    };
    console.log(JSON.stringify(await run(ctx), null, 2));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`guardpost admin: ${error.message}`);
      return 2;
    }
    throw error;
  } finally {
    await store.close();
  }
}

