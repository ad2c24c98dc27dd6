import { Option, type Command } from 'commander';
import { loadConfig } from '../config.js';
import { checkMasterKey, loadMasterKey } from '../identity/bootstrap.js';
import { IdentityService } from '../identity/identity-service.js';
import { AgentStore } from '../store/agent-store.js';
import { migrateToLatest, openStore } from '../store/database.js';
import { DirectoryStore } from '../store/directory-store.js';
import type { Project, RoleName, User } from '../store/schema.js';
import { TaskStore } from '../store/task-store.js';
import { UsageError } from './output.js';

/** What every `guardpost admin` verb works with: the stores of the same home/database the server uses. */
export interface AdminContext {
  identity: IdentityService; directory: DirectoryStore; agents: AgentStore; tasks: TaskStore; domainId: string;
  project(ref: string | undefined): Promise<Project>;
  user(name: string): Promise<User>;
}

/** One `guardpost admin <noun>` group (user, key, quota, …); `register` adds its verbs to `group`. */
export interface AdminNoun { name: string; summary: string; register(group: Command): void }

/** Opens the store (migrating it), runs `verb`, closes the store. Needs no running server. */
export async function withAdminContext<T>(verb: (ctx: AdminContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  try {
    await migrateToLatest(store);
    const box = loadMasterKey(config.home, config.masterKey);
    await checkMasterKey(store, box);
    const directory = new DirectoryStore(store.db);
    const domainId = await directory.firstDomainId();
    if (!domainId) throw new Error('this Guardpost has not been started yet: run "guardpost start" (or serve) once first');
    const tasks = new TaskStore(store.db, store.dialect);
    return await verb({
      identity: new IdentityService(store.db, box, config.tokenTtlSeconds * 1000), directory, tasks,
      agents: new AgentStore(store.db, tasks), domainId,
      async project(ref) {
        const found = await directory.findProject(domainId, ref);
        if (!found) throw new Error(ref ? `no project "${ref}"` : 'no project exists yet');
        return found;
      },
      async user(name) {
        const found = await directory.findUser(domainId, name);
        if (!found) throw new Error(`no user "${name}"`);
        return found;
      },
    });
  } finally {
    await store.close();
  }
}

// Options and value parsers shared by the admin verbs (bad values are usage errors, exit code 2).

export const projectOption = () => new Option('--project <id|name>', 'the project (default: the first one created)');
export const roleOption = () => new Option('--role <role>', 'the role in the project').choices(['admin', 'readonly']).default('admin');
export const enterpriseProjectsOption = () => new Option('--enterprise-projects <ids>',
  'comma-separated enterprise project ids the role covers, or "all"').default('all');

export function enterpriseList(value: string): string[] | null {
  if (value === 'all') return null;
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new UsageError('--enterprise-projects needs at least one id (or "all")');
  return ids;
}

export const asRole = (value: string): RoleName => (value === 'readonly' ? 'readonly' : 'admin');
