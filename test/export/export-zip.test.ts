import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import {
  ExportLimitError,
  writeExportZip,
  type ExportColumn,
  type ExportRow,
  type ExportZipOptions,
} from '../../src/export/index.js';
import { readZipWithPython } from './zip-reader.js';

const root = mkdtempSync(join(tmpdir(), 'gp-export-test-'));
after(() => rmSync(root, { recursive: true, force: true }));
let seq = 0;

/** Writes an export to a fresh file, reads it back with python3 (zipfile + csv) and extracts it. */
async function exportAndRead(opts: Omit<ExportZipOptions, 'output'>) {
  const dir = join(root, `case-${++seq}`);
  mkdirSync(dir);
  const zipPath = join(dir, 'export.zip');
  const summary = await writeExportZip({ ...opts, output: createWriteStream(zipPath) });
  const extracted = join(dir, 'x');
  const report = await readZipWithPython(zipPath, extracted);
  return { summary, report, zipPath, extracted };
}

async function readWorkbook(path: string): Promise<ExcelJS.Workbook> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(path);
  return book;
}

function sheetValues(book: ExcelJS.Workbook, name: string): unknown[][] {
  const ws = book.getWorksheet(name);
  assert.ok(ws, `worksheet ${name}`);
  const rows: unknown[][] = [];
  ws.eachRow({ includeEmpty: true }, (row) => {
    const values = row.values as unknown[]; // exceljs: 1-based, index 0 unused
    rows.push(values.slice(1));
  });
  return rows;
}

const TEXT_COLUMNS: ExportColumn[] = [
  { key: 'id', header: 'id', type: 'number' },
  { key: 'text', header: '内容, "text"', type: 'string', width: 30 },
];

