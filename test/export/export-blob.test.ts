import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { BlobTooLargeError } from '../../src/blobs/blob-store.js';
import { FsBlobStore } from '../../src/blobs/fs-blob-store.js';
import { writeExportZip, type ExportRow, type ExportSheet } from '../../src/export/index.js';
import { REPORT_COLUMNS, reportRow } from './export-child.js';

/** How the export-task flow is meant to store a report: the writer's output piped into BlobStore.put. */
const dir = mkdtempSync(join(tmpdir(), 'gp-export-blob-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const store = new FsBlobStore(join(dir, 'blobs'));

function sheet(count: number, onClose?: () => void): ExportSheet {
  function* rows(): Generator<ExportRow> {
    try {
      for (let i = 0; i < count; i++) yield reportRow(i);
    } finally {
      onClose?.();
    }
  }
  return { name: 'malwares', columns: REPORT_COLUMNS, rows: rows() };
}

test('an export streamed into the blob store: the stored blob has the summary size and sha256', async () => {
  const pipe = new PassThrough();
  const [summary, blob] = await Promise.all([
    writeExportZip({ sheets: [sheet(5000)], output: pipe, tempDir: dir }),
    store.put('exports/p1/report.zip', pipe),
  ]);
  assert.equal(blob.size, summary.bytes);
  assert.equal(blob.sha256, summary.sha256);
  assert.deepEqual(await store.stat('exports/p1/report.zip'), blob);
});

test('a blob size limit stops the export: both reject, no blob, the row source is closed', async () => {
  let closed = false;
  const pipe = new PassThrough();
  const [exported, stored] = await Promise.allSettled([
    writeExportZip({ sheets: [sheet(100_000, () => (closed = true))], output: pipe, tempDir: dir }),
    store.put('exports/p1/too-big.zip', pipe, { maxBytes: 64 * 1024 }),
  ]);
  assert.equal(stored.status, 'rejected');
  assert.ok(stored.status === 'rejected' && stored.reason instanceof BlobTooLargeError);
  assert.equal(exported.status, 'rejected');
  assert.ok(closed);
  assert.equal(await store.stat('exports/p1/too-big.zip'), null);
});
