import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { batchName } from '../../../src/families/antivirus/detection-batches.js';
import type { AvDetection } from '../../../src/families/antivirus/job-kind.js';
import type { AntivirusTables } from '../../../src/families/antivirus/tables.js';
import { avAgent } from '../../api/antivirus-support.js';
import { checkin, type EnrolledAgent } from '../../api/support.js';
import { hss, ok } from '../../api/vul-scan-tasks-support.js';
import { http } from '../../helpers/http.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * Detections streamed while a scan runs, through the real server (HTTP agent protocol, real store, the family's
 * progress sweep running as a periodic): an uploaded batch announced by the progress detail is listed by
 * ListAntiVirusResult while the host is still `scanning`; a later batch and the final result add only the new
 * rows; a job that ends without a result (the agent died) keeps every batch it had uploaded, announced or not.
 */

const sha = (n: number) => n.toString(16).padStart(64, '0');
const detection = (n: number): AvDetection => ({
  path: `/srv/www/shell-${n}.php`, signature: 'Guardpost.Test.EICAR.UNOFFICIAL', sha256: sha(n), size: 68, mode: '-rw-r--r--', owner: 'root',
  mtime_ms: 1_700_000_000_000, ctime_ms: 1_700_000_000_000, found_at: 1_700_000_000_000 + n,
});

describe('streamed antivirus detections', () => {
  let ts: TestServer;
  before(async () => { ts = await startTestServer(); });
  after(async () => { await ts.close(); });

  async function startScan(agent: EnrolledAgent, name: string): Promise<{ taskId: string; jobId: string }> {
    const created = ok(await hss<{ result: boolean; task_id: string }>(ts, 'POST', '/antivirus/task', {
      body: { task_name: name, scan_type: 'custom', action: 'manual', host_ids: [agent.hostId], scan_dir: '/srv/www' },
    }), 'create');
    const offered = (await checkin(ts, agent)).body as { jobs: Array<{ id: string; kind: string }> };
    const job = offered.jobs.find((j) => j.kind === 'av-scan');
    assert.ok(job, 'the scan job is offered');
    const claimed = await agentCall(agent, 'POST', `/agent/v1/jobs/${job.id}/claim`);
    assert.equal(claimed.status, 200, claimed.text);
    return { taskId: created.task_id, jobId: job.id };
  }

  function agentCall(agent: EnrolledAgent, method: string, path: string, body?: unknown) {
    return http(ts.endpoint, { method, path, headers: { authorization: agent.authorization }, ...(body === undefined ? {} : { body }) });
  }

  async function uploadBatch(agent: EnrolledAgent, jobId: string, seq: number, detections: AvDetection[]): Promise<void> {
    const result = await http(ts.endpoint, {
      method: 'PUT', path: `/agent/v1/jobs/${jobId}/artifacts/${batchName(seq)}`, rawBody: JSON.stringify({ detections }),
      headers: { authorization: agent.authorization, 'content-type': 'application/octet-stream', 'x-artifact-content-type': 'application/json' },
    });
    assert.equal(result.status, 200, result.text);
  }

  async function progress(agent: EnrolledAgent, jobId: string, found: number, batches?: number): Promise<void> {
    const result = await agentCall(agent, 'POST', `/agent/v1/jobs/${jobId}/progress`, {
      progress: 40, detail: { files_done: 10, files_total: 25, scanned_files: 10, bytes: 1000, detections: found, percent: 40, elapsed_ms: 500,
        ...(batches === undefined ? {} : { streamed_batches: batches }) },
    });
    assert.equal(result.status, 200, result.text);
  }

  async function listed(name: string): Promise<string[]> {
    const body = ok(await hss<{ data_list: Array<{ file_info: { file_path: string } }> }>(ts, 'GET', '/antivirus/result', {
      query: { offset: 0, limit: 50, task_name: name },
    }), 'results');
    return body.data_list.map((r) => r.file_info.file_path).sort();
  }

  async function hostStatus(taskId: string): Promise<string> {
    const row = await ts.server.ctx.store.db.withTables<AntivirusTables>().selectFrom('av_task_hosts').select('host_task_status')
      .where('task_id', '=', taskId).executeTakeFirstOrThrow();
    return row.host_task_status;
  }

  const paths = (...ns: number[]) => ns.map((n) => detection(n).path).sort();

  it('lists streamed detections while scanning; a later batch and the final result add no duplicate', async () => {
    const agent = await avAgent(ts, 'stream-host');
    const { taskId, jobId } = await startScan(agent, 'streamed');
    await uploadBatch(agent, jobId, 1, [detection(1), detection(2)]);
    await progress(agent, jobId, 2, 1);
    await waitFor('the first batch listed', async () => ((await listed('streamed')).length === 2 ? true : undefined), 15_000);
    assert.deepEqual(await listed('streamed'), paths(1, 2));
    assert.equal(await hostStatus(taskId), 'scanning');

    await uploadBatch(agent, jobId, 2, [detection(2), detection(3)]);
    await progress(agent, jobId, 3, 2);
    await waitFor('the second batch listed', async () => ((await listed('streamed')).length === 3 ? true : undefined), 15_000);

    const final = [1, 2, 3, 4].map(detection);
    const finished = await agentCall(agent, 'POST', `/agent/v1/jobs/${jobId}/finish`, {
      outcome: 'succeeded', result: {
        total_files: 25, scanned_files: 25, scanned_bytes: 5000, detections_count: 4, skipped_too_large: 0, unreadable_files: 0, filtered_out: 0,
        scan_errors: 0, duration_ms: 900, detections: final, detections_truncated: false,
      },
    });
    assert.equal(finished.status, 200, finished.text);
    await waitFor('the host done', async () => ((await hostStatus(taskId)) === 'success' ? true : undefined), 15_000);
    assert.deepEqual(await listed('streamed'), paths(1, 2, 3, 4));
  });

  it('a scan that ends without a result keeps the batches uploaded before, even one its progress never announced', async () => {
    const agent = await avAgent(ts, 'dying-host');
    const { taskId, jobId } = await startScan(agent, 'dying');
    await uploadBatch(agent, jobId, 1, [detection(11)]);
    await progress(agent, jobId, 1, 1);
    await waitFor('the first batch listed', async () => ((await listed('dying')).length === 1 ? true : undefined), 15_000);
    await uploadBatch(agent, jobId, 2, [detection(12), detection(13)]); // uploaded, then the agent died
    const failed = await agentCall(agent, 'POST', `/agent/v1/jobs/${jobId}/finish`, { outcome: 'failed', reason: 'the agent was lost' });
    assert.equal(failed.status, 200, failed.text);
    await waitFor('the host failed', async () => ((await hostStatus(taskId)) === 'fail' ? true : undefined), 15_000);
    assert.deepEqual(await listed('dying'), paths(11, 12, 13));
  });
});
