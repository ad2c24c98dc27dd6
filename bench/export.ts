/**
 * Export benchmark: rows/s of the streaming CSV + XLSX zip writer (src/export) against, in the same run,
 * a baseline that writes the same rows as plain comma-joined CSV strings to /dev/null. Both sides get
 * the same synthetic HSS image-report rows; the ratio is the price of RFC 4180 quoting, the injection
 * guard, the XLSX worksheet and deflating both. See bench/README.md.
 *
 *   npm run bench:export -- [--rows 200000] [--formats csv,xlsx] [--json FILE]
 */
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Writable } from 'node:stream';
import { writeExportZip, type ExportFormat } from '../src/export/index.js';
import { REPORT_COLUMNS, reportRow, reportRows } from '../test/export/export-child.js';
import { runBench } from './support/entry.js';
import { parseFlags, positiveInt } from './support/flags.js';

const USAGE = 'npm run bench:export -- [--rows 200000] [--formats csv,xlsx] [--json FILE]';

async function closeAndWait(out: Writable): Promise<void> {
  out.end();
  await once(out, 'close');
}

/** The baseline: no quoting, no guard, no zip — one string per row, awaiting drain. */
async function plainCsv(rows: number): Promise<number> {
  const out = createWriteStream('/dev/null');
  const started = performance.now();
  out.write(`${REPORT_COLUMNS.map((c) => c.header).join(',')}\r\n`);
  for (let i = 0; i < rows; i++) {
    const row = reportRow(i);
    const line = `${REPORT_COLUMNS.map((c) => String(row[c.key] ?? '')).join(',')}\r\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  await closeAndWait(out);
  return (performance.now() - started) / 1000;
}

async function exportZip(rows: number, formats: ExportFormat[]): Promise<{ seconds: number; bytes: number }> {
  const started = performance.now();
  const summary = await writeExportZip({
    sheets: [{ name: 'malwares', columns: REPORT_COLUMNS, rows: reportRows(rows) }],
    formats,
    output: createWriteStream('/dev/null'),
  });
  return { seconds: (performance.now() - started) / 1000, bytes: summary.bytes };
}

async function main(): Promise<number> {
  const flags = parseFlags(process.argv.slice(2), { booleans: [], values: ['--rows', '--formats', '--json'] }, USAGE);
  const rows = positiveInt('--rows', flags.get('--rows') ?? '200000');
  if (rows > 1_048_575) throw new Error('--rows is at most 1,048,575 (one XLSX sheet)');
  const formats = (flags.get('--formats') ?? 'csv,xlsx').split(',').filter((f): f is ExportFormat => f === 'csv' || f === 'xlsx');
  if (formats.length === 0) throw new Error(`--formats must list csv and/or xlsx\n${USAGE}`);

  await plainCsv(Math.min(rows, 20_000)); // warm-up: JIT both row paths before timing
  await exportZip(Math.min(rows, 20_000), formats);
  const baseline = await plainCsv(rows);
  const zip = await exportZip(rows, formats);
  const result = {
    rows,
    formats,
    baselineRowsPerSecond: Math.round(rows / baseline),
    exportRowsPerSecond: Math.round(rows / zip.seconds),
    exportSeconds: Number(zip.seconds.toFixed(2)),
    zipBytes: zip.bytes,
    ratio: Number((zip.seconds / baseline).toFixed(2)),
    peakRssMiB: Math.round(process.resourceUsage().maxRSS / 1024),
  };
  console.log(`rows                       ${rows.toLocaleString('en-US')}`);
  console.log(`plain CSV → /dev/null      ${result.baselineRowsPerSecond.toLocaleString('en-US')} rows/s (${baseline.toFixed(2)} s)`);
  console.log(`export zip (${formats.join('+')}) → /dev/null  ${result.exportRowsPerSecond.toLocaleString('en-US')} rows/s (${zip.seconds.toFixed(2)} s, ${(zip.bytes / 1048576).toFixed(1)} MiB zip)`);
  console.log(`ratio export / baseline    ${result.ratio}× the time`);
  console.log(`peak RSS (this process)    ${result.peakRssMiB} MiB`);
  const json = flags.get('--json');
  if (json) writeFileSync(json, `${JSON.stringify(result, null, 2)}\n`);
  return 0;
}

runBench(main, async () => undefined, () => undefined);
