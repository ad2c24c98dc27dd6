/**
 * PostgreSQL ending an idle pooled connection (restart, failover, pg_terminate_backend) must not crash the
 * process: the pool drops the client and the next query connects again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pg from 'pg';
import { migrateToLatest, openStore } from '../../src/store/database.js';
import { allMigrations } from '../../src/families/server.js';
import { adminPgUrl, freshDatabase, testDbKind } from '../helpers/db.js';

test('an idle connection terminated by the server is dropped, the next query works', { skip: testDbKind !== 'postgres' && 'PostgreSQL only' }, async () => {
  const fresh = await freshDatabase();
  const store = openStore({ databaseUrl: fresh.databaseUrl, sqlitePath: fresh.sqlitePath });
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => { uncaught.push(error); };
  process.on('uncaughtException', onUncaught);
  try {
    await migrateToLatest(store, allMigrations);
    assert.equal((await store.db.selectFrom('projects').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n, 0);
    const admin = new pg.Client({ connectionString: adminPgUrl });
    await admin.connect();
    try {
      const name = new URL(fresh.databaseUrl!).pathname.slice(1);
      const ended = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [name]);
      assert.ok(ended.rowCount! >= 1, 'the pool held an idle connection');
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(uncaught, []);
    assert.equal(Number((await store.db.selectFrom('projects').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n), 0);
  } finally {
    process.off('uncaughtException', onUncaught);
    await store.close();
    await fresh.drop();
  }
});
