/**
 * The agent protocol checks jobs against their kind: a stored payload the kind no longer accepts fails at claim,
 * a result that does not match fails the job with the schema problems as its reason, and the kind version that
 * produced a result is kept with it. Real server, real HTTP; the "agent" is this test speaking the protocol.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { captureJobKind } from '../../src/families/capture/job-kind.js';
import { TaskStore } from '../../src/store/task-store.js';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, enrollAgent, hostFacts, type EnrolledAgent } from './support.js';

let ts: TestServer;
let agent: EnrolledAgent;

const validPayload = {
  interface: 'lo', max_packets: 10, duration_seconds: 60, task_name: 't',
  rule: { source: { address: '127.0.0.1', address_type: 0 }, destination: { address: '127.0.0.1', address_type: 0 }, protocol: 17, source_port: '', dest_port: '' },
};
const validResult = {
  stop_reason: 'packet_limit', packets: 10, bytes: 900, file_bytes: 1200, started_at: 1, ended_at: 2, first_packet_at: 1, tool: 'dumpcap',
};

before(async () => {
  ts = await startTestServer();
  agent = await enrollAgent(ts, hostFacts({ host_name: 'kind-sensor', capabilities: { job_kinds: ['capture'], kinds: { capture: { interfaces: ['lo'] } } } }));
});

after(async () => {
  await ts?.close();
});

const call = (path: string, body: unknown) => http<Record<string, unknown>>(ts.endpoint, {
  method: 'POST', path, headers: { authorization: agent.authorization }, body,
});

/** A queued capture job; `raw` skips the enqueue check, as a payload written by an older server would have. */
async function queuedJob(payload: unknown, raw = false): Promise<string> {
  const tasks = raw ? new TaskStore(ts.server.ctx.store.db, ts.server.ctx.store.dialect) : ts.server.ctx.tasks;
  const { jobs } = await tasks.createTask({
    projectId: agent.projectId, enterpriseProjectId: '0', family: 'cfw-capture', kind: 'capture', name: 'k', params: {}, createdBy: 'test',
    jobs: [{ agentId: agent.agentId, kind: 'capture', payload }],
  });
  return jobs[0]!.id;
}

describe('job kinds on the agent protocol', () => {
  test('enqueue refuses a payload that does not match the kind, with the field named', async () => {
    await assert.rejects(queuedJob({ ...validPayload, max_packets: 0 }), /invalid capture job payload: \/max_packets/);
    await assert.rejects(queuedJob({ ...validPayload, interface: 'eth0; reboot' }), /\/interface/);
  });

  test('a claimed job whose stored payload breaks the kind fails at once with the reason', async () => {
    const jobId = await queuedJob({ ...validPayload, rule: { protocol: 99 } }, true);
    const res = await call(`/agent/v1/jobs/${jobId}/claim`, {});
    assertHuaweiError(res, 409, 'GP.AGENT.0422');
    const job = await ts.server.ctx.tasks.getJob(jobId);
    assert.equal(job?.state, 'failed');
    assert.match(job?.failure_reason ?? '', /invalid capture job payload: \/rule/);
  });

  test('a result that breaks the kind fails the job with the problems, never leaves it running', async () => {
    const jobId = await queuedJob(validPayload);
    assert.equal((await call(`/agent/v1/jobs/${jobId}/claim`, {})).status, 200);
    const res = await call(`/agent/v1/jobs/${jobId}/finish`, { outcome: 'succeeded', result: { ...validResult, stop_reason: 'bored', packets: -1 } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.state, 'failed');
    const job = await ts.server.ctx.tasks.getJob(jobId);
    assert.match(job?.failure_reason ?? '', /invalid capture job result: .*\/stop_reason|\/packets/);
    assert.equal(job?.result, null);
  });

  test('a valid result is stored with the kind version the agent ran (or the server\'s)', async () => {
    for (const [sent, stored] of [[undefined, captureJobKind.version], [7, 7]] as const) {
      const jobId = await queuedJob(validPayload);
      await call(`/agent/v1/jobs/${jobId}/claim`, {});
      const res = await call(`/agent/v1/jobs/${jobId}/finish`, { outcome: 'succeeded', result: validResult, ...(sent ? { kind_version: sent } : {}) });
      assert.equal(res.body.state, 'succeeded', res.text);
      const job = await ts.server.ctx.tasks.getJob(jobId);
      assert.equal(job?.result_version, stored);
      assert.deepEqual(JSON.parse(job?.result ?? 'null'), validResult);
    }
  });
});
