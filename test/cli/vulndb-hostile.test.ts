import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, writeFileSync, writeSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDeflateRaw } from 'node:zlib';
import { openStore, type Store } from '../../src/store/database.js';
import { freshDatabase, type FreshDatabase } from '../helpers/db.js';
import { OSV_DATA, rawZip, storedEntry, type RawZipEntry } from '../engines/vuln/vuln-helpers.js';
import { advisoryFingerprint, pypiRecord, rowCounts, writeRecords } from '../families/vul-scan/vulndb-fixtures.js';
import { runCli, type CliResult } from './run-cli.js';

/**
 * `guardpost vulndb import` on hostile and broken input, through the real CLI process and a real database: each
 * case is a clear error (exit 1, nothing stored) or a reported-and-skipped record (exit 3, the rest stored).
 */

let db: FreshDatabase;
let env: Record<string, string>;
let store: Store;
let work: string;

before(async () => {
  db = await freshDatabase();
  env = { GUARDPOST_HOME: db.dir, ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}) };
  work = join(db.dir, 'inputs');
  mkdirSync(work);
  const baseline = await importCli([writeRecords(join(work, 'baseline'), [pypiRecord('GP-BASE-1', '2024-01-01T00:00:00Z'), pypiRecord('GP-BASE-2', '2024-01-01T00:00:00Z')])]);
  assert.equal(baseline.code, 0, baseline.stderr);
  store = openStore({ databaseUrl: db.databaseUrl, sqlitePath: db.sqlitePath });
});
after(async () => {
  await store?.close();
  await db.drop();
});

const importCli = (paths: string[]) => runCli(['vulndb', 'import', ...paths, '--json'], env);
const record = (id: string) => JSON.stringify(pypiRecord(id, '2024-01-01T00:00:00Z'));

interface Snapshot { fingerprint: string; advisories: number; packages: number; tasks: number; jobs: number; imports: number }
async function snapshot(): Promise<Snapshot> {
  const counts = await rowCounts(store.db);
  return { fingerprint: await advisoryFingerprint(store.db), advisories: counts.advisories, packages: counts.packages, tasks: counts.tasks, jobs: counts.jobs, imports: counts.imports };
}

/** Runs the import and checks it failed with nothing stored (only its own failed `vul_imports` row). */
async function refused(paths: string[], reason: RegExp): Promise<CliResult> {
  const before = await snapshot();
  const result = await importCli(paths);
  assert.equal(result.code, 1, `exit 1 expected:\n${result.stderr}`);
  assert.match(result.stderr, /guardpost: vulndb import failed: /);
  assert.match(result.stderr, reason);
  const summary = JSON.parse(result.stdout) as { status: string; added: number; error: string };
  assert.equal(summary.status, 'failed');
  assert.equal(summary.added, 0);
  assert.deepEqual(await snapshot(), { ...before, imports: before.imports + 1 });
  return result;
}

/** `size` zero bytes deflated as a stream: a real deflate bomb (256 MiB → ≈ 250 KB). */
async function deflatedZeros(size: number): Promise<Buffer> {
  const deflate = createDeflateRaw({ level: 9 });
  const chunks: Buffer[] = [];
  deflate.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const zero = Buffer.alloc(1 << 20);
  for (let left = size; left > 0; left -= zero.length) {
    if (!deflate.write(zero)) await new Promise((r) => deflate.once('drain', r));
  }
  deflate.end();
  await done;
  return Buffer.concat(chunks);
}

