import { loadConfig } from '../../../../src/config.js';
import { startRegistries, registryMigrations, type RegistryServices } from '../../../../src/families/image/registries/index.js';
import type { ServerFamily } from '../../../../src/families/types.js';
import { startServer, type RunningServer } from '../../../../src/server/server.js';
import { freshDatabase, type FreshDatabase } from '../../../helpers/db.js';
import { http, projectToken } from '../../../helpers/http.js';

/** A real server with only the registries part of the image family, a fresh database and an admin token. */
export interface RegistriesServer {
  server: RunningServer;
  db: FreshDatabase;
  services: RegistryServices;
  projectId: string;
  token: string;
  call<T>(method: string, path: string, body?: unknown): ReturnType<typeof http<T>>;
  close(): Promise<void>;
}

export async function startRegistriesServer(): Promise<RegistriesServer> {
  const db = await freshDatabase();
  let services: RegistryServices | undefined;
  const family: ServerFamily = {
    name: 'image', jobKinds: [], migrations: registryMigrations, quotas: [],
    start(core) {
      const started = startRegistries(core);
      services = started;
      return { routes: [started.routes] };
    },
  };
  const env: NodeJS.ProcessEnv = { GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: '127.0.0.1:0', ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}) };
  const server = await startServer(loadConfig(env), { families: [family] });
  const credentials = server.credentials;
  if (!credentials || !services) throw new Error('no bootstrap credentials');
  const projectId = credentials.project_id;
  const token = await projectToken(server.endpoint, credentials);
  const started = services;
  return {
    server, db, services: started, projectId, token,
    call: <T>(method: string, path: string, body?: unknown) => http<T>(server.endpoint, { method, path: `/v5/${projectId}${path}`, headers: { 'x-auth-token': token }, body }),
    async close() {
      await started.syncer.idle();
      await server.close();
      await db.drop();
    },
  };
}
