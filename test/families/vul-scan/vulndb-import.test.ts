import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseOsvRecord } from '../../../src/engines/vuln/osv-schema.js';
import { advisoryKey } from '../../../src/engines/vuln/package-keys.js';
import { AdvisoryStore } from '../../../src/families/vul-scan/advisory-store.js';
import { VulndbImportService } from '../../../src/families/vul-scan/vulndb/import-service.js';
import type { ImportSummary, OutcomeCounts } from '../../../src/families/vul-scan/vulndb/import-summary.js';
import { QuotaExceededError } from '../../../src/core/quotas.js';
import { openFixture, type StoreFixture } from '../../store/fixture.js';
import { OSV_DATA } from '../../engines/vuln/vuln-helpers.js';
import { pypiRecord, rowCounts, writeRecords } from './vulndb-fixtures.js';

let fx: StoreFixture;
let projectId: string;
let service: VulndbImportService;
const tmp = mkdtempSync(join(tmpdir(), 'gp-vulndb-import-'));
before(async () => {
  fx = await openFixture();
  projectId = await fx.newProject();
  service = new VulndbImportService(fx.store.db, fx.tasks);
});
after(async () => {
  await fx.close();
  rmSync(tmp, { recursive: true, force: true });
});

const ALMA = join(OSV_DATA, 'AlmaLinux.zip');
const PYPI = join(OSV_DATA, 'PyPI.zip');
const counts = (c: OutcomeCounts): OutcomeCounts => ({
  read: c.read, added: c.added, replaced: c.replaced, unchanged: c.unchanged, withdrawn: c.withdrawn, invalid: c.invalid, duplicate: c.duplicate,
});
const zero: OutcomeCounts = { read: 0, added: 0, replaced: 0, unchanged: 0, withdrawn: 0, invalid: 0, duplicate: 0 };

async function rematchJobs(summary: ImportSummary) {
  assert.ok(summary.rematch_task_id, 'a re-match task was enqueued');
  const task = await fx.tasks.getTask(summary.rematch_task_id);
  assert.equal(task?.family, 'vul-scan');
  assert.equal(task?.kind, 'rematch');
  return fx.tasks.jobsOfTask(summary.rematch_task_id);
}

describe('vulndb import: the shipped osv.dev exports', () => {
  let first: ImportSummary;

  test('AlmaLinux.zip + PyPI.zip: counts match the zips, one re-match job is enqueued and the import is recorded', async () => {
    const before = await rowCounts(fx.store.db);
    first = await service.importPaths([ALMA, PYPI]);
    assert.equal(first.status, 'ok');
    assert.deepEqual(counts(first.sources[0]!), { ...zero, read: 5680, added: 5637, duplicate: 43 });
    assert.deepEqual(counts(first.sources[1]!), { ...zero, read: 2661, added: 2651, withdrawn: 10 });
    assert.deepEqual(first.changed_ecosystems, ['AlmaLinux', 'PyPI']);
    const after = await rowCounts(fx.store.db);
    assert.equal(after.advisories - before.advisories, 5637 + 2661);
    assert.equal(after.withdrawn - before.withdrawn, 10);
    assert.equal(after.imports - before.imports, 1);
    const jobs = await rematchJobs(first);
    assert.deepEqual(jobs.map((j) => [j.kind, j.agent_id, JSON.parse(j.payload)]), [['vul-rematch', null, { import_id: first.import_id }]]);
    const row = await service.imports.get(first.import_id);
    assert.ok(row && row.finished_at !== null && row.finished_at >= row.started_at);
    assert.deepEqual(row.sources, [ALMA, PYPI]);
    assert.deepEqual(row.changed_ecosystems, ['AlmaLinux', 'PyPI']);
    assert.equal(row.rematch_task_id, first.rematch_task_id);
    const stats = await service.imports.ecosystemStats();
    assert.deepEqual(stats.map((s) => [s.ecosystem, s.advisories, s.withdrawn]), [['AlmaLinux', 5637, 0], ['PyPI', 2651, 10]]);
  });

  test('importing them again changes nothing: all unchanged, no re-match', async () => {
    const before = await rowCounts(fx.store.db);
    const again = await service.importPaths([OSV_DATA]);
    assert.equal(again.status, 'ok');
    assert.deepEqual(counts(again), { ...zero, read: 8341, unchanged: 8298, duplicate: 43 });
    assert.deepEqual(again.changed_ecosystems, []);
    assert.equal(again.rematch_task_id, null);
    const after = await rowCounts(fx.store.db);
    assert.deepEqual({ ...after, imports: after.imports - 1 }, before);
    assert.equal((await service.imports.get(again.import_id))?.rematch_task_id, null);
  });

  test('an older copy does not replace, a newer one does, a withdrawing one stops the stored one matching', async () => {
    const advisories = new AdvisoryStore(fx.store.db);
    const stored = await advisories.get('PYSEC-2014-13');
    assert.ok(stored && stored.withdrawn === null, 'PyPI.zip has PYSEC-2014-13 (requests)');
    const record = stored.record;
    const key = advisoryKey(record.affected![0]!.package.ecosystem, record.affected![0]!.package.name);
    const shifted = (days: number) => new Date(Date.parse(record.modified) + days * 86_400_000).toISOString();

    const older = await service.importPaths([writeRecords(join(tmp, 'older'), [{ ...record, modified: shifted(-1), summary: 'OLDER' }])]);
    assert.deepEqual(counts(older), { ...zero, read: 1, unchanged: 1 });
    assert.equal(older.rematch_task_id, null);
    assert.notEqual((await advisories.get(record.id))?.record.summary, 'OLDER');

    const packagesBefore = (await rowCounts(fx.store.db)).packages;
    const newer = await service.importPaths([writeRecords(join(tmp, 'newer'), [{ ...record, modified: shifted(1), summary: 'NEWER' }])]);
    assert.deepEqual(counts(newer), { ...zero, read: 1, replaced: 1 });
    assert.equal((await rowCounts(fx.store.db)).packages, packagesBefore, 'the package keys were replaced, not doubled');
    assert.deepEqual(newer.changed_ecosystems, ['PyPI']);
    assert.equal((await rematchJobs(newer)).length, 1);
    assert.ok((await advisories.recordsForKeys([key])).some((r) => r.id === record.id && r.summary === 'NEWER'));

    const gone = await service.importPaths([writeRecords(join(tmp, 'gone'), [{ ...record, modified: shifted(2), withdrawn: shifted(2) }])]);
    assert.deepEqual(counts(gone), { ...zero, read: 1, withdrawn: 1 });
    assert.deepEqual(gone.changed_ecosystems, ['PyPI']);
    assert.equal((await rematchJobs(gone)).length, 1);
    assert.ok(!(await advisories.recordsForKeys([key])).some((r) => r.id === record.id), 'the withdrawn advisory no longer matches');
    assert.ok((await advisories.get(record.id))?.withdrawn);
  });

  test('a new withdrawn record is counted, names no packages and changes no ecosystem', async () => {
    const before = await rowCounts(fx.store.db);
    const id = 'GP-WITHDRAWN-NEW';
    const summary = await service.importPaths([writeRecords(join(tmp, 'new-withdrawn'), [pypiRecord(id, '2024-05-01T00:00:00Z', { withdrawn: '2024-05-01T00:00:00Z' })])]);
    assert.deepEqual(counts(summary), { ...zero, read: 1, withdrawn: 1 });
    assert.deepEqual(summary.changed_ecosystems, []);
    assert.equal(summary.rematch_task_id, null);
    const after = await rowCounts(fx.store.db);
    assert.equal(after.packages, before.packages);
    assert.deepEqual(await new AdvisoryStore(fx.store.db).recordsForKeys([advisoryKey('PyPI', `pkg-${id.toLowerCase()}`)]), []);
  });
});