describe('vulndb import: fatal source problems store nothing (exit 1)', () => {
  test('a zip with a path-traversal entry', async () => {
    const zip = join(work, 'traversal.zip');
    writeFileSync(zip, rawZip([storedEntry('good.json', record('GP-TRAV-GOOD')), storedEntry('../../etc/evil.json', record('GP-TRAV-EVIL'))]));
    await refused([zip], /\.\.\/\.\.\/etc\/evil\.json: path traversal/);
  });

  test('a zip entry whose name holds a NUL character (the failure is still recorded: PostgreSQL text cannot hold NUL)', async () => {
    const zip = join(work, 'nul-name.zip');
    writeFileSync(zip, rawZip([storedEntry('good.json', record('GP-NULNAME-GOOD')), storedEntry('evil\u0000.json', record('GP-NULNAME-EVIL'))]));
    await refused([zip], /NUL in name/);
  });

  test('a zip bomb: 256 MiB of zeros deflated into one entry', async () => {
    const zip = join(work, 'bomb.zip');
    const bomb: RawZipEntry = { name: 'bomb.json', data: await deflatedZeros(256 << 20), method: 8, crc: 0, uncompressedSize: 256 << 20 };
    writeFileSync(zip, rawZip([storedEntry('good.json', record('GP-BOMB-GOOD')), bomb]));
    await refused([zip], /bomb\.json: entry is 268435456 bytes, over the 4194304-byte limit; compression ratio over 100:1 \(zip bomb\?\)/);
  });

  test('a small entry that inflates far past its declared size', async () => {
    const zip = join(work, 'liar.zip');
    const liar: RawZipEntry = { name: 'liar.json', data: await deflatedZeros(8 << 20), method: 8, crc: 0, uncompressedSize: 1000 };
    writeFileSync(zip, rawZip([storedEntry('good.json', record('GP-LIAR-GOOD')), liar]));
    await refused([zip], /liar\.json: too many bytes in the stream/);
  });

  test('a file named .zip that is not a zip', async () => {
    const zip = join(work, 'garbage.zip');
    writeFileSync(zip, 'this is not a zip archive at all');
    await refused([zip], /garbage\.zip: not a readable zip/);
  });

  test('a truncated osv.dev export after a good source: the good one is not stored either', async () => {
    const zip = join(work, 'truncated.zip');
    writeFileSync(zip, (await readFile(join(OSV_DATA, 'PyPI.zip'))).subarray(0, 1 << 20));
    const good = writeRecords(join(work, 'good-before-bad'), [pypiRecord('GP-GOOD-FIRST', '2024-01-01T00:00:00Z')]);
    await refused([good, zip], /truncated\.zip: not a readable zip/);
  });

  test('a missing path', async () => {
    await refused([join(work, 'no-such-file.zip')], /no-such-file\.zip: cannot read: ENOENT/);
  });

  test('a file that cannot be read (/proc/self/mem: a regular file whose read fails with EIO), after a good source', async () => {
    const good = writeRecords(join(work, 'good-before-unreadable'), [pypiRecord('GP-GOOD-UNREADABLE', '2024-01-01T00:00:00Z')]);
    await refused([good, '/proc/self/mem'], /\/proc\/self\/mem: unreadable: EIO/);
  });

  test('an empty directory', async () => {
    const empty = join(work, 'empty');
    mkdirSync(empty);
    await refused([empty], /empty: no OSV records found/);
  });
});

describe('vulndb import: bad records are reported and skipped (exit 3)', () => {
  async function skipped(paths: string[], reason: RegExp, added: string[]): Promise<void> {
    const before = await snapshot();
    const result = await importCli(paths);
    assert.equal(result.code, 3, `exit 3 expected:\n${result.stderr}`);
    assert.match(result.stderr, reason);
    const summary = JSON.parse(result.stdout) as { status: string; added: number; invalid: number };
    assert.equal(summary.status, 'ok');
    assert.equal(summary.invalid, 1);
    assert.equal(summary.added, added.length);
    const after = await snapshot();
    assert.equal(after.advisories, before.advisories + added.length);
    for (const id of added) assert.match(after.fingerprint, new RegExp(`^${id}@`, 'm'));
  }

  test('an invalid JSON record next to a valid one', async () => {
    const dir = writeRecords(join(work, 'bad-json'), [pypiRecord('GP-JSON-OK', '2024-01-01T00:00:00Z')]);
    writeFileSync(join(dir, 'broken.json'), '{"id": "GP-BROKEN", ');
    await skipped([dir], /guardpost: invalid record .*broken\.json: invalid JSON/, ['GP-JSON-OK']);
  });

  test('a record with a NUL character in a package name', async () => {
    const dir = writeRecords(join(work, 'nul'), [
      pypiRecord('GP-NUL-OK', '2024-01-01T00:00:00Z'),
      { ...pypiRecord('GP-NUL-BAD', '2024-01-01T00:00:00Z'), affected: [{ package: { ecosystem: 'PyPI', name: 'evil\u0000name' }, versions: ['1.0'] }] },
    ]);
    await skipped([dir], /invalid record .*GP-NUL-BAD\.json: not an OSV record: \/affected\/0\/package\/name contains a NUL character/, ['GP-NUL-OK']);
  });

  test('a 100 MB single record is refused by its size, before it is read', async () => {
    const dir = join(work, 'huge');
    mkdirSync(dir);
    const huge = join(dir, 'huge.json');
    const fd = openSync(huge, 'w');
    try {
      writeSync(fd, '{"id":"GP-HUGE","modified":"2024-01-01T00:00:00Z","details":"');
      const chunk = Buffer.alloc(1 << 20, 'A');
      for (let i = 0; i < 100; i += 1) writeSync(fd, chunk);
      writeSync(fd, '"}');
    } finally {
      closeSync(fd);
    }
    writeFileSync(join(dir, 'small.json'), record('GP-HUGE-NEIGHBOUR'));
    try {
      // The message is the one of the size check made on the file's metadata, before any byte is read.
      await skipped([dir], /invalid record .*huge\.json: file is 104857663 bytes, over the 4194304-byte record limit/, ['GP-HUGE-NEIGHBOUR']);
    } finally {
      rmSync(huge, { force: true });
    }
  });
});
