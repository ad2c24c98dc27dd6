import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { formatCaptureSize } from '../../src/families/capture/domain.js';
import { http, projectToken, type HttpResult } from '../helpers/http.js';
import { CfwClient, closeTestServer, download, type CaptureRecordVO } from '../helpers/netns.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { assertHuaweiError, checkin, enrollAgent, hostFacts, tinyPcap, type EnrolledAgent } from './support.js';
import { captureDb, captureStoreOf } from '../helpers/capture.js';

/**
 * CFW capture API contract without packets: every validation rule and its documented error code,
 * unknown ids, the one-running / daily quotas, and the task lifecycle as a fake capture-capable agent
 * drives it over the real agent protocol. Rejected requests must store nothing.
 */

type Body = Record<string, unknown>;

const valid = (over: Body = {}): Body => ({
  name: 'ok', duration: 1, max_packets: 10,
  source: { address: '10.0.0.1', address_type: 0, type: 0 },
  destination: { address: '10.0.0.2', address_type: 0, type: 0 },
  service: { protocol: 6, source_port: '', dest_port: '80' },
  ...over,
});
const withSource = (over: Body) => valid({ source: { address: '10.0.0.1', address_type: 0, type: 0, ...over } });
const withDestination = (over: Body) => valid({ destination: { address: '10.0.0.2', address_type: 0, type: 0, ...over } });
const withService = (over: Body) => valid({ service: { protocol: 6, source_port: '', dest_port: '80', ...over } });
const without = (key: string, from?: 'source' | 'destination' | 'service'): Body => {
  const body = structuredClone(valid());
  delete (from ? (body[from] as Body) : body)[key];
  return body;
};
const v6 = (over: Body = {}): Body => valid({
  source: { address: 'fd00::1', address_type: 1, type: 0 }, destination: { address: 'fd00::2', address_type: 1, type: 0 },
  service: { protocol: 58, source_port: '', dest_port: '' }, ...over,
});

