import { loadConfig } from '../config.js';
import { allMigrations } from '../families/server.js';
import { checkMasterKey, loadMasterKey } from '../identity/bootstrap.js';
import { IdentityService } from '../identity/identity-service.js';
import { AgentStore } from '../store/agent-store.js';
import { migrateToLatest, openStore } from '../store/database.js';
import { DirectoryStore } from '../store/directory-store.js';
import { TaskStore } from '../store/task-store.js';
import type { AdminContext } from './admin-context.js';

/** Opens the store (migrating it), runs `verb`, closes the store. Needs no running server. */
export async function openAdminContext<T>(verb: (ctx: AdminContext) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  try {
    await migrateToLatest(store, allMigrations);
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

