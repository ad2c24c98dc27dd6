import { InvalidArgumentError, Option, type Command } from 'commander';
import type { IdentityService } from '../identity/identity-service.js';
import type { AgentStore } from '../store/agent-store.js';
import type { DirectoryStore } from '../store/directory-store.js';
import type { Project, RoleName, User } from '../store/schema.js';
import type { TaskStore } from '../store/task-store.js';

/** What every `guardpost admin` verb works with: the stores of the same home/database the server uses. */
export interface AdminContext {
  identity: IdentityService; directory: DirectoryStore; agents: AgentStore; tasks: TaskStore; domainId: string;
  project(ref: string | undefined): Promise<Project>;
  user(name: string): Promise<User>;
}

/** One `guardpost admin <noun>` group (user, key, quota, …); `register` adds its verbs to `group`. */
export interface AdminNoun { name: string; summary: string; register(group: Command): void }

/** Opens the store (migrating it), runs `verb`, closes the store. The store modules load only when a verb runs. */
export async function withAdminContext<T>(verb: (ctx: AdminContext) => Promise<T>): Promise<T> {
  return (await import('./admin-session.js')).openAdminContext(verb);
}

// Options and value parsers shared by the admin verbs (bad values are usage errors, exit code 2).

export const projectOption = () => new Option('--project <id|name>', 'the project (default: the first one created)');
export const roleOption = () => new Option('--role <role>', 'the role in the project').choices(['admin', 'readonly']).default('admin');
export const enterpriseProjectsOption = () => new Option('--enterprise-projects <ids>',
  'comma-separated enterprise project ids the role covers, or "all"').argParser(enterpriseList).default(null, 'all');

export function enterpriseList(value: string): string[] | null {
  if (value === 'all') return null;
  const ids = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new InvalidArgumentError('needs at least one id, or "all"');
  return ids;
}

export const asRole = (value: string): RoleName => (value === 'readonly' ? 'readonly' : 'admin');
