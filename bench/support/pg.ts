import crypto from 'node:crypto';
import pg from 'pg';

/**
 * A fresh, empty PostgreSQL database for one bench run, created on the server of `serverUrl` (whose role
 * needs CREATEDB) and dropped by `drop()`. Only the bench's own database is ever dropped.
 */
export async function createBenchDatabase(serverUrl: string): Promise<{ url: string; name: string; drop(): Promise<void> }> {
  const name = `guardpost_bench_${crypto.randomBytes(6).toString('hex')}`;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), name, drop: () => run(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
