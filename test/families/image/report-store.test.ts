import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { scanImage } from '../../../src/engines/image/scan/scan-image.js';
import { ImageStore } from '../../../src/families/image/image-store.js';
import { ReportStore } from '../../../src/families/image/report-store.js';
import { encodeReport, ReportDecodeError } from '../../../src/families/image/report-wire.js';
import { PreparedAdvisoryCache } from '../../../src/families/vul-scan/advisory-cache.js';
import { tempDir } from '../../helpers/db.js';
import { openFixture, type StoreFixture } from '../../store/fixture.js';
import { writeTestImage, type ImageFiles } from './image-fixtures.js';

/**
 * The report store over a real database: a report produced by scanImage is stored; storing it again replaces the
 * findings (no duplicates); an untrusted report that is malformed anywhere (a bad row after good ones, a report of
 * another image, an oversized line) is refused and leaves the stored findings exactly as they were.
 */

describe('ReportStore', () => {
  let fx: StoreFixture;
  let files: ImageFiles;
  let dir = '';
  let good = '';
  let images: ImageStore;
  let reports: ReportStore;
  let imageRow = '';

  const counts = async () => {
    const out: number[] = [];
    for (const table of ['image_apps', 'image_files', 'image_malwares', 'image_vulns'] as const) {
      const row = await fx.store.db.selectFrom(table as 'tasks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      out.push(Number(row.n));
    }
    return out;
  };

  before(async () => {
    fx = await openFixture();
    dir = tempDir('gp-image-store-');
    files = await writeTestImage(dir);
    const report = await scanImage(files.docker);
    good = path.join(dir, 'report.ndjson');
    fs.writeFileSync(good, [...encodeReport(report)].join(''));
    images = new ImageStore(fx.store.db, fx.tasks);
    reports = new ReportStore(fx.store.db, new PreparedAdvisoryCache(fx.store.db));
    const projectId = await fx.newProject();
    ({ row: { id: imageRow } } = await images.upsert({ projectId, enterpriseProjectId: '0', source: 'cicd', originId: '', imageId: files.image.configDigest },
      { imageName: 'test/app', imageVersion: '1' }));
  });
  after(async () => {
    await fx?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a scanImage report is stored, and storing it again replaces it', async () => {
    const summary = await reports.store(imageRow, files.image.configDigest, good);
    assert.equal(summary.counts.apps, 2);
    const first = await counts();
    assert.equal(first[0], 2);
    await reports.store(imageRow, files.image.configDigest, good);
    assert.deepEqual(await counts(), first);
    const row = await images.get(imageRow);
    assert.equal(row?.scan_status, 'success');
    assert.equal(row?.apps_num, 2);
    assert.equal(row?.os_name, 'alpine');
  });

  test('malformed reports are refused and change nothing', async () => {
    const before = await counts();
    const lines = fs.readFileSync(good, 'utf8').trimEnd().split('\n');
    const variants: Array<[string, string[]]> = [
      ['a bad row after good ones', [...lines, JSON.stringify({ t: 'files', r: { fileName: 'x' } })]],
      ['an unknown row type', [...lines, JSON.stringify({ t: 'viruses', r: {} })]],
      ['not JSON', [...lines, '{nope']],
      ['an oversized line', [...lines, JSON.stringify({ t: 'apps', r: { appName: 'x'.repeat(70_000) } })]],
      ['a bad header', [JSON.stringify({ imageId: 'nope' }), ...lines.slice(1)]],
      ['empty', []],
    ];
    for (const [label, content] of variants) {
      const file = path.join(dir, `bad-${label.replace(/\W+/g, '-')}.ndjson`);
      fs.writeFileSync(file, content.join('\n'));
      await assert.rejects(reports.store(imageRow, files.image.configDigest, file), ReportDecodeError, label);
      assert.deepEqual(await counts(), before, label);
    }
    await assert.rejects(reports.store(imageRow, `sha256:${'3'.repeat(64)}`, good), /not sha256:3333/);
    assert.deepEqual(await counts(), before);
  });
});