describe('vulndb import: bad records', () => {
  test('NUL in an id, a package name or a version is an invalid record; the others are stored', async () => {
    for (const text of [
      JSON.stringify(pypiRecord('GP-NUL\u0000ID', '2024-01-01T00:00:00Z')),
      JSON.stringify({ ...pypiRecord('GP-NUL-2', '2024-01-01T00:00:00Z'), affected: [{ package: { ecosystem: 'PyPI', name: 'a\u0000b' }, versions: ['1'] }] }),
    ]) assert.match(String((parseOsvRecord(text) as { error?: string }).error), /contains a NUL character/);
    const dir = writeRecords(join(tmp, 'nul'), [
      pypiRecord('GP-NUL\u0000ID', '2024-01-01T00:00:00Z'),
      { ...pypiRecord('GP-NUL-NAME', '2024-01-01T00:00:00Z'), affected: [{ package: { ecosystem: 'PyPI', name: 'a\u0000b' }, versions: ['1'] }] },
      { ...pypiRecord('GP-NUL-VERSION', '2024-01-01T00:00:00Z'), affected: [{ package: { ecosystem: 'PyPI', name: 'ab' }, versions: ['1\u0000'] }] },
      pypiRecord('GP-NUL-OK', '2024-01-01T00:00:00Z'),
    ]);
    const summary = await service.importPaths([dir]);
    assert.equal(summary.status, 'ok');
    assert.deepEqual(counts(summary), { ...zero, read: 4, invalid: 3, added: 1 });
    assert.equal(summary.invalid_examples.length, 3);
    for (const example of summary.invalid_examples) assert.match(example.reason, /NUL character/);
    assert.ok(await new AdvisoryStore(fx.store.db).get('GP-NUL-OK'));
  });

  test('at most 20 invalid examples are kept, every invalid record is counted', async () => {
    const dir = writeRecords(join(tmp, 'many-bad'), Array.from({ length: 30 }, (_, i) => ({ id: `BAD-${i}` })));
    const summary = await service.importPaths([dir]);
    assert.equal(summary.invalid, 30);
    assert.equal(summary.invalid_examples.length, 20);
  });
});

describe('vulndb import: the re-match task and the tasks.active quota', () => {
  test('a project at its tasks.active limit still gets the re-match, and the re-match does not count against user tasks', async () => {
    await fx.tasks.setQuota(projectId, 'tasks.active', 1);
    const userTask = { projectId, enterpriseProjectId: '0', family: 'vul-scan', kind: 'manual', name: 'user scan', params: {}, createdBy: 'user-1' };
    const user = await fx.tasks.createTask({ ...userTask, jobs: [{ agentId: null, kind: 'vul-match', payload: {} }] });
    const summary = await service.importPaths([writeRecords(join(tmp, 'quota'), [pypiRecord('GP-QUOTA-1', '2024-01-01T00:00:00Z')])]);
    assert.equal((await rematchJobs(summary)).length, 1);
    assert.equal(await fx.tasks.activeTaskCount(projectId), 1, 'only the user task counts');
    await assert.rejects(fx.tasks.createTask({ ...userTask, jobs: [{ agentId: null, kind: 'vul-match', payload: {} }] }), QuotaExceededError);
    await fx.tasks.cancelTask(user.task.id);
    await fx.tasks.createTask({ ...userTask, jobs: [{ agentId: null, kind: 'vul-match', payload: {} }] });
    await fx.tasks.setQuota(projectId, 'tasks.active', 500);
  });
});
