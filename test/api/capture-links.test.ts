import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_LIVE_LINKS_PER_TASK } from '../../src/families/capture/domain.js';
import { http } from '../helpers/http.js';
import { CfwClient, closeTestServer, download, type CaptureRecordVO } from '../helpers/netns.js';
import { projectToken } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, checkin, enrollAgent, hostFacts, tinyPcap, type EnrolledAgent } from './support.js';
import { captureDb, captureStoreOf } from '../helpers/capture.js';

/**
 * ListCaptureResult download links (bounded per task; `ip` ranges), ListFirewallDetail's `name` filter and
 * SDK fields, and the packet count of a lost agent's partial pcap. A fake capture agent drives the real
 * agent protocol; downloads come from 127.0.0.1.
 */

const body = (name: string) => ({
  name, duration: 1, max_packets: 10,
  source: { address: '10.0.0.1', address_type: 0, type: 0 },
  destination: { address: '10.0.0.2', address_type: 0, type: 0 },
  service: { protocol: 6, source_port: '', dest_port: '80' },
});

describe('CFW capture links, ip ranges, firewall filter and lost-agent packet counts', () => {
  let ts: TestServer;
  let cfw: CfwClient;
  let sensor: EnrolledAgent;
  let fw = '';
  let finishedTask = '';
  const finishedPcap = tinyPcap();

  const agentCall = (method: string, path: string, json?: unknown, raw?: Buffer) => http(ts.endpoint, {
    method, path, headers: { authorization: sensor.authorization, ...(raw ? { 'content-type': 'application/octet-stream', 'x-artifact-content-type': 'application/vnd.tcpdump.pcap' } : {}) },
    ...(json === undefined ? {} : { body: json }), ...(raw ? { rawBody: raw } : {}),
  });

  /** Creates a task and has the fake agent claim it and upload `pcap`. */
  async function startWithPcap(name: string, pcap: Buffer): Promise<{ taskId: string; jobId: string }> {
    const created = await cfw.create(fw, body(name));
    assert.equal(created.status, 200, created.text);
    const offered = (await checkin(ts, sensor)).body as { jobs: Array<{ id: string }> };
    const jobId = offered.jobs[0]!.id;
    assert.equal((await agentCall('POST', `/agent/v1/jobs/${jobId}/claim`)).status, 200);
    const upload = await agentCall('PUT', `/agent/v1/jobs/${jobId}/artifacts/capture.pcap`, undefined, pcap);
    assert.equal(upload.status, 200, upload.text);
    return { taskId: created.body.data.task_id!, jobId };
  }

  const linkRows = async (taskId: string) => captureDb(ts.server.ctx).selectFrom('capture_links').selectAll().where('task_id', '=', taskId).execute();

  async function link(extra: { type?: number; ip?: string[] } = {}) {
    const result = await cfw.result(fw, finishedTask, extra);
    assert.equal(result.status, 200, result.text);
    return { url: result.body.data.url!, captcha: result.body.data.captcha!, id: new URL(result.body.data.url!).pathname.split('/').pop()! };
  }

  const recordOf = async (taskId: string): Promise<CaptureRecordVO> => {
    const record = (await cfw.list(fw, 1024, 0)).body.data.records.find((r) => r.task_id === taskId);
    assert.ok(record, `task ${taskId} not listed`);
    return record;
  };

  before(async () => {
    ts = await startTestServer();
    cfw = new CfwClient(ts.endpoint, ts.credentials.project_id, await projectToken(ts.endpoint, ts.credentials));
    sensor = await enrollAgent(ts, hostFacts({ host_name: 'Edge-Sensor-01', capabilities: { job_kinds: ['capture'], kinds: { capture: { interfaces: ['lo'] } } } }));
    await enrollAgent(ts, hostFacts({ host_name: 'core-sensor', capabilities: { job_kinds: ['capture'], kinds: { capture: { interfaces: ['lo'] } } } }));
    fw = sensor.hostId;
    const pcap = finishedPcap;
    const { taskId, jobId } = await startWithPcap('finished', pcap);
    const now = Date.now();
    const fin = await agentCall('POST', `/agent/v1/jobs/${jobId}/finish`, {
      outcome: 'succeeded', result: { stop_reason: 'packet_limit', packets: 1, bytes: 54, file_bytes: pcap.length, started_at: now - 1000, ended_at: now, first_packet_at: now - 500, tool: 'fake' },
    });
    assert.equal(fin.status, 200, fin.text);
    finishedTask = taskId;
  });

  after(async () => {
    if (ts) await closeTestServer(ts);
  });

  it(`1,000 ListCaptureResult calls leave at most ${MAX_LIVE_LINKS_PER_TASK} links; the newest ones work, rotated-out ones are 404`, async () => {
    const first = await link();
    let newest = first;
    for (let round = 0; round < 100; round += 1) {
      const batch = await Promise.all(Array.from({ length: 10 }, () => link()));
      newest = batch[batch.length - 1]!;
      const rows = await linkRows(finishedTask);
      assert.ok(rows.length <= MAX_LIVE_LINKS_PER_TASK, `round ${round}: ${rows.length} link rows`);
    }
    const rows = await linkRows(finishedTask);
    assert.equal(rows.length, MAX_LIVE_LINKS_PER_TASK);
    assert.ok(rows.some((r) => r.id === newest.id), 'the newest link is kept');
    const file = await download(newest.url, { code: newest.captcha });
    assert.equal(file.status, 200);
    assert.ok(file.body.equals(finishedPcap));
    const rotated = await download(first.url, { code: first.captcha });
    assert.equal(rotated.status, 404);
    assert.equal(rotated.json?.error_code, 'CFW.00200005');
  });

  it('expired links of the task go when a new link is made; the sweep drops long-expired ones of any task', async () => {
    const old = await link();
    await captureDb(ts.server.ctx).updateTable('capture_links').set({ expires_at: Date.now() - 1000 }).where('id', '=', old.id).execute();
    const fresh = await link();
    const ids = (await linkRows(finishedTask)).map((r) => r.id);
    assert.ok(!ids.includes(old.id), 'the expired link was purged on create');
    assert.ok(ids.includes(fresh.id));
    await captureDb(ts.server.ctx).updateTable('capture_links').set({ expires_at: Date.now() - 3600_000 }).where('task_id', '=', finishedTask).execute();
    await captureStoreOf(ts.server.ctx).sweep();
    assert.deepEqual(await linkRows(finishedTask), []);
  });

  it('type=1 ip accepts CIDR ranges (IPv4, IPv6, IPv4-mapped): inside a range downloads, outside is 403', async () => {
    const v4range = await link({ type: 1, ip: ['127.0.0.0/8'] });
    assert.equal((await download(v4range.url, { code: v4range.captcha })).status, 200);
    const spelled = await link({ type: 1, ip: ['127.1.2.3/8', 'FD00:200:0:0::7/64', '::ffff:127.0.0.1/104'] });
    const stored = (await linkRows(finishedTask)).find((r) => r.id === spelled.id)!;
    assert.deepEqual(JSON.parse(stored.allowed_ips), ['127.0.0.0/8', 'fd00:200::/64'], 'one spelling, host bits cleared, duplicates merged');
    assert.equal((await download(spelled.url, { code: spelled.captcha })).status, 200);
    const host = await link({ type: 1, ip: ['127.0.0.1/32'] });
    assert.deepEqual(JSON.parse((await linkRows(finishedTask)).find((r) => r.id === host.id)!.allowed_ips), ['127.0.0.1']);
    assert.equal((await download(host.url, { code: host.captcha })).status, 200);
    const outside = await link({ type: 1, ip: ['10.0.0.0/8', '128.0.0.0/1', 'fd00::/8'] });
    const refused = await download(outside.url, { code: outside.captcha });
    assert.equal(refused.status, 403);
    assert.equal(refused.json?.error_code, 'GP.CAPTURE.0403');
    for (const bad of ['127.0.0.0/33', '::/129', '127.0.0.0/', '127.0.0.0/8/8', '127.0.0.0/-1', 'host/8', '127.0.0.0/ 8']) {
      const res = await cfw.result(fw, finishedTask, { type: 1, ip: [bad] });
      const error = assertHuaweiError(res, 400, 'CFW.00200003', bad);
      assert.match(String(error.error_msg), /CIDR/, bad);
    }
  });

  it('ListFirewallDetail: name is a case-insensitive substring filter; records carry flavor and tags with SDK types', async () => {
    const names = async (name: string) => {
      const res = await cfw.firewalls({ name });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.data.total, res.body.data.records.length);
      return res.body.data.records.map((r) => r.name).sort();
    };
    assert.deepEqual(await names('sensor'), ['Edge-Sensor-01', 'core-sensor']);
    assert.deepEqual(await names('EDGE'), ['Edge-Sensor-01']);
    assert.deepEqual(await names('nothing-like-this'), []);
    assert.deepEqual(await names('%'), []);
    assert.deepEqual(await names(''), ['Edge-Sensor-01', 'core-sensor']);
    const record = (await cfw.firewalls({ name: 'edge' })).body.data.records[0]!;
    assert.deepEqual(record.flavor, { version: 1, total_rule_count: 0, used_rule_count: 0 });
    assert.equal(record.tags, '[]');
  });

  it('an agent lost mid-capture: packets is the count of the stored partial pcap (complete records only), never null', async () => {
    const full = tinyPcap(7);
    const partial = full.subarray(0, full.length - 20); // cut inside the 7th record
    const { taskId } = await startWithPcap('lost-partial', partial);
    await ts.server.ctx.tasks.reapExpiredLeases(Date.now() + 3600_000);
    const record = await recordOf(taskId);
    assert.equal(record.stop_reason, 'agent_lost');
    assert.equal(record.status, 0);
    assert.equal(record.packets, 6);
    assert.equal((await recordOf(taskId)).packets, 6, 'counted once, then stored');

    // The background sweep counts too (here: a task nobody listed before).
    const other = await startWithPcap('lost-unlisted', tinyPcap(3));
    await ts.server.ctx.tasks.reapExpiredLeases(Date.now() + 3600_000);
    await captureStoreOf(ts.server.ctx).sweep();
    const job = await ts.server.ctx.store.db.selectFrom('jobs').select('result').where('task_id', '=', other.taskId).executeTakeFirstOrThrow();
    assert.equal((JSON.parse(job.result!) as { packets: number }).packets, 3);
    assert.equal((await recordOf(other.taskId)).packets, 3);
  });
});
