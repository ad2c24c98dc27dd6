// First: points HOME at a temporary directory before anything below can load an SDK module.
import { sdkHome } from '../interop/sdk-home.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import { scanImage } from '../../src/engines/image/scan/scan-image.js';
import { SECURITY_REPORT_TYPES, type ImageScanReport, type SecurityReportType } from '../../src/engines/image/report.js';
import { tempDir } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { readZipWithPython } from '../export/zip-reader.js';
import { adminUserId, tokenFor } from '../api/support.js';
import { BASE_CREATED_BY, get, upload, waitForTask, writeTestImage, type Api, type ImageFiles } from '../families/image/image-fixtures.js';

/**
 * ExportImageSecurityReportTask end to end through the official SDK core (AK/SK-signed HcClient): images built in
 * the test are uploaded (docker-archive, then the OCI archive of the same image as a rescan), every report type is
 * exported (full and batch mode, filters, the export_size cap), polled with ListQueryExportTask, downloaded with
 * ListDownloadExportedFile and its zip read back: CSV (python's csv) and XLSX (exceljs) rows checked exactly.
 * The real alpine 3.10 image's apk packages are listed exactly through ListImageApps and the apps export.
 */

assert.equal(process.env.HOME, sdkHome);
const { ClientBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js');
const { Logger4jInstance } = await import('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js');
type HcClient = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HcClient;
Logger4jInstance.level = 'off';

const ALPINE = new URL('../../../../shared/data/images/alpine-3.10.docker-archive.tar.gz', import.meta.url).pathname;

const LAYER = ['layer_index', 'layer_digest', 'created_by'];
const HEADERS: Record<SecurityReportType, string[]> = {
  apps: ['app_name', 'app_type', 'app_version', 'source_name', 'app_path', 'vul_num'],
  files: ['file_name', 'file_path', 'size', 'mode', 'flags'],
  malwares: ['file_name', 'file_path', 'size', 'description'],
  'sensitive-info': ['sensitive_info_id', 'rule_id', 'severity', 'name', 'description', 'file_path', 'position', 'content'],
  'non-compliant-app': ['app_name', 'app_version', 'app_path', 'license', 'reason'],
  'build-command-risks': ['rule_id', 'risk_name', 'risk_level', 'description', 'history_index', 'build_instruction', 'remediation'],
};
const header = (type: SecurityReportType) => ['image_id', 'image_name', 'image_version', ...HEADERS[type], ...LAYER];

const cell = (v: unknown) => (v === null || v === undefined ? '' : String(v));
const layerCells = (r: { layerIndex: number | null; layerDigest: string; createdBy: string }) => [cell(r.layerIndex), r.layerDigest, r.createdBy];

/** The rows an export must hold for a scan report (written here independently of the family's converters). */
function expectedRows(type: SecurityReportType, report: ImageScanReport, name: string, version: string): string[][] {
  const id = [report.imageId, name, version];
  switch (type) {
    case 'apps': return report.rows.apps.map((r) => [...id, r.appName, r.appType, r.appVersion, r.sourceName, r.appPath, '0', ...layerCells(r)]);
    case 'files': return report.rows.files.map((r) => [...id, r.fileName, r.filePath, String(r.size), r.mode.toString(8).padStart(4, '0'), r.flags.join(';'), ...layerCells(r)]);
    case 'malwares': return report.rows.malwares.map((r) => [...id, r.fileName, r.filePath, String(r.size), r.description, ...layerCells(r)]);
    case 'sensitive-info': return report.rows['sensitive-info'].map((r) => [...id, r.sensitiveInfoId, r.ruleId, r.severity, r.name, r.description, r.filePath, r.position, r.content, ...layerCells(r)]);
    case 'non-compliant-app': return report.rows['non-compliant-app'].map((r) => [...id, r.appName, r.appVersion, r.appPath, r.license, r.reason, ...layerCells(r)]);
    case 'build-command-risks': return report.rows['build-command-risks'].map((r) => [...id, r.ruleId, r.riskName, r.riskLevel, r.description, cell(r.historyIndex), r.buildInstruction, r.remediation, ...layerCells(r)]);
  }
}

async function xlsxRows(file: string, sheet: string, width: number): Promise<string[][]> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(file);
  const ws = book.getWorksheet(sheet);
  assert.ok(ws, `worksheet ${sheet}`);
  const rows: string[][] = [];
  ws.eachRow({ includeEmpty: true }, (row) => {
    const values = (row.values as unknown[]).slice(1);
    rows.push(Array.from({ length: width }, (_, i) => cell(values[i])));
  });
  return rows;
}

