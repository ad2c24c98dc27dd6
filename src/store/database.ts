import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import {
  CompiledQuery, Kysely, Migrator, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type Migration,
  type MigrationProvider, type SqliteDialectConfig,
} from 'kysely';
import type { Database } from './schema.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0003 from './migrations/0003_agent_indexes.js';
import * as m0004 from './migrations/0004_login_failures.js';
import * as m0005 from './migrations/0005_job_result_version.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  close(): Promise<void>;
}

/** The core's own migrations; each family adds its own (src/families/server.ts assembles the full set). */
export const CORE_MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': m0001,
  '0003_agent_indexes': m0003,
  '0004_login_failures': m0004,
  '0005_job_result_version': m0005,
};

export type MigrationSet = Readonly<Record<string, Migration>>;

/**
 * Families add migrations independently, so a new one may sort before one already applied: the migrator runs
 * every pending migration (in name order) instead of refusing. Core names start with a digit and sort first.
 */
function migrator(db: Kysely<Database>, migrations: MigrationSet): Migrator {
  const provider: MigrationProvider = { getMigrations: async () => ({ ...migrations }) };
  return new Migrator({ db, provider, allowUnorderedMigrations: true });
}

/** Names of migrations in `migrations` that the database has not applied (empty when up to date). */
export async function pendingMigrations(db: Kysely<Database>, migrations: MigrationSet): Promise<string[]> {
  const all = await migrator(db, migrations).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

// int8 (COUNT, bigint epoch-ms columns) arrives as a string by default; every value we store fits in 2^53.
pg.types.setTypeParser(20, (value: string) => Number(value));

/**
 * SQLite transactions start with BEGIN IMMEDIATE: they take the write lock up front, so a read-then-write
 * transaction waits (busy_timeout) for another process (the admin CLI, a second server on the same file)
 * instead of failing with SQLITE_BUSY when it tries to upgrade its lock.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

export function isPostgresUrl(url: string | undefined): url is string {
  return !!url && /^postgres(ql)?:\/\//.test(url);
}

export function openStore(options: { databaseUrl?: string | undefined; sqlitePath: string }): Store {
  if (options.databaseUrl && !isPostgresUrl(options.databaseUrl)) {
    throw new Error('GUARDPOST_DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite file)');
  }
  if (isPostgresUrl(options.databaseUrl)) {
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10 });
    // An idle pooled connection that the server ends (a PostgreSQL restart or failover, an administrator's
    // pg_terminate_backend) is reported here; without a listener it would crash the process. The pool has
    // already dropped that client, and the next query opens a fresh connection.
    pool.on('error', () => undefined);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy() };
  }
  fs.mkdirSync(path.dirname(options.sqlitePath), { recursive: true });
  const sqlite = new SQLite(options.sqlitePath);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return { db, dialect: 'sqlite', close: () => db.destroy() };
}

export async function migrateToLatest(store: Store, migrations: MigrationSet): Promise<void> {
  const { error, results } = await migrator(store.db, migrations).migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}
