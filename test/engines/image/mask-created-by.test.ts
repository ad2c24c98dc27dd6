import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptyReportRows, type ReportLayer } from '../../../src/engines/image/report.js';
import { maskReportCreatedBy } from '../../../src/engines/image/scan/mask-created-by.js';
import { fake } from './analyzers/fake-secrets.js';

describe('maskReportCreatedBy', () => {
  it('masks a secret in every row\'s created_by and in the layer list, leaving harmless text as it is', () => {
    const token = fake.github(31);
    const risky = `|1 GITHUB_TOKEN=${token} /bin/sh -c npm ci`;
    const plain = '/bin/sh -c apk add --no-cache curl';
    const rows = emptyReportRows();
    const columns = (createdBy: string) => ({ layerIndex: 1, layerDigest: `sha256:${'a'.repeat(64)}`, createdBy });
    rows.apps.push({ ...columns(risky), appName: 'x', appType: 'npm', appVersion: '1', sourceName: '', appPath: '/app/package-lock.json', ecosystem: 'npm', kind: 'app', license: '' });
    rows.files.push({ ...columns(risky), fileName: 'run', filePath: '/app/run', size: 1, mode: 0o755, flags: [] });
    rows.files.push({ ...columns(plain), fileName: 'curl', filePath: '/usr/bin/curl2', size: 1, mode: 0o755, flags: [] });
    const layers: ReportLayer[] = [{ index: 1, diffId: `sha256:${'a'.repeat(64)}`, createdBy: risky, size: 10 }];
    maskReportCreatedBy(rows, layers);
    const text = JSON.stringify({ rows, layers });
    assert.ok(!text.includes(token), 'the raw token appears nowhere');
    assert.match(rows.apps[0]!.createdBy, /GITHUB_TOKEN=\*\*\*\*/);
    assert.equal(rows.files[0]!.createdBy, rows.apps[0]!.createdBy);
    assert.equal(rows.files[1]!.createdBy, plain);
    assert.equal(layers[0]!.createdBy, rows.apps[0]!.createdBy);
  });
});
