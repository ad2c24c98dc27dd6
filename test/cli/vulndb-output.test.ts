import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { freshDatabase, type FreshDatabase } from '../helpers/db.js';
import { pypiRecord, writeRecords } from '../families/vul-scan/vulndb-fixtures.js';
import { runCli } from './run-cli.js';

/** What `guardpost vulndb import` and `stats` print for people and for scripts, and their usage errors. */

let db: FreshDatabase;
let env: Record<string, string>;
before(async () => {
  db = await freshDatabase();
  env = { GUARDPOST_HOME: db.dir, ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}) };
});
after(async () => { await db.drop(); });

test('stats on an empty store, then import: stdout stays empty, stderr ends with the one-line summary; stats lists the ecosystem', async () => {
  const empty = await runCli(['vulndb', 'stats'], env);
  assert.equal(empty.code, 0, empty.stderr);
  assert.match(empty.stdout, /the advisory store is empty/);

  const dir = writeRecords(join(db.dir, 'in'), [
    pypiRecord('GP-OUT-1', '2024-01-01T00:00:00Z'), pypiRecord('GP-OUT-2', '2024-01-01T00:00:00Z'),
    pypiRecord('GP-OUT-3', '2024-01-01T00:00:00Z', { withdrawn: '2024-01-02T00:00:00Z' }),
  ]);
  const result = await runCli(['vulndb', 'import', dir], env);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, '');
  const last = result.stderr.trimEnd().split('\n').at(-1) ?? '';
  assert.match(last, new RegExp(`^import [0-9a-f]{32}: 3 read, 2 added, 0 replaced, 0 unchanged, 1 withdrawn, 0 invalid \\[${dir}: 3 read, 2 added, `));

  const table = await runCli(['vulndb', 'stats'], env);
  assert.equal(table.code, 0, table.stderr);
  const lines = table.stdout.trimEnd().split('\n');
  assert.match(lines[0]!, /^ECOSYSTEM\s+ADVISORIES\s+WITHDRAWN\s+PACKAGES\s+LAST IMPORT$/);
  assert.match(lines[1]!, /^PyPI\s+2\s+1\s+2\s+\d{4}-\d{2}-\d{2}T/);
  assert.match(lines[2]!, /^last import [0-9a-f]{32}: started .*, finished /);

  const json = await runCli(['vulndb', 'import', dir, '--json'], env);
  assert.equal(json.code, 0, json.stderr);
  const summary = JSON.parse(json.stdout) as { status: string; unchanged: number; sources: Array<{ path: string; unchanged: number }>; rematch_task_id: null };
  assert.equal(summary.status, 'ok');
  assert.equal(summary.unchanged, 3);
  assert.deepEqual(summary.sources.map((s) => [s.path, s.unchanged]), [[dir, 3]]);
  assert.equal(summary.rematch_task_id, null);
});

test('usage errors exit 2; help lists the verbs', async () => {
  const missing = await runCli(['vulndb', 'import'], env);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing required argument 'path/);
  const help = await runCli(['vulndb', '--help'], env);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /import \[options\] <path\.\.\.>/);
  assert.match(help.stdout, /stats/);
  const top = await runCli(['--help'], env);
  assert.match(top.stdout, /vulndb\s+the OSV advisory store/);
});
