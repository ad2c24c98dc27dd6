import assert from 'node:assert/strict';
import fs from 'node:fs';
import { sql } from 'kysely';
import { after, before, describe, test } from 'node:test';
import { startLoggedServer, type LoggedTestServer } from './support.js';

/** Issue #7 item 15: /healthz and /readyz, failing for real (blob dir gone, schema behind, database closed). */

interface Ready { status: string; failed?: string[]; checks: Record<string, { status: string; error?: string }> }

async function get(ts: LoggedTestServer, path: string): Promise<{ status: number; body: Ready & Record<string, unknown> }> {
  const res = await fetch(`${ts.endpoint}${path}`);
  return { status: res.status, body: await res.json() as Ready & Record<string, unknown> };
}

describe('health endpoints', () => {
  let ts: LoggedTestServer;
  before(async () => {
    ts = await startLoggedServer();
  });
  after(async () => {
    await ts?.close();
  });

  test('/healthz is 200 {"status":"ok"} without credentials', async () => {
    const res = await fetch(`${ts.endpoint}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), '{"status":"ok"}');
  });

  test('/readyz is 200 with every check ok', async () => {
    const { status, body } = await get(ts, '/readyz');
    assert.equal(status, 200);
    assert.deepEqual(body, {
      status: 'ok', checks: { database: { status: 'ok' }, migrations: { status: 'ok' }, blob_store: { status: 'ok' } },
    });
    assert.deepEqual(fs.readdirSync(ts.server.ctx.config.blobDir).filter((n) => n.startsWith('.probe')), [], 'the probe cleans up');
  });

  test('/readyz is 503 naming blob_store while the blob directory is gone, and recovers', async () => {
    const dir = ts.server.ctx.config.blobDir;
    fs.renameSync(dir, `${dir}.away`);
    try {
      const { status, body } = await get(ts, '/readyz');
      assert.equal(status, 503);
      assert.equal(body.status, 'unavailable');
      assert.deepEqual(body.failed, ['blob_store']);
      assert.match(body.checks.blob_store!.error!, /blob store .*\(ENOENT\)/);
      assert.ok(!body.checks.blob_store!.error!.includes(dir), 'the path is not shown to unauthenticated callers');
      assert.equal(body.checks.database!.status, 'ok');
      assert.ok(ts.logs.some((l) => l.msg === 'readiness check failed' && l.check === 'blob_store' && l.level === 40), 'logged at warn');
    } finally {
      fs.renameSync(`${dir}.away`, dir);
    }
    assert.equal((await get(ts, '/readyz')).status, 200);
  });

  test('/readyz is 503 naming migrations when the schema is behind this build', async () => {
    const db = ts.server.ctx.store.db;
    const row = await sql<{ timestamp: string }>`select timestamp from kysely_migration where name = '0003_agent_indexes'`.execute(db);
    await sql`delete from kysely_migration where name = '0003_agent_indexes'`.execute(db);
    try {
      const { status, body } = await get(ts, '/readyz');
      assert.equal(status, 503);
      assert.deepEqual(body.failed, ['migrations']);
      assert.match(body.checks.migrations!.error!, /not applied: 0003_agent_indexes/);
    } finally {
      await sql`insert into kysely_migration (name, timestamp) values ('0003_agent_indexes', ${row.rows[0]!.timestamp})`.execute(db);
    }
    assert.equal((await get(ts, '/readyz')).status, 200);
  });
});

test('/readyz is 503 naming the database once the store is closed; /healthz stays 200', async () => {
  const ts = await startLoggedServer();
  try {
    await ts.server.ctx.store.close();
    const { status, body } = await get(ts, '/readyz');
    assert.equal(status, 503);
    assert.ok(body.failed?.includes('database'), JSON.stringify(body));
    assert.equal(body.checks.blob_store!.status, 'ok');
    assert.equal((await fetch(`${ts.endpoint}/healthz`)).status, 200);
  } finally {
    await ts.server.close().catch(() => undefined);
    await ts.db.drop();
  }
});
