import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openStore, type Store } from '../../src/store/database.js';
import { SYSTEM_TASK_CREATOR } from '../../src/store/task-store.js';
import type { VulScanTables } from '../../src/families/vul-scan/tables.js';
import { freshDatabase, type FreshDatabase } from '../helpers/db.js';
import { freePort, spawnGuardpost, type GuardpostProcess } from '../helpers/server.js';
import { pypiRecord, writeRecords } from '../families/vul-scan/vulndb-fixtures.js';
import { runCli } from './run-cli.js';

/** Two `guardpost vulndb import` processes at once, beside a running Guardpost server on the same database. */

let db: FreshDatabase;
let env: Record<string, string>;
let server: GuardpostProcess | undefined;
let store: Store | undefined;

before(async () => {
  db = await freshDatabase();
  const port = await freePort();
  env = { GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: `127.0.0.1:${port}`, ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}) };
  server = await spawnGuardpost(['start'], { env, endpoint: `http://127.0.0.1:${port}` });
});
after(async () => {
  await store?.close();
  await server?.stop(10_000);
  await db.drop();
});

const id = (i: number) => `GP-C-${String(i).padStart(4, '0')}`;
const range = (from: number, to: number, modified: string) => Array.from({ length: to - from }, (_, k) => pypiRecord(id(from + k), modified));

interface Summary { status: string; read: number; added: number; replaced: number; unchanged: number; rematch_task_id: string | null; import_id: string }

test('two imports of the same ids at once while the server runs: both succeed, the newer copies win, one re-match per import that changed something', async () => {
  // The same ids in the same order, so both write the same batches at about the same time (the race to survive).
  const older = writeRecords(join(db.dir, 'older'), range(0, 2000, '2024-01-01T00:00:00Z'));
  const newer = writeRecords(join(db.dir, 'newer'), range(0, 2000, '2024-06-01T00:00:00Z'));
  let importing = true;
  const both = Promise.all([runCli(['vulndb', 'import', older, '--json'], env), runCli(['vulndb', 'import', newer, '--json'], env)])
    .finally(() => { importing = false; });
  const statuses: number[] = [];
  while (importing) {
    statuses.push((await fetch(`${server!.endpoint}/openapi.json`)).status);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const [a, b] = await both;
  assert.equal(a.code, 0, a.stderr);
  assert.equal(b.code, 0, b.stderr);
  assert.ok(statuses.length > 0 && statuses.every((s) => s === 200), `the server kept answering: ${statuses.join(',')}`);
  assert.equal((await fetch(`${server!.endpoint}/openapi.json`)).status, 200);

  const first = JSON.parse(a.stdout) as Summary;
  const second = JSON.parse(b.stdout) as Summary;
  assert.equal(first.status, 'ok');
  assert.equal(second.status, 'ok');
  assert.equal(first.added + first.unchanged, 2000, 'older copies: added, or unchanged where the newer was first');
  assert.equal(second.added + second.replaced, 2000, 'newer copies: added, or replacing the older');
  assert.equal(first.added + second.added, 2000);

  store = openStore({ databaseUrl: db.databaseUrl, sqlitePath: db.sqlitePath });
  const v = store.db.withTables<VulScanTables>();
  const rows = await v.selectFrom('vul_advisories').select(['id', 'modified']).where('id', 'like', 'GP-C-%').orderBy('id').execute();
  assert.equal(rows.length, 2000);
  assert.ok(rows.every((r) => r.modified === '2024-06-01T00:00:00Z'), 'the newer copy of every id is stored');
  const packages = await v.selectFrom('vul_advisory_packages').select('advisory_id').where('advisory_id', 'like', 'GP-C-%').execute();
  assert.equal(packages.length, 2000, 'one package key per advisory, none doubled by the race');

  for (const summary of [first, second]) {
    // The older import changed nothing when the newer one had already stored every id: then it enqueues nothing.
    assert.equal(summary.rematch_task_id !== null, summary.added + summary.replaced > 0);
    if (summary.rematch_task_id === null) continue;
    const task = await v.selectFrom('tasks').selectAll().where('id', '=', summary.rematch_task_id).executeTakeFirstOrThrow();
    assert.deepEqual([task.family, task.kind, task.created_by], ['vul-scan', 'rematch', SYSTEM_TASK_CREATOR]);
    const jobs = await v.selectFrom('jobs').select(['kind', 'payload', 'agent_id']).where('task_id', '=', task.id).execute();
    assert.deepEqual(jobs.map((j) => [j.kind, j.agent_id, JSON.parse(j.payload)]), [['vul-rematch', null, { import_id: summary.import_id }]]);
    const row = await v.selectFrom('vul_imports').selectAll().where('id', '=', summary.import_id).executeTakeFirstOrThrow();
    assert.equal(row.rematch_task_id, summary.rematch_task_id);
    assert.notEqual(row.finished_at, null);
  }

  const stats = await runCli(['vulndb', 'stats', '--json'], env);
  assert.equal(stats.code, 0, stats.stderr);
  const parsed = JSON.parse(stats.stdout) as { ecosystems: Array<{ ecosystem: string; advisories: number; packages: number }> };
  assert.deepEqual(parsed.ecosystems.map((e) => [e.ecosystem, e.advisories, e.packages]), [['PyPI', 2000, 2000]]);
});
