import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildImage, dockerArchive } from '../engines/image/image-builder.js';
import { tempDir } from '../helpers/db.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { runCli } from '../cli/run-cli.js';
import { adminUserId, tokenFor } from '../api/support.js';
import { osv, writeOsvDir } from './vul-http-fixtures.js';
import { get, writeTestImage, type Api, type ImageFiles } from '../families/image/image-fixtures.js';

/**
 * `guardpost image scan` as a real process against a real server: it uploads AK/SK-signed (the body bound by the
 * signed X-Guardpost-Content-Sha256), prints the image_id, waits, prints a summary per report type and exits 3 at
 * or above `--fail-on` (here: musl matches a critical OSV advisory imported with the real `vulndb import`), 0 below.
 */

describe('guardpost image scan', () => {
  let ts: TestServer;
  let files: ImageFiles;
  let dir = '';
  let clean = '';
  let cliEnv: Record<string, string> = {};
  let api: Api;

  before(async () => {
    dir = tempDir('gp-image-cli-');
    files = await writeTestImage(dir);
    clean = path.join(dir, 'clean.tar');
    // Clean for every analyzer: a non-root USER and a HEALTHCHECK, so not even an image-wide build risk.
    const runtime = { User: 'app', Healthcheck: { Test: ['CMD', '/hello'] } };
    await dockerArchive(await buildImage([{ createdBy: 'COPY hello /', entries: [{ name: 'hello', content: 'hi\n' }] }], { runtime }), clean);
    ts = await startTestServer();
    const c = ts.credentials;
    cliEnv = { GUARDPOST_ENDPOINT: ts.endpoint, GUARDPOST_AK: c.ak, GUARDPOST_SK: c.sk, GUARDPOST_PROJECT_ID: c.project_id };
    api = { endpoint: ts.endpoint, token: await tokenFor(ts, await adminUserId(ts), { projectId: c.project_id }), projectId: c.project_id };
    const serverEnv = { GUARDPOST_HOME: ts.db.dir, ...(ts.db.databaseUrl ? { GUARDPOST_DATABASE_URL: ts.db.databaseUrl } : {}) };
    const osvDir = writeOsvDir(path.join(dir, 'osv'), [osv('GP-MUSL-1', 'CVE-2026-0001', 'Alpine:v3.10', 'musl', '1.1.22-r4')]);
    const imported = await runCli(['vulndb', 'import', osvDir, '--json'], serverEnv);
    assert.equal(imported.code, 0, imported.stderr);
  });
  after(async () => {
    await ts?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('without --wait it prints the image_id only', async () => {
    const result = await runCli(['image', 'scan', clean], cliEnv);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout.trim(), /^sha256:[0-9a-f]{64}$/);
  });

  test('--fail-on: a critical vulnerability exits 3 at critical and at low; vul_num comes from the matcher', async () => {
    for (const level of ['critical', 'low']) {
      const result = await runCli(['image', 'scan', files.docker, '--name', 'test/app', '--version', '2.0', '--fail-on', level, '--json'], cliEnv);
      assert.equal(result.code, 3, `${level}: ${result.stderr} ${result.stdout}`);
      const out = JSON.parse(result.stdout) as Record<string, unknown>;
      assert.equal(out.image_id, files.image.configDigest);
      assert.equal(out.scan_status, 'success');
      assert.equal(out.highest_risk_level, 'critical');
      assert.equal(out.failed, true);
      assert.equal((out.counts as Record<string, number>).vulnerability, 1);
      assert.equal((out.counts as Record<string, number>).apps, 2);
    }
    const apps = await get<{ data_list: Array<{ app_name: string; vul_num: number }> }>(api, `/v5/{p}/image/${files.image.configDigest}/apps?image_type=cicd`);
    assert.deepEqual(apps.body.data_list.map((a) => [a.app_name, a.vul_num]), [['busybox', 0], ['musl', 1]]);
    const vulns = await get<{ total_num: number; data_list: Array<Record<string, string>> }>(api,
      `/v5/{p}/image/${files.image.configDigest}/vulnerabilities?image_type=cicd&namespace=&image_name=test/app&tag_name=2.0`);
    assert.equal(vulns.body.total_num, 1);
    assert.equal(vulns.body.data_list[0]!.vul_id, 'GP-MUSL-1');
    assert.equal(vulns.body.data_list[0]!.repair_necessity, 'immediate_repair');
    assert.equal(vulns.body.data_list[0]!.position, files.image.layers[0]!.diffId);
  });

  test('--fail-on below every finding exits 0 and prints a line per report type', async () => {
    const result = await runCli(['image', 'scan', clean, '--fail-on', 'low'], cliEnv);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0]!, /^sha256:[0-9a-f]{64}$/);
    assert.match(lines[1]!, /^scan success, highest risk none$/);
    assert.deepEqual(lines.slice(2).map((l) => l.split(/\s+/)[0]), ['vulnerability', 'apps', 'files', 'malwares', 'sensitive-info', 'non-compliant-app', 'build-command-risks']);
  });

  test('an OCI layout directory is packed on the fly: the same image_id', async () => {
    const result = await runCli(['image', 'scan', files.layout, '--wait', '--json'], cliEnv);
    assert.equal(result.code, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as { image_id: string }).image_id, files.image.configDigest);
  });

  test('a bad archive and a bad --fail-on fail clearly', async () => {
    const bad = await runCli(['image', 'scan', files.notImage], cliEnv);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /HSS\.0001.*not a readable image archive/);
    const usage = await runCli(['image', 'scan', files.docker, '--fail-on', 'severe'], cliEnv);
    assert.equal(usage.code, 2);
  });
});
