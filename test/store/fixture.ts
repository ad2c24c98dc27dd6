import { migrateToLatest, openStore, type Store } from '../../src/store/database.js';
import { allMigrations } from '../../src/families/server.js';
import { AgentStore } from '../../src/store/agent-store.js';
import { TaskStore } from '../../src/store/task-store.js';
import { newHexId } from '../../src/identity/secrets.js';
import type { HostFacts } from '../../src/core/host-facts.js';
import pg from 'pg';
import { adminPgUrl, freshDatabase, type FreshDatabase } from '../helpers/db.js';

/**
 * One fresh database (SQLite file or PostgreSQL database, per GUARDPOST_TEST_DB) per test file,
 * migrated, with helpers to make isolated projects so tests in the file do not see each other's rows.
 * No side effects at import: node --test may load this file as a test module.
 */
export interface StoreFixture {
  fresh: FreshDatabase;
  store: Store;
  tasks: TaskStore;
  agents: AgentStore;
  /** A new project row (tasks, agents, enrollment tokens and quotas reference projects.id). */
  newProject(): Promise<string>;
  /** Another connection (pool) to the same database: a second server replica. Closed by close(). */
  openReplica(): Store;
  close(): Promise<void>;
}

export async function openFixture(): Promise<StoreFixture> {
  const fresh = await freshDatabase();
  const options = { databaseUrl: fresh.databaseUrl, sqlitePath: fresh.sqlitePath };
  const store = openStore(options);
  await migrateToLatest(store, allMigrations);
  const domainId = newHexId(16);
  await store.db.insertInto('domains').values({ id: domainId, name: `d-${domainId}`, created_at: Date.now() }).execute();
  const tasks = new TaskStore(store.db, store.dialect);
  const agents = new AgentStore(store.db, tasks);
  const replicas: Store[] = [];
  return {
    fresh, store, tasks, agents,
    async newProject() {
      const id = newHexId();
      await store.db.insertInto('projects').values({ id, domain_id: domainId, name: `p-${id}`, created_at: Date.now() }).execute();
      return id;
    },
    openReplica() {
      const replica = openStore(options);
      replicas.push(replica);
      return replica;
    },
    async close() {
      for (const replica of replicas) await replica.close();
      await store.close();
      await dropWhenIdle(fresh);
    },
  };
}

export function hostFacts(overrides: Partial<HostFacts> = {}): HostFacts {
  return {
    host_name: 'host-a', os_name: 'Debian GNU/Linux', os_version: '12', os_type: 'Linux', kernel_version: '6.1.0',
    os_bit: '64', private_ips: ['10.0.0.5'], public_ips: [], agent_version: '0.1.0',
    capabilities: { job_kinds: ['capture', 'inventory'] },
    ...overrides,
  };
}

/**
 * pg's Pool.end() resolves before its sockets are closed, so `DROP DATABASE … WITH (FORCE)` right after it
 * can kill a still-closing backend, whose error then surfaces as an uncaught exception in a later test.
 * Wait until the server has no backends left on the database, then drop it.
 */
export async function dropWhenIdle(fresh: FreshDatabase): Promise<void> {
  if (fresh.databaseUrl) {
    const name = new URL(fresh.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: adminPgUrl });
    await admin.connect();
    try {
      for (let i = 0; i < 100; i++) {
        const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (rows[0]?.n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    } finally {
      await admin.end();
    }
  }
  await fresh.drop();
}
