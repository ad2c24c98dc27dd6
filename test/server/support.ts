import { loadConfig } from '../../src/config.js';
import { startServer } from '../../src/server/server.js';
import { freshDatabase } from '../helpers/db.js';
import type { TestServer } from '../helpers/server.js';

export interface LogLine { level: number; msg: string; [key: string]: unknown }

export interface LoggedTestServer extends TestServer {
  /** Every line the server's pino logger wrote, parsed. */
  logs: LogLine[];
}

/** The real server with its Fastify (pino) logger writing into memory, so tests can read what it logged. */
export async function startLoggedServer(env: Record<string, string> = {}): Promise<LoggedTestServer> {
  const db = await freshDatabase();
  const logs: LogLine[] = [];
  const stream = { write: (line: string) => { logs.push(JSON.parse(line) as LogLine); } };
  const config = loadConfig({
    GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: '127.0.0.1:0',
    ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}), ...env,
  });
  const server = await startServer(config, { logger: { level: 'info', stream } });
  if (!server.credentials) throw new Error('a fresh server must bootstrap credentials');
  return {
    server, endpoint: server.endpoint, credentials: server.credentials, db, logs,
    async close() {
      await server.close();
      await db.drop();
    },
  };
}