describe('image security report exports through the SDK core', () => {
  let ts: TestServer;
  let sdk: HcClient;
  let api: Api;
  let files: ImageFiles;
  let dir = '';
  let report: ImageScanReport;

  const call = <T>(method: string, url: string, query: Record<string, unknown> = {}, body?: Record<string, unknown>) => sdk.sendRequest({
    method, url, contentType: 'application/json', pathParams: { project_id: api.projectId }, queryParams: query, headers: {},
    ...(body === undefined ? {} : { data: body }),
  }) as Promise<T & { httpStatusCode: number }>;

  /** Export → poll → download → unzip; returns the CSV rows (header first) after checking the XLSX holds the same. */
  async function exportRows(body: Record<string, unknown>): Promise<string[][]> {
    const type = body.security_report_type as SecurityReportType;
    const created = await call<{ task_id: string }>('POST', '/v5/{project_id}/image/security-report/export-tasks', {}, body);
    assert.equal(created.httpStatusCode, 200);
    let info: { task_status: string; file_id?: string; file_name?: string } = { task_status: 'running' };
    for (let i = 0; i < 300 && info.task_status === 'running'; i++) {
      info = await call<typeof info>('GET', `/v5/{project_id}/export-task/${created.task_id}`);
      if (info.task_status === 'running') await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(info.task_status, 'success', JSON.stringify(info));
    assert.match(info.file_name ?? '', new RegExp(`^hss-image-${type}-\\d{8}\\.zip$`));
    const download = await fetch(`${ts.endpoint}/v5/${api.projectId}/download/${info.file_id}`, { headers: { 'x-auth-token': api.token } });
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/zip');
    const out = fs.mkdtempSync(path.join(dir, 'zip-'));
    const zipPath = path.join(out, 'report.zip');
    fs.writeFileSync(zipPath, Buffer.from(await download.arrayBuffer()));
    const zip = await readZipWithPython(zipPath, out);
    assert.equal(zip.badEntry, null);
    assert.deepEqual(zip.entries.map((e) => e.name), [`${type}.csv`, `${type}.xlsx`]);
    const csv = zip.csv[`${type}.csv`]!;
    assert.deepEqual(csv[0], header(type));
    assert.deepEqual(await xlsxRows(path.join(out, `${type}.xlsx`), type, header(type).length), csv);
    return csv;
  }

  before(async () => {
    dir = tempDir('gp-image-export-');
    files = await writeTestImage(dir);
    ts = await startTestServer({ env: { GUARDPOST_IMAGE_MAX_UPLOAD_BYTES: String(64 * 1024 * 1024) } });
    const creds = ts.credentials;
    sdk = new ClientBuilder<HcClient>((hc) => hc)
      .withCredential(new BasicCredentials().withAk(creds.ak).withSk(creds.sk).withProjectId(creds.project_id)).withEndpoint(ts.endpoint).build();
    api = { endpoint: ts.endpoint, token: await tokenFor(ts, await adminUserId(ts), { projectId: creds.project_id }), projectId: creds.project_id };
    report = await scanImage(files.docker);
    for (const file of [files.docker, files.oci]) {
      const res = await upload(api, file, '?image_name=test/app&image_version=1.0');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.image_id, files.image.configDigest);
      await waitForTask(api, res.body.task_id!);
    }
  });
  after(async () => {
    await ts?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every report type: full mode holds exactly the stored findings, once (the OCI upload was a rescan)', async () => {
    for (const type of SECURITY_REPORT_TYPES) {
      const rows = await exportRows({ export_size: 200_000, security_report_type: type, operate_all: true, image_type: 'cicd' });
      assert.deepEqual(rows.slice(1), expectedRows(type, report, 'test/app', '1.0'), type);
    }
  });

  test('apps rows are exactly the image\'s packages with their origin and layer', async () => {
    const rows = await exportRows({ export_size: 100, security_report_type: 'apps', operate_all: false, image_id_list: [files.image.configDigest], image_type: 'cicd' });
    const diff0 = files.image.layers[0]!.diffId;
    assert.deepEqual(rows.slice(1), [
      [files.image.configDigest, 'test/app', '1.0', 'busybox', 'apk', '1.30.1-r2', 'busybox', '/lib/apk/db/installed', '0', '0', diff0, BASE_CREATED_BY],
      [files.image.configDigest, 'test/app', '1.0', 'musl', 'apk', '1.1.22-r3', 'musl', '/lib/apk/db/installed', '0', '0', diff0, BASE_CREATED_BY],
    ]);
  });

  test('export_size caps the rows; filters that match nothing give a header-only report', async () => {
    const capped = await exportRows({ export_size: 1, security_report_type: 'apps', operate_all: true, image_type: 'cicd' });
    assert.equal(capped.length, 2);
    const none = await exportRows({ export_size: 10, security_report_type: 'apps', operate_all: true, image_type: 'cicd', image_name: 'no-such-image' });
    assert.deepEqual(none, [header('apps')]);
    const local = await exportRows({ export_size: 10, security_report_type: 'apps', operate_all: true, image_type: 'local_image' });
    assert.deepEqual(local, [header('apps')]);
    const risks = await exportRows({ export_size: 10, security_report_type: 'build-command-risks', operate_all: true, image_type: 'cicd', build_command_rule_id_list: ['no-such-rule'] });
    assert.deepEqual(risks, [header('build-command-risks')]);
    const stat = await call<{ total_num: number }>('POST', '/v5/{project_id}/image/security-report/statistic', { security_report_type: 'apps' }, { image_type: 'cicd', operate_all: true });
    assert.equal(stat.total_num, report.rows.apps.length);
  });

  test('the real alpine 3.10 image: its apk packages exactly, through ListImageApps and the apps export', async () => {
    const manifest = JSON.parse(execFileSync('tar', ['-xzOf', ALPINE, 'manifest.json']).toString()) as Array<{ Layers: string[] }>;
    const layer = execFileSync('tar', ['-xzOf', ALPINE, manifest[0]!.Layers[0]!], { maxBuffer: 64 * 1024 * 1024 });
    const installed = execFileSync('tar', ['-xO', 'lib/apk/db/installed'], { input: layer, maxBuffer: 64 * 1024 * 1024 }).toString();
    const expected = installed.split('\n\n').filter((b) => b.includes('P:')).map((block) => {
      const field = (k: string) => block.split('\n').find((l) => l.startsWith(`${k}:`))?.slice(2) ?? '';
      return [field('P'), field('V'), field('o')];
    }).sort((a, b) => (a.join(' ') < b.join(' ') ? -1 : 1));
    const res = await upload(api, ALPINE);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual([res.body.image_name, res.body.image_version], ['alpine', '3.10']);
    await waitForTask(api, res.body.task_id!);
    const apps = await call<{ total_num: number; data_list: Array<{ app_name: string; app_version: string; app_type: string }> }>(
      'GET', `/v5/{project_id}/image/${encodeURIComponent(res.body.image_id!)}/apps`, { image_type: 'cicd', limit: 200, offset: 0 });
    assert.equal(apps.total_num, expected.length);
    assert.deepEqual(apps.data_list.map((a) => [a.app_name, a.app_version]).sort((a, b) => (a.join(' ') < b.join(' ') ? -1 : 1)), expected.map(([n, v]) => [n, v]));
    assert.ok(apps.data_list.every((a) => a.app_type === 'apk'));
    const rows = await exportRows({ export_size: 1000, security_report_type: 'apps', operate_all: false, image_id_list: [res.body.image_id], image_type: 'cicd' });
    assert.deepEqual(rows.slice(1).map((r) => [r[3], r[5], r[6]]).sort((a, b) => (a.join(' ') < b.join(' ') ? -1 : 1)), expected);
    const list = await get<{ total_num: number }>(api, '/v5/{p}/image/cicd/images');
    assert.equal(list.body.total_num, 2);
  });
});
