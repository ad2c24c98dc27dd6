import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable } from '../../src/cli/output.js';
import { ProgressReporter, renderBar } from '../../src/cli/progress.js';

function recorder(isTTY: boolean) {
  const writes: string[] = [];
  return { stream: { isTTY, write: (text: string) => writes.push(text) }, writes };
}

describe('CLI progress and tables', () => {
  it('not a terminal: the first state at once, then a line only when it changed and the interval passed, and the final line', () => {
    let now = 0;
    const { stream, writes } = recorder(false);
    const progress = new ProgressReporter(stream, { plainIntervalMs: 5000, now: () => now });
    progress.update({ fraction: 0, label: '0% running' });
    now = 1000;
    progress.update({ fraction: 0.12, label: '12% running' });
    now = 5500;
    progress.update({ fraction: 0.12, label: '12% running' });
    now = 6000;
    progress.update({ fraction: 0.12, label: '12% running' });
    now = 20_000;
    progress.update({ fraction: 0.12, label: '12% running' });
    progress.done('100% 340 packets success (packet_limit)');
    assert.deepEqual(writes, ['0% running\n', '12% running\n', '100% 340 packets success (packet_limit)\n']);
  });

  it('a terminal: the bar is redrawn in place (at most every redraw interval) and cleared before the final line', () => {
    let now = 0;
    const { stream, writes } = recorder(true);
    const progress = new ProgressReporter(stream, { redrawIntervalMs: 100, now: () => now });
    progress.update({ fraction: 0.5, label: '1.0 KiB / 2.0 KiB' });
    now = 50;
    progress.update({ fraction: 0.6, label: 'skipped: too soon' });
    now = 200;
    progress.update({ fraction: undefined, label: '3 KiB' });
    progress.done('downloaded 3 KiB');
    assert.deepEqual(writes, [`\r\x1b[2K${renderBar(0.5)} 1.0 KiB / 2.0 KiB`, '\r\x1b[2K3 KiB', '\r\x1b[2K', 'downloaded 3 KiB\n']);
    assert.equal(renderBar(0.5), `[${'#'.repeat(15)}${'-'.repeat(15)}]  50%`);
    assert.equal(renderBar(2), `[${'#'.repeat(30)}] 100%`);
  });

  it('tables: a header row, aligned columns, "-" for missing values, one line per row', () => {
    const rows = [{ id: 'a', n: 1, note: null }, { id: 'longer-id', n: 22, note: 'two\nlines' }];
    assert.equal(formatTable([{ header: 'ID', value: (r) => r.id }, { header: 'N', value: (r) => r.n }, { header: 'NOTE', value: (r) => r.note }], rows),
      'ID         N   NOTE\na          1   -\nlonger-id  22  two lines');
  });
});
