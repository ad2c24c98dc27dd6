import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { writeExportZip, type ExportFormat, type ExportRow } from '../../src/export/index.js';
import { REPORT_COLUMNS, reportRow } from './export-child.js';

const dir = mkdtempSync(join(tmpdir(), 'gp-export-bp-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** An output that holds every write until `open()`: a client that stopped reading. */
class GatedOutput extends Writable {
  bytes = 0;
  private waiting: Array<() => void> = [];
  private gated = true;

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const done = (): void => {
      this.bytes += chunk.length;
      callback();
    };
    if (this.gated) this.waiting.push(done);
    else done();
  }

  open(): void {
    this.gated = false;
    for (const done of this.waiting.splice(0)) done();
  }
}

/** Polls `read` until it stops changing for `quietMs` (bounded by `maxMs`). */
async function settled(read: () => number, quietMs = 400, maxMs = 20_000): Promise<number> {
  let value = read();
  let quietSince = Date.now();
  const started = Date.now();
  while (Date.now() - quietSince < quietMs && Date.now() - started < maxMs) {
    await sleep(50);
    const now = read();
    if (now !== value) {
      value = now;
      quietSince = Date.now();
    }
  }
  return value;
}

const TOTAL = 100_000;

for (const formats of [['csv', 'xlsx'], ['xlsx'], ['csv']] as ExportFormat[][]) {
  test(`backpressure (${formats.join('+')}): a stalled output stops the row source; releasing it completes the export`, { timeout: 120_000 }, async () => {
    let produced = 0;
    function* rows(): Generator<ExportRow> {
      for (let i = 0; i < TOTAL; i++) {
        produced += 1;
        yield reportRow(i);
      }
    }
    const output = new GatedOutput();
    const run = writeExportZip({ sheets: [{ name: 'malwares', columns: REPORT_COLUMNS, rows: rows() }], formats, output, tempDir: dir });
    const stalledAt = await settled(() => produced);
    console.log(`${formats.join('+')}: ${stalledAt} rows read while the output was stalled`);
    // ~330 bytes of CSV per row: a writer that ignored backpressure would have read all 100,000 rows by now.
    assert.ok(stalledAt < TOTAL / 4, `read ${stalledAt} rows while the output accepted nothing`);
    output.open();
    const summary = await run;
    assert.equal(produced, TOTAL);
    assert.deepEqual(summary.sheets, [{ name: 'malwares', rows: TOTAL }]);
    assert.equal(summary.bytes, output.bytes);
  });
}

for (const formats of [['csv', 'xlsx'], ['xlsx'], ['csv']] as ExportFormat[][]) {
  test(`an output destroyed while stalled (${formats.join('+')}) fails the export with its error and stops the source`, { timeout: 60_000 }, async () => {
    let closed = false;
    function* rows(): Generator<ExportRow> {
      try {
        for (let i = 0; i < TOTAL; i++) yield reportRow(i);
      } finally {
        closed = true;
      }
    }
    const output = new GatedOutput();
    const run = writeExportZip({ sheets: [{ name: 'malwares', columns: REPORT_COLUMNS, rows: rows() }], formats, output, tempDir: dir });
    await sleep(300);
    output.destroy(new Error('client went away'));
    await assert.rejects(run, /client went away|premature close/i);
    assert.ok(closed, 'row source returned');
  });
}
