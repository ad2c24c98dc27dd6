import { loadConfig } from '../../../config.js';
import { allMigrations, jobKinds } from '../../server.js';
import { migrateToLatest, openStore } from '../../../store/database.js';
import { TaskStore } from '../../../store/task-store.js';
import { VulndbImportService } from './import-service.js';

/**
 * Opens the store of this GUARDPOST_HOME / GUARDPOST_DATABASE_URL (migrating it the way the admin CLI does),
 * runs `verb` with the import service, closes the store. Needs no running server and works beside one.
 * Loaded lazily by the CLI (it pulls in every family).
 */
export async function withVulndb<T>(verb: (service: VulndbImportService) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = openStore({ databaseUrl: config.databaseUrl, sqlitePath: config.sqlitePath });
  try {
    await migrateToLatest(store, allMigrations);
    return await verb(new VulndbImportService(store.db, new TaskStore(store.db, store.dialect, jobKinds)));
  } finally {
    await store.close();
  }
}