describe('CFW capture API: validation, ids, quotas and lifecycle (fake capture agent)', () => {
  let ts: TestServer;
  let cfw: CfwClient;
  let projectId = '';
  let sensor1: EnrolledAgent;
  let sensor2: EnrolledAgent;
  let inventoryOnly: EnrolledAgent;
  let fw1 = '';
  let fw2 = '';

  const captureFacts = (name: string) => hostFacts({ host_name: name, capabilities: { job_kinds: ['capture'], kinds: { capture: { interfaces: ['lo'] } } } });

  async function counts() {
    const db = captureDb(ts.server.ctx);
    const n = async (table: 'tasks' | 'jobs' | 'capture_tasks' | 'capture_links') =>
      Number((await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    return { tasks: await n('tasks'), jobs: await n('jobs'), capture_tasks: await n('capture_tasks'), capture_links: await n('capture_links') };
  }

  /** Runs `call`, expects a 400 with `code` and no new rows anywhere. */
  async function rejected(label: string, call: () => Promise<HttpResult<unknown>>, code = 'CFW.00200003', status = 400): Promise<void> {
    const before = await counts();
    const res = await call();
    assertHuaweiError(res, status, code, label);
    assert.deepEqual(await counts(), before, `${label}: a rejected request stored something`);
  }

  const agentCall = (agent: EnrolledAgent, method: string, path: string, body?: unknown, raw?: Buffer) => http(ts.endpoint, {
    method, path, headers: { authorization: agent.authorization, ...(raw ? { 'content-type': 'application/octet-stream', 'x-artifact-content-type': 'application/vnd.tcpdump.pcap' } : {}) },
    ...(body === undefined ? {} : { body }), ...(raw ? { rawBody: raw } : {}),
  });

  /** The fake agent takes its offered capture job (as the real runtime does: check-in, then claim). */
  async function claimNext(agent: EnrolledAgent): Promise<{ id: string; payload: Record<string, unknown> }> {
    const offered = (await checkin(ts, agent)).body as { jobs: Array<{ id: string; kind: string; payload: Record<string, unknown> }> };
    assert.equal(offered.jobs.length, 1, JSON.stringify(offered));
    const job = offered.jobs[0]!;
    assert.equal(job.kind, 'capture');
    const claim = await agentCall(agent, 'POST', `/agent/v1/jobs/${job.id}/claim`);
    assert.equal(claim.status, 200, claim.text);
    return { id: job.id, payload: job.payload };
  }

  async function createOk(fw: string, body: Body): Promise<string> {
    const res = await cfw.create(fw, body);
    assert.equal(res.status, 200, res.text);
    return res.body.data.task_id!;
  }

  async function stopOk(fw: string, taskId: string): Promise<void> {
    const res = await cfw.stop(fw, taskId);
    assert.equal(res.status, 200, res.text);
  }

  const recordOf = async (fw: string, taskId: string): Promise<CaptureRecordVO> => {
    const res = await cfw.list(fw, 1024, 0);
    const record = res.body.data.records.find((r) => r.task_id === taskId);
    assert.ok(record, `task ${taskId} not listed`);
    return record;
  };

  before(async () => {
    ts = await startTestServer();
    projectId = ts.credentials.project_id;
    cfw = new CfwClient(ts.endpoint, projectId, await projectToken(ts.endpoint, ts.credentials));
    sensor1 = await enrollAgent(ts, captureFacts('sensor-1'));
    sensor2 = await enrollAgent(ts, captureFacts('sensor-2'));
    inventoryOnly = await enrollAgent(ts, hostFacts({ host_name: 'plain-host' }));
    fw1 = sensor1.hostId;
    fw2 = sensor2.hostId;
  });

  after(async () => {
    if (ts) await closeTestServer(ts);
  });

  it('ListFirewallDetail lists only capture-capable agents', async () => {
    const res = await cfw.firewalls();
    assert.equal(res.status, 200, res.text);
    const ids = res.body.data.records.map((r) => r.fw_instance_id);
    assert.deepEqual(ids.sort(), [fw1, fw2].sort());
    assert.ok(!ids.includes(inventoryOnly.hostId));
    for (const r of res.body.data.records) assert.deepEqual(r.capture_interfaces, ['lo']);
  });

  it('CreateCaptureTask: every invalid body is 400 CFW.00200003 and stores nothing', async () => {
    const cases: Array<[string, unknown]> = [
      ['max_packets 0', valid({ max_packets: 0 })],
      ['max_packets 1000001', valid({ max_packets: 1_000_001 })],
      ['max_packets "10"', valid({ max_packets: '10' })],
      ['max_packets 1.5', valid({ max_packets: 1.5 })],
      ['max_packets -1', valid({ max_packets: -1 })],
      ['max_packets null', valid({ max_packets: null })],
      ['duration 0', valid({ duration: 0 })],
      ['duration 61', valid({ duration: 61 })],
      ['duration 1.5', valid({ duration: 1.5 })],
      ['duration "1"', valid({ duration: '1' })],
      ['protocol 5', withService({ protocol: 5, dest_port: '' })],
      ['protocol "6"', withService({ protocol: '6' })],
      ['protocol null', withService({ protocol: null })],
      ['IPv6 address with address_type 0', withSource({ address: 'fd00::1' })],
      ['IPv4 address with address_type 1', withDestination({ address_type: 1 })],
      ['address_type 2', withSource({ address_type: 2 })],
      ['IPv4 source, IPv6 destination', valid({ destination: { address: 'fd00::2', address_type: 1, type: 0 } })],
      ['prefix /33', withSource({ address: '10.0.0.0/33' })],
      ['empty prefix', withSource({ address: '10.0.0.0/' })],
      ['negative prefix', withSource({ address: '10.0.0.0/-1' })],
      ['octet 300', withSource({ address: '300.1.1.1' })],
      ['three octets', withSource({ address: '10.0.0' })],
      ['leading space', withSource({ address: ' 10.0.0.1' })],
      ['host name', withSource({ address: 'example.com' })],
      ['IPv6 prefix /129', v6({ source: { address: 'fd00::/129', address_type: 1, type: 0 } })],
      ['IPv6 zone id', v6({ source: { address: 'fe80::1%eth0', address_type: 1, type: 0 } })],
      ['empty address', withSource({ address: '' })],
      ['address 65 characters', withSource({ address: `${'1'.repeat(62)}::1` })],
      ['ICMP with a destination port', withService({ protocol: 1, dest_port: '80' })],
      ['ICMP with a source port range', withService({ protocol: 1, source_port: '1-2', dest_port: '' })],
      ['ANY with a port', withService({ protocol: -1, dest_port: '80' })],
      ['ICMPv6 with a port', v6({ service: { protocol: 58, source_port: '', dest_port: '80' } })],
      ['ICMP over IPv6', v6({ service: { protocol: 1, source_port: '', dest_port: '' } })],
      ['ICMPv6 over IPv4', withService({ protocol: 58, dest_port: '' })],
      ['port 0', withService({ dest_port: '0' })],
      ['port 70000', withService({ dest_port: '70000' })],
      ['port 65536', withService({ source_port: '65536' })],
      ['reversed range', withService({ dest_port: '2000-1000' })],
      ['range with port 0', withService({ dest_port: '0-10' })],
      ['port "b-a"', withService({ dest_port: 'b-a' })],
      ['port list', withService({ dest_port: '80,443' })],
      ['open range', withService({ dest_port: '80-' })],
      ['three-part range', withService({ dest_port: '1-2-3' })],
      ['port with a space', withService({ dest_port: ' 80' })],
      ['port as a number', withService({ dest_port: 80 })],
      ['source type 1', withSource({ type: 1 })],
      ['destination type 2', withDestination({ type: 2 })],
      ['type "0"', withSource({ type: '0' })],
      ['unknown top-level field', valid({ priority: 1 })],
      ['unknown field in source', withSource({ mask: 24 })],
      ['unknown field in service', withService({ app: 'http' })],
      ...(['name', 'duration', 'max_packets', 'source', 'destination', 'service'].map((k): [string, unknown] => [`missing ${k}`, without(k)])),
      ['missing source.address', without('address', 'source')],
      ['missing destination.address_type', without('address_type', 'destination')],
      ['missing source.type', without('type', 'source')],
      ['missing service.protocol', without('protocol', 'service')],
      ['empty name', valid({ name: '' })],
      ['name of 256 characters', valid({ name: 'n'.repeat(256) })],
      ['name with a newline', valid({ name: 'a\nb' })],
      ['name with a tab', valid({ name: 'a\tb' })],
      ['name with NUL', valid({ name: 'a\u0000b' })],
      ['name with DEL', valid({ name: 'a\u007fb' })],
      ['name as a number', valid({ name: 123 })],
      ['source as a string', valid({ source: '10.0.0.1' })],
      ['body is an array', [valid()]],
      ['body is a string', 'capture'],
      ['body is null', null],
      ['body is empty', {}],
    ];
    for (const [label, body] of cases) await rejected(label, () => cfw.create(fw1, body));
    await rejected('invalid JSON', () => http(ts.endpoint, {
      method: 'POST', path: `/v1/${projectId}/capture-task?fw_instance_id=${fw1}`,
      headers: { 'X-Auth-Token': cfw.token, 'content-type': 'application/json' }, rawBody: '{"name": "x",',
    }));
    await rejected('missing fw_instance_id', () => http(ts.endpoint, {
      method: 'POST', path: `/v1/${projectId}/capture-task`, headers: { 'X-Auth-Token': cfw.token }, body: valid(),
    }));
    await rejected('fw_instance_id with a slash', () => cfw.create('a/b', valid()));
    await rejected('fw_instance_id with a space', () => cfw.create('a b', valid()));
  });

  it('CreateCaptureTask: boundary values are accepted; the answer is the firewall id and name; the agent gets the job', async () => {
    const longName = `${'名'.repeat(254)}x`;
    const res = await cfw.create(fw1, valid({ name: longName, duration: 60, max_packets: 1_000_000 }));
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(Object.keys(res.body.data).sort(), ['id', 'name', 'task_id']);
    assert.equal(res.body.data.id, fw1);
    assert.equal(res.body.data.name, 'sensor-1');
    const taskId = res.body.data.task_id!;
    const record = await recordOf(fw1, taskId);
    assert.equal(record.name, longName);
    assert.equal(record.status, 2);
    assert.equal(record.progress, 0);
    assert.equal(record.capture_size, '--');
    assert.equal(record.stop_reason, null);
    assert.equal(record.packets, null);
    assert.equal(record.duration, 60);
    assert.equal(record.max_packets, 1_000_000);
    const job = await claimNext(sensor1);
    assert.deepEqual(job.payload, {
      interface: 'lo', max_packets: 1_000_000, duration_seconds: 3600, task_name: longName,
      rule: { source: { address: '10.0.0.1', address_type: 0 }, destination: { address: '10.0.0.2', address_type: 0 }, protocol: 6, source_port: '', dest_port: '80' },
    });
    await stopOk(fw1, taskId);
    const fin = await agentCall(sensor1, 'POST', `/agent/v1/jobs/${job.id}/finish`, { outcome: 'succeeded', result: { stop_reason: 'user_stop', packets: 0, bytes: 0, file_bytes: 0, started_at: Date.now(), ended_at: Date.now(), first_packet_at: null, tool: 'fake' } });
    assert.equal(fin.status, 200, fin.text);

    const accepted: Body[] = [
      valid({ name: 'min', duration: 1, max_packets: 1 }),
      v6({ name: 'any-v6', source: { address: '::/0', address_type: 1, type: 0 }, destination: { address: '::/0', address_type: 1, type: 0 }, service: { protocol: -1, source_port: '', dest_port: '' } }),
      valid({ name: 'any-v4', source: { address: '0.0.0.0/0', address_type: 0, type: 0 }, service: { protocol: -1 } }),
      valid({ name: 'ports', service: { protocol: 17, source_port: '1', dest_port: '1-65535' } }),
      valid({ name: 'no ports given', service: { protocol: 6 } }),
      valid({ name: 'host bits', source: { address: '10.1.2.3/8', address_type: 0, type: 0 } }),
      v6({ name: 'icmpv6 net', source: { address: 'FD00::/64', address_type: 1, type: 0 } }),
    ];
    for (const body of accepted) {
      const id = await createOk(fw1, body);
      await stopOk(fw1, id); // queued: cancelled at once, so the next one may start
      const r = await recordOf(fw1, id);
      assert.equal(r.status, 4, JSON.stringify(r));
      assert.equal(r.stop_reason, 'user_stop');
    }
  });

  it('duplicate name on the same firewall is CFW.00200007 (even after the task ended); another firewall may reuse it', async () => {
    const id = await createOk(fw1, valid({ name: 'dup' }));
    await rejected('same name while queued', () => cfw.create(fw1, valid({ name: 'dup' })), 'CFW.00200007');
    await stopOk(fw1, id);
    await rejected('same name after the stop', () => cfw.create(fw1, valid({ name: 'dup' })), 'CFW.00200007');
    const other = await createOk(fw2, valid({ name: 'dup' }));
    await stopOk(fw2, other);
    // Deleting frees the name.
    assert.equal((await cfw.remove(fw1, [id])).status, 200);
    await stopOk(fw1, await createOk(fw1, valid({ name: 'dup' })));
  });

  it('one task at a time per firewall: a second create while one is queued or running is CFW.00200024', async () => {
    const id = await createOk(fw1, valid({ name: 'first' }));
    await rejected('second while queued', () => cfw.create(fw1, valid({ name: 'second' })), 'CFW.00200024');
    const job = await claimNext(sensor1);
    await rejected('second while running', () => cfw.create(fw1, valid({ name: 'second' })), 'CFW.00200024');
    // Other firewalls are not affected.
    await stopOk(fw2, await createOk(fw2, valid({ name: 'elsewhere' })));
    await stopOk(fw1, id);
    const fin = await agentCall(sensor1, 'POST', `/agent/v1/jobs/${job.id}/finish`, { outcome: 'cancelled', reason: 'stopped' });
    assert.equal(fin.status, 200, fin.text);
    await stopOk(fw1, await createOk(fw1, valid({ name: 'second' })));
  });

  it('unknown or foreign fw_instance_id is CFW.00200005 on all five operations', async () => {
    const someTask = await createOk(fw2, valid({ name: 'for-ids' }));
    await stopOk(fw2, someTask);
    for (const fw of ['ffffffff-ffff-ffff-ffff-ffffffffffff', inventoryOnly.hostId]) {
      await rejected(`create on ${fw}`, () => cfw.create(fw, valid({ name: 'ghost' })), 'CFW.00200005');
      await rejected(`list on ${fw}`, () => cfw.list(fw), 'CFW.00200005');
      await rejected(`stop on ${fw}`, () => cfw.stop(fw, someTask), 'CFW.00200005');
      await rejected(`delete on ${fw}`, () => cfw.remove(fw, [someTask]), 'CFW.00200005');
      await rejected(`result on ${fw}`, () => cfw.result(fw, someTask), 'CFW.00200005');
    }
    // A schema error wins over an unknown firewall.
    await rejected('bad body on an unknown firewall', () => cfw.create('ffffffff', valid({ max_packets: 0 })));
  });

  it('unknown task_id is CFW.00200005 (stop, delete, result); tasks of another firewall are unknown; delete is all or nothing', async () => {
    const id = await createOk(fw1, valid({ name: 'keep-me' }));
    await stopOk(fw1, id);
    const unknown = '00000000-0000-0000-0000-000000000000';
    await rejected('stop unknown', () => cfw.stop(fw1, unknown), 'CFW.00200005');
    await rejected('result unknown', () => cfw.result(fw1, unknown), 'CFW.00200005');
    await rejected('delete unknown', () => cfw.remove(fw1, [unknown]), 'CFW.00200005');
    await rejected('delete known + unknown', () => cfw.remove(fw1, [id, unknown]), 'CFW.00200005');
    assert.equal((await recordOf(fw1, id)).task_id, id, 'the known task was not deleted');
    await rejected('stop via another firewall', () => cfw.stop(fw2, id), 'CFW.00200005');
    await rejected('result via another firewall', () => cfw.result(fw2, id), 'CFW.00200005');
    await rejected('delete via another firewall', () => cfw.remove(fw2, [id]), 'CFW.00200005');
    await rejected('task id with a slash', () => cfw.stop(fw1, '../x'));
    await rejected('empty task_ids', () => cfw.remove(fw1, []));
    await rejected('101 task_ids', () => cfw.remove(fw1, Array.from({ length: 101 }, () => unknown)));
    await rejected('stop body without task_id', () => http(ts.endpoint, {
      method: 'POST', path: `/v1/${projectId}/capture-task/stop?fw_instance_id=${fw1}`, headers: { 'X-Auth-Token': cfw.token }, body: {},
    }));
    await rejected('stop body with an extra field', () => http(ts.endpoint, {
      method: 'POST', path: `/v1/${projectId}/capture-task/stop?fw_instance_id=${fw1}`, headers: { 'X-Auth-Token': cfw.token }, body: { task_id: id, force: true },
    }));
    await rejected('task_ids as a string', () => http(ts.endpoint, {
      method: 'POST', path: `/v1/${projectId}/capture-task/batch-delete?fw_instance_id=${fw1}`, headers: { 'X-Auth-Token': cfw.token }, body: { task_ids: id },
    }));
    // Duplicates in one batch are fine.
    const removed = await cfw.remove(fw1, [id, id]);
    assert.equal(removed.status, 200, removed.text);
    await rejected('deleted task is unknown', () => cfw.stop(fw1, id), 'CFW.00200005');
  });

  it('ListCaptureTask: limit 1-1024 and offset ≥ 0 are required', async () => {
    const list = (query: string) => () => http(ts.endpoint, { path: `/v1/${projectId}/capture-task?fw_instance_id=${fw1}${query}`, headers: { 'X-Auth-Token': cfw.token } });
    for (const [label, query] of [
      ['limit 0', '&limit=0&offset=0'], ['limit 1025', '&limit=1025&offset=0'], ['limit -1', '&limit=-1&offset=0'],
      ['limit x', '&limit=x&offset=0'], ['missing offset', '&limit=10'], ['missing limit', '&offset=0'], ['offset -1', '&limit=10&offset=-1'],
      ['offset 1.5', '&limit=10&offset=1.5'],
    ] as const) {
      await rejected(label, list(query));
    }
    const ok = await list('&limit=1024&offset=0')();
    assert.equal(ok.status, 200, ok.text);
    const one = await list('&limit=1&offset=0')();
    assert.equal((one.body as { data: { records: unknown[] } }).data.records.length, 1);
  });

  it('ListCaptureResult: type=1 needs 1-3 IP addresses or CIDR ranges; bad values are CFW.00200003; no file is CFW.00200005', async () => {
    const id = await createOk(fw1, valid({ name: 'no-file' }));
    await stopOk(fw1, id);
    await rejected('type=1 without ip', () => cfw.result(fw1, id, { type: 1 }));
    await rejected('4 ips', () => cfw.result(fw1, id, { type: 1, ip: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'] }));
    for (const bad of ['abc', '10.0.0.0/33', 'fd00::/129', '10.0.0.0/', '/24', '10.0.0.0/2a', 'abc/8', 'fe80::1%eth0', '10.0.0.256', '']) {
      await rejected(`ip ${JSON.stringify(bad)}`, () => cfw.result(fw1, id, { type: 1, ip: [bad] }));
    }
    await rejected('type=2', () => cfw.result(fw1, id, { type: 2 }));
    await rejected('type=x', () => http(ts.endpoint, {
      path: `/v1/${projectId}/capture-task/capture-result?fw_instance_id=${fw1}&task_id=${id}&type=x`, headers: { 'X-Auth-Token': cfw.token },
    }));
    await rejected('missing task_id', () => http(ts.endpoint, {
      path: `/v1/${projectId}/capture-task/capture-result?fw_instance_id=${fw1}`, headers: { 'X-Auth-Token': cfw.token },
    }));
    await rejected('a task stopped before it captured anything has no file', () => cfw.result(fw1, id), 'CFW.00200005');
  });

  it('lifecycle through the agent protocol: 2 → 5 → 4, results refused until the end (CFW.0020016), then a working link', async () => {
    const id = await createOk(fw1, valid({ name: 'life' }));
    await rejected('result while queued', () => cfw.result(fw1, id), 'CFW.0020016');
    const job = await claimNext(sensor1);
    const progress = await agentCall(sensor1, 'POST', `/agent/v1/jobs/${job.id}/progress`, { progress: 1, detail: { packets: 0 } });
    assert.equal(progress.status, 200, progress.text);
    assert.equal((progress.body as { cancel_requested: boolean }).cancel_requested, false);
    let record = await recordOf(fw1, id);
    assert.equal(record.status, 2);
    assert.equal(record.progress, 1);
    await rejected('result while running', () => cfw.result(fw1, id), 'CFW.0020016');
    await rejected('result while running, even with type=1', () => cfw.result(fw1, id, { type: 1, ip: ['127.0.0.1'] }), 'CFW.0020016');

    await stopOk(fw1, id);
    record = await recordOf(fw1, id);
    assert.equal(record.status, 5, 'stopping');
    const told = await agentCall(sensor1, 'POST', `/agent/v1/jobs/${job.id}/progress`, { progress: 2 });
    assert.equal((told.body as { cancel_requested: boolean }).cancel_requested, true);
    assert.deepEqual(((await checkin(ts, sensor1)).body as { cancel_job_ids: string[] }).cancel_job_ids, [job.id]);
    // Stopping a stopping task is idempotent (clients such as Terraform retry); nothing changes.
    const before = await counts();
    await stopOk(fw1, id);
    assert.deepEqual(await counts(), before);
    assert.equal((await recordOf(fw1, id)).status, 5);

    const pcap = tinyPcap();
    const upload = await agentCall(sensor1, 'PUT', `/agent/v1/jobs/${job.id}/artifacts/capture.pcap`, undefined, pcap);
    assert.equal(upload.status, 200, upload.text);
    const now = Date.now();
    const fin = await agentCall(sensor1, 'POST', `/agent/v1/jobs/${job.id}/finish`, {
      outcome: 'succeeded', result: { stop_reason: 'user_stop', packets: 1, bytes: 54, file_bytes: pcap.length, started_at: now - 1000, ended_at: now, first_packet_at: now - 500, tool: 'fake' },
    });
    assert.equal(fin.status, 200, fin.text);
    record = await recordOf(fw1, id);
    assert.equal(record.status, 4);
    assert.equal(record.stop_reason, 'user_stop');
    assert.equal(record.packets, 1);
    assert.equal(record.progress, 100);
    assert.equal(record.capture_size, formatCaptureSize(pcap.length));
    await rejected('stop after the end', () => cfw.stop(fw1, id), 'CFW.0020016');

    const result = await cfw.result(fw1, id);
    assert.equal(result.status, 200, result.text);
    const { url, captcha, expires, expires_at: expiresAt } = result.body.data;
    assert.equal(typeof expires, 'number');
    assert.equal(typeof expiresAt, 'number');
    const file = await download(url!, { code: captcha! });
    assert.equal(file.status, 200);
    assert.ok(file.body.equals(pcap));
  });

  it('a failed capture is status 0 with its reason; an agent-lost one is agent_lost', async () => {
    const id = await createOk(fw2, valid({ name: 'broken' }));
    const job = await claimNext(sensor2);
    const fin = await agentCall(sensor2, 'POST', `/agent/v1/jobs/${job.id}/finish`, {
      outcome: 'failed', reason: 'capture tool error: dumpcap: permission denied',
      result: { stop_reason: 'tool_error', packets: 0, bytes: 0, file_bytes: 0, started_at: Date.now(), ended_at: Date.now(), first_packet_at: null, tool: 'dumpcap', detail: 'dumpcap: permission denied' },
    });
    assert.equal(fin.status, 200, fin.text);
    const record = await recordOf(fw2, id);
    assert.equal(record.status, 0);
    assert.equal(record.stop_reason, 'tool_error');
    assert.match(record.stop_detail ?? '', /permission denied/);
    await rejected('result of a failed task without a file', () => cfw.result(fw2, id), 'CFW.00200005');

    const lostId = await createOk(fw2, valid({ name: 'lost' }));
    await claimNext(sensor2);
    await ts.server.ctx.tasks.reapExpiredLeases(Date.now() + 3600_000);
    const lost = await recordOf(fw2, lostId);
    assert.equal(lost.status, 0);
    assert.equal(lost.stop_reason, 'agent_lost');
  });

  it('an offline firewall cannot start a capture (CFW.0020016)', async () => {
    await ts.server.ctx.agents.flushHeartbeats();
    const db = captureDb(ts.server.ctx);
    const seen = (await db.selectFrom('agents').select('last_seen_at').where('host_id', '=', fw2).executeTakeFirstOrThrow()).last_seen_at;
    await db.updateTable('agents').set({ last_seen_at: Date.now() - 3600_000 }).where('host_id', '=', fw2).execute();
    try {
      await rejected('create on an offline firewall', () => cfw.create(fw2, valid({ name: 'offline' })), 'CFW.0020016');
    } finally {
      await db.updateTable('agents').set({ last_seen_at: Math.max(seen, Date.now()) }).where('host_id', '=', fw2).execute();
    }
  });

  it('daily quota: the third create in 24 h is CFW.00200024 with a limit of 2, deleted tasks included', async () => {
    const sensor3 = await enrollAgent(ts, captureFacts('sensor-3'));
    const fw3 = sensor3.hostId;
    await ts.server.ctx.tasks.setQuota(projectId, 'capture.tasks_per_firewall_per_day', 2);
    try {
      const a = await createOk(fw3, valid({ name: 'day-1' }));
      await stopOk(fw3, a);
      const b = await createOk(fw3, valid({ name: 'day-2' }));
      await stopOk(fw3, b);
      assert.equal((await cfw.remove(fw3, [b])).status, 200);
      await captureStoreOf(ts.server.ctx).sweep();
      await rejected('third create today', () => cfw.create(fw3, valid({ name: 'day-3' })), 'CFW.00200024');
    } finally {
      await ts.server.ctx.tasks.setQuota(projectId, 'capture.tasks_per_firewall_per_day', 20);
    }
    await stopOk(fw3, await createOk(fw3, valid({ name: 'day-3' })));
  });

  it('concurrent creates on one firewall: exactly one wins, the others get the documented codes (no 500s, nothing extra stored)', async () => {
    const sensor4 = await enrollAgent(ts, captureFacts('sensor-4'));
    const fw4 = sensor4.hostId;
    const before = await counts();
    const distinct = await Promise.all(Array.from({ length: 8 }, (_, i) => cfw.create(fw4, valid({ name: `race-${i}` }))));
    assert.deepEqual(distinct.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400], distinct.map((r) => r.text).join('\n'));
    for (const r of distinct.filter((x) => x.status === 400)) assertHuaweiError(r, 400, 'CFW.00200024');
    const after1 = await counts();
    assert.equal(after1.capture_tasks, before.capture_tasks + 1);
    const winner = distinct.find((r) => r.status === 200)!.body.data.task_id!;
    await stopOk(fw4, winner);

    const same = await Promise.all(Array.from({ length: 6 }, () => cfw.create(fw4, valid({ name: 'same-name' }))));
    assert.deepEqual(same.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400], same.map((r) => r.text).join('\n'));
    for (const r of same.filter((x) => x.status === 400)) assertHuaweiError(r, 400, /^CFW\.(00200007|00200024)$/);
    assert.equal((await counts()).capture_tasks, after1.capture_tasks + 1);
    await stopOk(fw4, same.find((r) => r.status === 200)!.body.data.task_id!);
  });

  it('errors carry the CFW shape only (error_code, error_msg) and numbers stay numbers', async () => {
    const res = await cfw.create(fw1, valid({ max_packets: 0 }));
    assert.deepEqual(Object.keys(res.body as object).sort(), ['error_code', 'error_msg']);
    const list = await cfw.list(fw1, 5, 0);
    assert.equal(typeof list.body.data.total, 'number');
    for (const r of list.body.data.records) {
      for (const key of ['status', 'duration', 'max_packets', 'remaining_days', 'is_deleted', 'protocol', 'source_address_type', 'dest_address_type'] as const) {
        assert.equal(typeof r[key], 'number', key);
      }
    }
  });
});
