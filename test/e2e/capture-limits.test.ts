import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { tempDir } from '../helpers/db.js';
import { projectToken } from '../helpers/http.js';
import {
  assertFinishedRecord, captureBody, CfwClient, closeTestServer, teardown, createNetnsPair, describePacket, download, netnsUnavailableReason, parsePcap, ping,
  sendUdp, sleep, startAgentProcess, tcpdumpCount,
  type AgentProcess, type CaptureRecordVO, type CaptureSpec, type NetnsPair,
} from '../helpers/netns.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { captureDb, captureStoreOf } from '../helpers/capture.js';

/**
 * How captures end, with real agents capturing on veth-a in a private namespace: packet limit,
 * duration (the one ~60 s wait, run in the background on its own firewall), user stop, a killed
 * agent (lease expiry), one running task per firewall, the daily quota, deleting a running task.
 */

const unavailable = netnsUnavailableReason();
const LEASE_SECONDS = 6;

describe('CFW capture limits and endings (real agents in a network namespace)', { skip: unavailable ?? false }, () => {
  let pair: NetnsPair | undefined;
  let ts: TestServer | undefined;
  const agents: AgentProcess[] = [];
  let cfw: CfwClient;
  let work = '';
  let projectId = '';
  let fw1 = ''; // most tests
  let fw2 = ''; // the duration test, in the background
  let mainAgent: AgentProcess | undefined; // fw1's agent, shut down near the end
  let crashAgent: AgentProcess | undefined; // killed mid-capture
  let durationDone: Promise<{ record: CaptureRecordVO; createdAt: number; endedAt: number }> | undefined;

  const db = () => captureDb(ts!.server.ctx);
  const taskCount = async () => Number((await db().selectFrom('capture_tasks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const artifactsOf = (taskId: string) => db().selectFrom('artifacts').selectAll().where('task_id', '=', taskId).execute();
  const blobFilesOf = (taskId: string): string[] => {
    const dir = path.join(ts!.server.ctx.config.blobDir, 'projects', projectId, 'tasks', taskId);
    if (!fs.existsSync(dir)) return [];
    return (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => e.name);
  };

  async function startAgent(name: string): Promise<AgentProcess> {
    const { token } = await ts!.server.ctx.agents.createEnrollmentToken({ projectId, maxUses: 1 });
    const agent = await startAgentProcess({ endpoint: ts!.endpoint, enrollToken: token, captureInterface: pair!.captureInterface, name, workDir: work });
    agents.push(agent);
    return agent;
  }

  async function fetchPcap(fw: string, taskId: string): Promise<Buffer> {
    const result = await cfw.result(fw, taskId);
    assert.equal(result.status, 200, result.text);
    const file = await download(result.body.data.url!, { code: result.body.data.captcha! });
    assert.equal(file.status, 200, file.body.toString());
    return file.body;
  }

  before(async () => {
    work = tempDir('gp-capture-limits-');
    pair = await createNetnsPair('cl', 2);
    ts = await startTestServer({ env: { GUARDPOST_JOB_LEASE_SECONDS: String(LEASE_SECONDS) } });
    projectId = ts.credentials.project_id;
    cfw = new CfwClient(ts.endpoint, projectId, await projectToken(ts.endpoint, ts.credentials));
    const [a1, a2, a3] = await Promise.all([startAgent(`fw-main-${process.pid}`), startAgent(`fw-duration-${process.pid}`), startAgent(`fw-crash-${process.pid}`)]);
    mainAgent = a1;
    fw1 = a1!.hostId;
    fw2 = a2!.hostId;
    crashAgent = a3;
  });

  after(async () => {
    await teardown(
      () => Promise.all(agents.map((a) => a.stop(5000))),
      () => pair?.destroy(),
      () => ts && closeTestServer(ts),
      () => work && fs.rmSync(work, { recursive: true, force: true }),
    );
  });

  it('duration: starts a 1-minute capture that no traffic matches (checked at the end)', { timeout: 30_000 }, async () => {
    const p = pair!;
    const spec: CaptureSpec = { name: 'duration', protocol: 17, src: p.v4B, dst: p.v4A, destPort: '9', maxPackets: 100, duration: 1 };
    const createdAt = Date.now();
    const created = await cfw.create(fw2, captureBody(spec));
    assert.equal(created.status, 200, created.text);
    await cfw.waitCapturing(fw2, spec.name);
    durationDone = (async () => {
      const record = await cfw.waitRecord(fw2, spec.name, 'the duration limit', (r) => r.status !== 2 && r.status !== 5, 85_000, 500);
      return { record, createdAt, endedAt: Date.now() };
    })();
    durationDone.catch(() => undefined); // awaited by the last test
  });

  it('max_packets reached first: status 1, packet_limit, exactly max_packets packets', { timeout: 60_000 }, async () => {
    const p = pair!;
    const spec: CaptureSpec = { name: 'packet-limit', protocol: 17, src: p.v4B, dst: p.v4A, destPort: '5000', maxPackets: 4 };
    const created = await cfw.create(fw1, captureBody(spec));
    assert.equal(created.status, 200, created.text);
    await cfw.waitCapturing(fw1, spec.name);
    await sleep(300);
    await sendUdp(p, 'b', p.v4A, 5000, 10, 'lim', 50);
    const record = await cfw.waitRecord(fw1, spec.name, 'the packet limit', (r) => r.status !== 2, 15_000);
    assert.equal(record.status, 1, JSON.stringify(record));
    assert.equal(record.stop_reason, 'packet_limit');
    assert.equal(record.packets, 4);
    assertFinishedRecord(record, spec);
    const pcap = await fetchPcap(fw1, record.task_id);
    const { packets } = parsePcap(pcap);
    assert.deepEqual(packets.map((x) => x.payload), ['lim-0', 'lim-1', 'lim-2', 'lim-3'], packets.map(describePacket).join('\n'));
    assert.equal(await tcpdumpCount(pcap, work), 4);
  });

  let longTaskId = '';

  it('one running task per firewall: a second create is refused with CFW.00200024 and stores nothing', { timeout: 30_000 }, async () => {
    const p = pair!;
    const created = await cfw.create(fw1, captureBody({ name: 'long', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 1000 }));
    assert.equal(created.status, 200, created.text);
    longTaskId = (await cfw.waitCapturing(fw1, 'long')).task_id;
    const before = await taskCount();
    const second = await cfw.create(fw1, captureBody({ name: 'second', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 10 }));
    assert.equal(second.status, 400, second.text);
    assert.equal((second.body as unknown as { error_code: string }).error_code, 'CFW.00200024');
    assert.equal(await taskCount(), before);
    assert.equal(await cfw.record(fw1, 'second'), undefined);
  });

  it('user stop while running: status 5 then 4, user_stop, the partial pcap is downloadable', { timeout: 60_000 }, async () => {
    const p = pair!;
    await sleep(300);
    await ping(p, 'b', p.v4A, 3);
    await sleep(1000);
    const stop = await cfw.stop(fw1, longTaskId);
    assert.equal(stop.status, 200, stop.text);
    assert.equal(stop.body.data.id, fw1);
    const stopping = await cfw.record(fw1, 'long');
    assert.equal(stopping?.status, 5, `stopping right after CancelCaptureTask: ${JSON.stringify(stopping)}`);
    assert.equal(stopping.capture_size, '--');
    const record = await cfw.waitRecord(fw1, 'long', 'the stop', (r) => r.status !== 5, 15_000, 50);
    assert.equal(record.status, 4, JSON.stringify(record));
    assert.equal(record.stop_reason, 'user_stop');
    assert.equal(record.packets, 3);
    assert.notEqual(record.capture_size, '--');
    const again = await cfw.stop(fw1, longTaskId);
    assert.equal(again.status, 400);
    assert.equal((again.body as unknown as { error_code: string }).error_code, 'CFW.0020016');
    const pcap = await fetchPcap(fw1, longTaskId);
    const { packets, summary } = parsePcap(pcap);
    assert.equal(summary.truncated, false);
    assert.deepEqual(packets.map((x) => `${x.icmpType}/${x.icmpSeq}`), ['8/1', '8/2', '8/3'], packets.map(describePacket).join('\n'));
    assert.equal(await tcpdumpCount(pcap, work), 3);
  });

  it('daily quota: with capture.tasks_per_firewall_per_day = 2 the third create is CFW.00200024', { timeout: 30_000 }, async () => {
    const p = pair!;
    assert.equal((await cfw.list(fw1)).body.data.total, 2, 'fw1 has created two tasks today');
    await ts!.server.ctx.tasks.setQuota(projectId, 'capture.tasks_per_firewall_per_day', 2);
    try {
      const before = await taskCount();
      const third = await cfw.create(fw1, captureBody({ name: 'third', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 10 }));
      assert.equal(third.status, 400, third.text);
      assert.equal((third.body as unknown as { error_code: string }).error_code, 'CFW.00200024');
      assert.match((third.body as unknown as { error_msg: string }).error_msg, /2 capture tasks/);
      assert.equal(await taskCount(), before);
      // The quota is per firewall: the crash-test firewall has none today.
      await ts!.server.ctx.tasks.setQuota(projectId, 'capture.tasks_per_firewall_per_day', 1);
      const other = await cfw.create(crashAgent!.hostId, captureBody({ name: 'crash', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 1000 }));
      assert.equal(other.status, 200, other.text);
    } finally {
      await ts!.server.ctx.tasks.setQuota(projectId, 'capture.tasks_per_firewall_per_day', 20);
    }
  });

  it('a stop that arrives as the agent starts the capture still stops it', { timeout: 30_000 }, async () => {
    const p = pair!;
    const created = await cfw.create(fw1, captureBody({ name: 'quick-stop', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 1000 }));
    assert.equal(created.status, 200, created.text);
    const taskId = created.body.data.task_id!;
    // Stop the moment the agent has claimed the job, before its capture tool is up.
    const deadline = Date.now() + 5000;
    while ((await ts!.server.ctx.tasks.jobsOfTask(taskId))[0]?.state !== 'running') {
      assert.ok(Date.now() < deadline, 'the agent did not claim the job');
      await new Promise((resolve) => setImmediate(resolve)); // let the in-process server serve the agent
    }
    const stop = await cfw.stop(fw1, taskId);
    assert.equal(stop.status, 200, stop.text);
    const record = await cfw.waitRecord(fw1, 'quick-stop', 'the stop', (r) => r.status !== 2 && r.status !== 5, 10_000, 50);
    assert.equal(record.status, 4, JSON.stringify(record));
    assert.equal(record.stop_reason, 'user_stop');
  });

  it('agent killed mid-capture: after the lease expires the task is 0 / agent_lost with the last uploaded pcap and its packet count', { timeout: 60_000 }, async () => {
    const p = pair!;
    const fw3 = crashAgent!.hostId;
    const taskId = (await cfw.waitCapturing(fw3, 'crash')).task_id;
    await sleep(300);
    await ping(p, 'b', p.v4A, 4);
    const trafficEnd = Date.now();
    // Snapshots are uploaded every 5 s: wait for one taken after the traffic.
    const deadline = Date.now() + 15_000;
    while (!(await artifactsOf(taskId)).some((a) => a.created_at > trafficEnd + 200)) {
      assert.ok(Date.now() < deadline, 'no pcap snapshot uploaded within 15 s');
      await sleep(200);
    }
    await crashAgent!.kill();
    const killedAt = Date.now();
    const running = await cfw.record(fw3, 'crash');
    assert.equal(running?.status, 2, 'still running until the lease expires');
    const record = await cfw.waitRecord(fw3, 'crash', 'lease expiry', (r) => r.status !== 2, 30_000, 250);
    const lostAfter = Date.now() - killedAt;
    console.log(`# agent killed → task marked lost after ${lostAfter} ms (lease ${LEASE_SECONDS} s, reaper every 5 s)`);
    assert.equal(record.status, 0, JSON.stringify(record));
    assert.equal(record.stop_reason, 'agent_lost');
    assert.ok(lostAfter <= (LEASE_SECONDS + 5 + 3) * 1000);
    assert.equal(typeof record.stop_detail, 'string');
    const pcap = await fetchPcap(fw3, taskId);
    const { packets } = parsePcap(pcap);
    assert.deepEqual(packets.map((x) => `${x.icmpType}/${x.icmpSeq}`), ['8/1', '8/2', '8/3', '8/4'], packets.map(describePacket).join('\n'));
    assert.equal(await tcpdumpCount(pcap, work), 4);
    assert.equal(record.packets, 4, 'packets is the count of the stored partial pcap');
  });

  it('deleting a running task stops it first and removes its files; it still counts toward the daily quota', { timeout: 60_000 }, async () => {
    const p = pair!;
    const created = await cfw.create(fw1, captureBody({ name: 'doomed', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 1000 }));
    assert.equal(created.status, 200, created.text);
    const taskId = (await cfw.waitCapturing(fw1, 'doomed')).task_id;
    await sleep(300);
    await ping(p, 'b', p.v4A, 2);
    const deadline = Date.now() + 15_000;
    while ((await artifactsOf(taskId)).length === 0) {
      assert.ok(Date.now() < deadline, 'no pcap snapshot uploaded within 15 s');
      await sleep(200);
    }
    assert.ok(blobFilesOf(taskId).length > 0);
    const totalBefore = (await cfw.list(fw1)).body.data.total;

    const removed = await cfw.remove(fw1, [taskId]);
    assert.equal(removed.status, 200, removed.text);
    assert.equal(removed.body.data.id, fw1);
    const listed = await cfw.list(fw1);
    assert.equal(listed.body.data.total, totalBefore - 1);
    assert.ok(!listed.body.data.records.some((r) => r.task_id === taskId));
    for (const call of [cfw.result(fw1, taskId), cfw.stop(fw1, taskId), cfw.remove(fw1, [taskId])]) {
      const res = await call;
      assert.equal(res.status, 400);
      assert.equal((res.body as unknown as { error_code: string }).error_code, 'CFW.00200005');
    }
    // The running capture was told to stop: the job ends (the agent's final upload is a late pcap).
    const jobDeadline = Date.now() + 15_000;
    for (;;) {
      const [job] = await ts!.server.ctx.tasks.jobsOfTask(taskId);
      if (job && !['queued', 'running'].includes(job.state)) {
        assert.ok(job.cancel_requested_at !== null);
        break;
      }
      assert.ok(Date.now() < jobDeadline, `the deleted task's capture did not stop: ${JSON.stringify(job)}`);
      await sleep(100);
    }
    await captureStoreOf(ts!.server.ctx).sweep();
    assert.deepEqual(await artifactsOf(taskId), []);
    assert.deepEqual(blobFilesOf(taskId), [], 'no pcap left in the blob store');
    // The name is free again; the deleted task still counts toward the daily quota until its day is over.
    await ts!.server.ctx.tasks.setQuota(projectId, 'capture.tasks_per_firewall_per_day', totalBefore);
    try {
      const again = await cfw.create(fw1, captureBody({ name: 'doomed', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 10 }));
      assert.equal(again.status, 400, again.text);
      assert.equal((again.body as unknown as { error_code: string }).error_code, 'CFW.00200024');
    } finally {
      await ts!.server.ctx.tasks.setQuota(projectId, 'capture.tasks_per_firewall_per_day', 20);
    }
    const reused = await cfw.create(fw1, captureBody({ name: 'doomed', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 10 }));
    assert.equal(reused.status, 200, reused.text);
    const reusedId = (await cfw.record(fw1, 'doomed'))!.task_id;
    assert.notEqual(reusedId, taskId);
    await cfw.stop(fw1, reusedId);
    await cfw.waitRecord(fw1, 'doomed', 'the stop', (r) => r.status === 4, 15_000);
    // A day later the deleted task's rows go too.
    await captureStoreOf(ts!.server.ctx).sweep(Date.now() + 86_400_000 + 60_000);
    assert.equal(await ts!.server.ctx.tasks.getTask(taskId), undefined);
  });

  it('agent shut down (SIGTERM) mid-capture: it stops the capture and reports status 4 / agent_shutdown with the pcap', { timeout: 60_000 }, async () => {
    const p = pair!;
    const created = await cfw.create(fw1, captureBody({ name: 'shutdown', protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: 1000 }));
    assert.equal(created.status, 200, created.text);
    const taskId = (await cfw.waitCapturing(fw1, 'shutdown')).task_id;
    await sleep(300);
    await ping(p, 'b', p.v4A, 2);
    await sleep(500);
    await mainAgent!.stop(15_000);
    assert.equal(mainAgent!.child.exitCode, 0, mainAgent!.output());
    const record = await cfw.waitRecord(fw1, 'shutdown', 'the end', (r) => r.status !== 2 && r.status !== 5, 5000);
    assert.equal(record.status, 4, JSON.stringify(record));
    assert.equal(record.stop_reason, 'agent_shutdown');
    assert.equal(record.packets, 2);
    const { packets } = parsePcap(await fetchPcap(fw1, taskId));
    assert.deepEqual(packets.map((x) => `${x.icmpType}/${x.icmpSeq}`), ['8/1', '8/2']);
  });

  it('duration reached first with no matching traffic: status 1, time_limit, 0 packets, a valid empty pcap', { timeout: 90_000 }, async () => {
    assert.ok(durationDone, 'the duration capture was started');
    const { record, createdAt, endedAt } = await durationDone;
    const took = endedAt - createdAt;
    console.log(`# 1-minute capture ended ${took} ms after its creation`);
    assert.equal(record.status, 1, JSON.stringify(record));
    assert.equal(record.stop_reason, 'time_limit');
    assert.equal(record.packets, 0);
    assert.ok(took >= 59_000 && took <= 75_000, `ended after ${took} ms`);
    assert.equal(record.capture_size, '24b', 'a pcap header and no packets');
    assertFinishedRecord(record, { name: 'duration', protocol: 17, src: pair!.v4B, dst: pair!.v4A, destPort: '9', maxPackets: 100, duration: 1 });
    const pcap = await fetchPcap(fw2, record.task_id);
    const { packets, summary } = parsePcap(pcap);
    assert.equal(packets.length, 0);
    assert.equal(summary.format, 'pcap');
    assert.equal(summary.truncated, false);
    assert.equal(await tcpdumpCount(pcap, work), 0);
  });
});