// [input, what CSV and XLSX must both show]
const TEXT_CASES: Array<[string | null, string]> = [
  ['plain', 'plain'],
  ['a,b', 'a,b'],
  ['say "hi"', 'say "hi"'],
  ['line1\nline2', 'line1\nline2'],
  ['line1\r\nline2 and\rlone CR', 'line1\nline2 and\nlone CR'],
  ['  spaced  ', '  spaced  '],
  ['镜像安全报告：恶意文件', '镜像安全报告：恶意文件'],
  ['emoji 😀🔒 mixed 中文', 'emoji 😀🔒 mixed 中文'],
  ['=1+2', "'=1+2"],
  ['+SUM(A1:A2)', "'+SUM(A1:A2)"],
  ['-2+3', "'-2+3"],
  ['@SUM(A1)', "'@SUM(A1)"],
  ['\tTAB', "'\tTAB"],
  ['\rCR', "'\nCR"],
  ["=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
  ['a=b is fine', 'a=b is fine'],
  ['bell\u0007char', 'bell\uFFFDchar'],
  [null, ''],
  ['', ''],
];

describe('writeExportZip: CSV and XLSX from one definition', () => {
  test('escaping, injection guard and Unicode agree between CSV (python csv) and XLSX (exceljs reader)', async () => {
    const rows: ExportRow[] = TEXT_CASES.map(([text], i) => ({ id: i, text }));
    const { summary, report, extracted } = await exportAndRead({ sheets: [{ name: 'cases', columns: TEXT_COLUMNS, rows }] });
    assert.deepEqual(summary.sheets, [{ name: 'cases', rows: TEXT_CASES.length }]);
    assert.deepEqual(summary.entries, ['cases.csv', 'report.xlsx']);
    assert.equal(report.badEntry, null);
    assert.deepEqual(
      report.entries.map((e) => [e.name, e.compressType]),
      [['cases.csv', 8], ['report.xlsx', 8]],
    );

    const expected = [['id', '内容, "text"'], ...TEXT_CASES.map(([, shown], i) => [String(i), shown])];
    assert.deepEqual(report.csv['cases.csv'], expected);

    const raw = readFileSync(join(extracted, 'cases.csv'));
    assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 BOM');
    const text = raw.toString('utf8').slice(1);
    assert.ok(text.startsWith('id,"内容, ""text"""\r\n'), text.slice(0, 40));
    assert.ok(text.endsWith('\r\n'));
    assert.equal(text.replace(/"[^"]*"/g, '').split('\n').filter((l) => l !== '' && !l.endsWith('\r')).length, 0, 'record ends are CRLF');

    const book = await readWorkbook(join(extracted, 'report.xlsx'));
    assert.deepEqual(book.worksheets.map((w) => w.name), ['cases']);
    const values = sheetValues(book, 'cases');
    assert.deepEqual(values[0], ['id', '内容, "text"']);
    TEXT_CASES.forEach(([, shown], i) => {
      const row = values[i + 1] ?? [];
      assert.equal(row[0], i, `row ${i} id is a number`);
      assert.equal(row[1] ?? '', shown, `row ${i} text`);
    });
  });

  test('number and date columns: numbers stay numeric (a negative number is not guarded), dates are UTC', async () => {
    const columns: ExportColumn[] = [
      { key: 'n', header: 'n', type: 'number' },
      { key: 'at', header: 'at', type: 'date' },
    ];
    const at = Date.UTC(2024, 2, 9, 7, 58, 26);
    const rows: ExportRow[] = [
      { n: -5, at },
      { n: 3.25, at: new Date(at) },
      { n: 12345678901n, at: null },
      { n: Number.NaN, at: 'not a date' },
      { n: '=HYPERLINK("x")', at: undefined },
      { n: null, at: new Date(Number.NaN) },
    ];
    const { report, extracted } = await exportAndRead({ sheets: [{ name: 'typed', columns, rows }] });
    assert.deepEqual(report.csv['typed.csv'], [
      ['n', 'at'],
      ['-5', '2024-03-09 07:58:26'],
      ['3.25', '2024-03-09 07:58:26'],
      ['12345678901', ''],
      ['NaN', 'not a date'],
      ['\'=HYPERLINK("x")', ''],
      ['', ''],
    ]);
    const values = sheetValues(await readWorkbook(join(extracted, 'report.xlsx')), 'typed');
    assert.deepEqual(values[1], [-5, new Date(at)]);
    assert.deepEqual(values[2], [3.25, new Date(at)]);
    assert.equal(values[3]?.[0], 12345678901);
    assert.deepEqual(values[4], ['NaN', 'not a date']);
    assert.equal(values[5]?.[0], '\'=HYPERLINK("x")');
  });

  test('several sheets (one empty, a Chinese name), sync and async sources; summary bytes and sha256 match the file', async () => {
    async function* slow(): AsyncGenerator<ExportRow> {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        yield { id: i, text: `async ${i}` };
      }
    }
    const sheets = [
      { name: 'malwares', columns: TEXT_COLUMNS, rows: slow() },
      { name: '空表', columns: TEXT_COLUMNS, rows: [] },
      { name: '敏感信息', columns: TEXT_COLUMNS, rows: [{ id: 7, text: '密钥 🔑' }] },
    ];
    const { summary, report, zipPath, extracted } = await exportAndRead({ sheets, workbookName: '镜像安全报告' });
    assert.deepEqual(summary.sheets, [
      { name: 'malwares', rows: 3 },
      { name: '空表', rows: 0 },
      { name: '敏感信息', rows: 1 },
    ]);
    assert.deepEqual(report.entries.map((e) => e.name), ['malwares.csv', '空表.csv', '敏感信息.csv', '镜像安全报告.xlsx']);
    assert.ok(report.entries.filter((e) => /[^\x20-\x7e]/.test(e.name)).every((e) => e.utf8Flag), 'UTF-8 name flag');
    assert.deepEqual(report.csv['空表.csv'], [['id', '内容, "text"']]);
    assert.deepEqual(report.csv['敏感信息.csv'], [['id', '内容, "text"'], ['7', '密钥 🔑']]);
    const zip = readFileSync(zipPath);
    assert.equal(summary.bytes, zip.length);
    assert.equal(summary.sha256, createHash('sha256').update(zip).digest('hex'));

    const book = await readWorkbook(join(extracted, '镜像安全报告.xlsx'));
    assert.deepEqual(book.worksheets.map((w) => w.name), ['malwares', '空表', '敏感信息']);
    assert.deepEqual(sheetValues(book, 'malwares'), [['id', '内容, "text"'], [0, 'async 0'], [1, 'async 1'], [2, 'async 2']]);
    assert.deepEqual(sheetValues(book, '空表'), [['id', '内容, "text"']]);
  });

  test('ZIP64 records (forced, as past 4 GiB) are read by python zipfile and by Info-ZIP unzip', async () => {
    const { report, zipPath } = await exportAndRead({
      sheets: [{ name: 's', columns: TEXT_COLUMNS, rows: [{ id: 1, text: 'x' }] }],
      forceZip64: true,
    });
    assert.equal(report.badEntry, null);
    assert.deepEqual(report.csv['s.csv'], [['id', '内容, "text"'], ['1', 'x']]);
    const zip = readFileSync(zipPath);
    assert.ok(zip.includes(Buffer.from([0x50, 0x4b, 0x06, 0x06])), 'ZIP64 end of central directory record');
    const unzip = spawnSync('unzip', ['-t', zipPath], { encoding: 'utf8' });
    if (unzip.error) return; // Info-ZIP not installed: python's reader above is the check
    assert.equal(unzip.status, 0, unzip.stdout + unzip.stderr);
    assert.match(unzip.stdout, /No errors detected/);
  });

  test('one format only: csv alone has no workbook, xlsx alone has no CSV and needs no temp file', async () => {
    const csvOnly = await exportAndRead({ sheets: [{ name: 's', columns: TEXT_COLUMNS, rows: [{ id: 1, text: 'x' }] }], formats: ['csv'] });
    assert.deepEqual(csvOnly.report.entries.map((e) => e.name), ['s.csv']);
    const tempDir = join(root, 'temp-xlsx-only');
    mkdirSync(tempDir);
    const xlsxOnly = await exportAndRead({
      sheets: [{ name: 's', columns: TEXT_COLUMNS, rows: [{ id: 1, text: 'x' }] }],
      formats: ['xlsx'],
      tempDir,
    });
    assert.deepEqual(xlsxOnly.report.entries.map((e) => e.name), ['report.xlsx']);
    assert.deepEqual(sheetValues(await readWorkbook(join(xlsxOnly.extracted, 'report.xlsx')), 's'), [['id', '内容, "text"'], [1, 'x']]);
    assert.deepEqual(readdirSync(tempDir), []);
  });
});

describe('writeExportZip: limits and failures', () => {
  const one = (name: string) => ({ name, columns: TEXT_COLUMNS, rows: [] });

  test('bad definitions are refused before anything is written', async () => {
    const bad: Array<[string, Partial<ExportZipOptions>]> = [
      ['no sheets', { sheets: [] }],
      ['slash in a sheet name', { sheets: [one('a/b')] }],
      ['sheet name over 31 characters', { sheets: [one('x'.repeat(32))] }],
      ['duplicate sheet names (case-insensitive)', { sheets: [one('Vuls'), one('vuls')] }],
      ['reserved sheet name', { sheets: [one('History')] }],
      ['duplicate column keys', { sheets: [{ name: 's', columns: [TEXT_COLUMNS[0], TEXT_COLUMNS[0]] as ExportColumn[], rows: [] }] }],
      ['no formats', { sheets: [one('s')], formats: [] }],
      ['path in the workbook name', { sheets: [one('s')], workbookName: '../evil' }],
      ['row bound above Excel', { sheets: [one('s')], maxRowsPerSheet: 1_048_576 }],
    ];
    for (const [what, opts] of bad) {
      const path = join(root, `bad-${++seq}.zip`);
      const output = createWriteStream(path);
      await assert.rejects(writeExportZip({ sheets: [], ...opts, output }), ExportLimitError, what);
      output.end();
      await new Promise<void>((r) => output.once('close', () => r()));
      assert.equal(statSync(path).size, 0, what);
    }
  });

  test('a sheet over maxRowsPerSheet stops the export with ExportLimitError, stops the source and removes the temp file', async () => {
    const tempDir = join(root, 'temp-limit');
    mkdirSync(tempDir);
    let produced = 0;
    let closed = false;
    async function* rows(): AsyncGenerator<ExportRow> {
      try {
        for (let i = 0; i < 1000; i++) {
          produced += 1;
          yield { id: i, text: 'r' };
        }
      } finally {
        closed = true;
      }
    }
    const output = createWriteStream(join(root, 'limit.zip'));
    await assert.rejects(
      writeExportZip({ sheets: [{ name: 's', columns: TEXT_COLUMNS, rows: rows() }], output, maxRowsPerSheet: 5, tempDir }),
      (e: unknown) => e instanceof ExportLimitError && /more than 5 rows/.test(e.message),
    );
    assert.equal(produced, 6);
    assert.ok(closed, 'source iterator returned');
    assert.ok(output.destroyed, 'output destroyed, no truncated zip left open');
    assert.deepEqual(readdirSync(tempDir), []);
  });

  test('a failing row source rejects the export with its own error', async () => {
    async function* rows(): AsyncGenerator<ExportRow> {
      yield { id: 1, text: 'ok' };
      throw new Error('database went away');
    }
    const output = createWriteStream(join(root, 'fail.zip'));
    await assert.rejects(writeExportZip({ sheets: [{ name: 's', columns: TEXT_COLUMNS, rows: rows() }], output }), /database went away/);
    assert.ok(output.destroyed);
  });

  test('cell text is cut at 32,767 characters in both formats', async () => {
    const long = '长'.repeat(40_000);
    const { report, extracted } = await exportAndRead({ sheets: [{ name: 's', columns: TEXT_COLUMNS, rows: [{ id: 1, text: long }] }] });
    assert.equal(report.csv['s.csv']?.[1]?.[1]?.length, 32_767);
    const values = sheetValues(await readWorkbook(join(extracted, 'report.xlsx')), 's');
    assert.equal(String(values[1]?.[1]).length, 32_767);
  });
});
