import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

/**
 * Every test that needs a database gets a fresh one of the kind named by GUARDPOST_TEST_DB:
 * `sqlite` (default; a temporary file) or `postgres` (a new database on GUARDPOST_TEST_PG_URL's server).
 */
export type TestDbKind = 'sqlite' | 'postgres';

export const testDbKind: TestDbKind = process.env.GUARDPOST_TEST_DB === 'postgres' ? 'postgres' : 'sqlite';
export const adminPgUrl = process.env.GUARDPOST_TEST_PG_URL || 'postgres://guardpost:guardpost@127.0.0.1:5432/postgres';

export interface FreshDatabase {
  kind: TestDbKind;
  /** Set for PostgreSQL; undefined selects the SQLite file. */
  databaseUrl: string | undefined;
  sqlitePath: string;
  /** A private temporary directory (GUARDPOST_HOME material); removed by drop(). */
  dir: string;
  drop(): Promise<void>;
}

export function tempDir(prefix = 'gp-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export async function freshDatabase(kind: TestDbKind = testDbKind): Promise<FreshDatabase> {
  const dir = tempDir();
  const sqlitePath = path.join(dir, 'guardpost.db');
  if (kind === 'sqlite') {
    return { kind, databaseUrl: undefined, sqlitePath, dir, drop: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `gp_t_${crypto.randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminPgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminPgUrl);
  url.pathname = `/${name}`;
  return {
    kind, databaseUrl: url.toString(), sqlitePath, dir,
    async drop() {
      // WITH (FORCE) cannot end an autovacuum worker for a non-superuser (42501): wait for it and retry.
      for (let attempt = 1; ; attempt++) {
        const client = new pg.Client({ connectionString: adminPgUrl });
        await client.connect();
        try {
          await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
          break;
        } catch (error) {
          if (attempt >= 20) throw error;
        } finally {
          await client.end();
        }
        await new Promise((r) => setTimeout(r, 250));
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
