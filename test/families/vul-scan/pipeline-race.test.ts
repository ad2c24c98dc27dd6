/**
 * A match that read its advisories before an import committed must not leave older results behind: the import's
 * own re-match may already have run (on another replica), so the match job sees the newer import and matches
 * the host again. The interleaving is made deterministic by committing an import from inside the advisory read.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, it } from 'node:test';
import { advanceScans } from '../../../src/families/vul-scan/scan-progress.js';
import type { VulScanTables } from '../../../src/families/vul-scan/tables.js';
import { tempDir } from '../../helpers/db.js';
import { openFixture, type StoreFixture } from '../../store/fixture.js';
import {
  advisory, alpineRoot, drainServerJobs, enrollAgents, FIXTURE_ADVISORIES, pipelineFixture, runInventoryJob, serverWorker, type PipelineFixture,
} from './pipeline-helpers.js';

let fx: StoreFixture;
let pf: PipelineFixture;
const dirs: string[] = [];

before(async () => {
  fx = await openFixture();
  pf = pipelineFixture(fx);
  await pf.services.advisories.put(FIXTURE_ADVISORIES, 'fixture-import');
});
after(async () => {
  await fx.close();
  for (const dir of [...dirs, pf.blobDir]) fs.rmSync(dir, { recursive: true, force: true });
});

it('an import committed while a host is matched makes the match run again with the new advisories', async () => {
  const projectId = await fx.newProject();
  const [agent] = await enrollAgents(fx, projectId, ['alpine']);
  const task = await pf.services.scans.createScan({
    projectId, enterpriseProjectId: '0', scanType: 'manual', vulTypes: ['linux_vul', 'app_vul'], createdBy: 'tester',
    targets: [{ agent: agent!, unavailable: null }],
  });
  const [job] = await fx.tasks.jobsOfTask(task.id);
  const hostRoot = alpineRoot(tempDir('gp-vul-race-'));
  dirs.push(hostRoot);
  assert.equal((await runInventoryJob(fx, pf, job!, hostRoot)).outcome, 'succeeded');
  assert.equal(await advanceScans(pf.services), 1);

  // The first advisory read of the match job returns what the store held, then an import commits a new advisory
  // for a package of this host (and, as far as the match job can tell, its re-match has already run).
  const cache = pf.services.advisoryCache;
  const prepare = cache.prepare.bind(cache);
  let reads = 0;
  cache.prepare = async (keys) => {
    const prepared = await prepare(keys);
    reads += 1;
    if (reads === 1) {
      await pf.services.advisories.put([advisory('PYSEC-RACE', 'PyPI', 'requests', '2.31.0')], 'race-import');
      await fx.store.db.withTables<VulScanTables>().insertInto('vul_imports').values({
        id: 'race-import', started_at: Date.now(), finished_at: Date.now(), sources: '[]', summary: null,
        changed_ecosystems: JSON.stringify(['PyPI']), rematch_task_id: null,
      }).execute();
    }
    return prepared;
  };
  try {
    const jobs = await drainServerJobs(serverWorker(fx.tasks, pf.services), fx.tasks, task.id);
    assert.deepEqual(jobs.map((j) => [j.kind, j.state]), [['vul-match', 'succeeded']]);
  } finally {
    cache.prepare = prepare;
  }
  assert.equal(reads, 2, 'the host was matched once more after the import');
  const vulIds = (await pf.services.findings.ofHost(projectId, agent!.host_id)).map((f) => f.vul_id);
  assert.ok(vulIds.includes('PYSEC-RACE'), `the new advisory is on the host: ${vulIds.join(', ')}`);
});
