/**
 * Child process for the constant-memory test and the bench: writes a synthetic HSS-like report of
 * `--rows N` rows (CSV + XLSX zip) to `--out FILE` and prints one JSON line with the summary and
 * this process's peak RSS (`process.resourceUsage().maxRSS`, KiB).
 *
 *   node dist/test/export/export-child.js --rows 200000 --out /tmp/x.zip [--formats csv,xlsx]
 */
import { createWriteStream } from 'node:fs';
import { writeExportZip, type ExportColumn, type ExportFormat, type ExportRow } from '../../src/export/index.js';

export const REPORT_COLUMNS: ExportColumn[] = [
  { key: 'image_name', header: '镜像名称', type: 'string', width: 40 },
  { key: 'file_path', header: 'file_path', type: 'string', width: 60 },
  { key: 'severity', header: '风险等级', type: 'string' },
  { key: 'size', header: 'size', type: 'number' },
  { key: 'latest_scan_time', header: 'latest_scan_time', type: 'date', width: 20 },
  { key: 'description', header: 'description', type: 'string', width: 80 },
];

/** Row i of the synthetic report (~330 bytes of CSV): deterministic, so a reader can check any row. */
export function reportRow(i: number): ExportRow {
  return {
    image_name: `swr.cn-north-4.example.com/team-${i % 97}/webshell-${i}:v${i % 7}`,
    file_path: `/usr/lib/node_modules/pkg-${i}/dist/index-${(i * 2654435761) % 4294967296}.js`,
    severity: ['critical', 'high', 'medium', 'low'][i % 4] ?? 'low',
    size: i * 37,
    latest_scan_time: 1_709_973_506_292 + i * 1000,
    description: `发现恶意文件 ${i}, "quoted", =cmd|' /C calc'!A0 — row ${i} of the synthetic report with some padding text`,
  };
}

export async function* reportRows(count: number): AsyncGenerator<ExportRow> {
  for (let i = 0; i < count; i++) yield reportRow(i);
}

function arg(name: string): string | undefined {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
}

async function main(): Promise<void> {
  const rows = Number(arg('--rows'));
  const out = arg('--out');
  if (!Number.isInteger(rows) || rows < 0 || rows > 1_048_575 || !out) throw new Error('usage: --rows N --out FILE');
  const formats = (arg('--formats') ?? 'csv,xlsx').split(',').filter((f): f is ExportFormat => f === 'csv' || f === 'xlsx');
  const started = process.hrtime.bigint();
  const summary = await writeExportZip({
    sheets: [{ name: 'malwares', columns: REPORT_COLUMNS, rows: reportRows(rows) }],
    formats,
    output: createWriteStream(out),
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  console.log(JSON.stringify({ ...summary, seconds, maxRssKiB: process.resourceUsage().maxRSS }));
}

if (process.argv[1]?.endsWith('export-child.js')) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : error);
    process.exit(1);
  });
}
