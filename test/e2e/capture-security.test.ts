import assert from 'node:assert/strict';
import fs from 'node:fs';
import nodeHttp from 'node:http';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MAX_WRONG_CODES } from '../../src/families/capture/domain.js';
import { createUserWithRole, tokenFor } from '../api/support.js';
import { tempDir } from '../helpers/db.js';
import { projectToken } from '../helpers/http.js';
import {
  captureBody, CfwClient, closeTestServer, createNetnsPair, download, netnsUnavailableReason, parsePcap, ping, sleep, startAgentProcess, tcpdumpCount, teardown,
  type AgentProcess, type NetnsPair,
} from '../helpers/netns.js';
import { freePort, startTestServer, type TestServer } from '../helpers/server.js';
import { captureDb, captureStoreOf } from '../helpers/capture.js';

/**
 * The capture download link: access code, lock after wrong codes, expiry, client IP restriction
 * (type=1), project isolation, deletion and retention; and the `file_list` result mode with its
 * request_header.Host. Real captures from a real agent on veth-a in a private namespace.
 */

const unavailable = netnsUnavailableReason();

interface ErrorBody { error_code: string; error_msg: string }
const errorOf = (json: Record<string, unknown> | undefined) => json as unknown as ErrorBody;

describe('CFW capture result links: security (real captures)', { skip: unavailable ?? false }, () => {
  let pair: NetnsPair | undefined;
  let ts: TestServer | undefined;
  let fileListServer: TestServer | undefined;
  const agents: AgentProcess[] = [];
  let cfw: CfwClient;
  let work = '';
  let fw = '';
  const tasks: Record<string, string> = {};

  const db = () => captureDb(ts!.server.ctx);
  const linkRow = (id: string) => db().selectFrom('capture_links').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const linkIdOf = (url: string) => new URL(url).pathname.split('/').pop()!;
  const wrongCode = (right: string) => (right === '000000' ? '111111' : '000000');

  async function startAgent(server: TestServer, name: string): Promise<AgentProcess> {
    const { token } = await server.server.ctx.agents.createEnrollmentToken({ projectId: server.credentials.project_id, maxUses: 1 });
    const agent = await startAgentProcess({ endpoint: server.endpoint, enrollToken: token, captureInterface: pair!.captureInterface, name, workDir: work });
    agents.push(agent);
    return agent;
  }

  /** A finished 'ICMP echo requests from B' capture of `count` packets. */
  async function capture(client: CfwClient, firewall: string, name: string, count: number): Promise<string> {
    const p = pair!;
    const created = await client.create(firewall, captureBody({ name, protocol: 1, src: p.v4B, dst: p.v4A, maxPackets: count }));
    assert.equal(created.status, 200, created.text);
    await client.waitCapturing(firewall, name);
    await sleep(300);
    await ping(p, 'b', p.v4A, count);
    const record = await client.waitRecord(firewall, name, 'the end', (r) => r.status !== 2, 15_000);
    assert.equal(record.status, 1, JSON.stringify(record));
    return record.task_id;
  }

  async function link(taskId: string, extra: { type?: number; ip?: string[] } = {}) {
    const result = await cfw.result(fw, taskId, extra);
    assert.equal(result.status, 200, result.text);
    const { url, captcha } = result.body.data;
    assert.ok(url && captcha);
    return { url, captcha, id: linkIdOf(url) };
  }

  before(async () => {
    work = tempDir('gp-capture-sec-');
    pair = await createNetnsPair('cs', 3);
    ts = await startTestServer();
    cfw = new CfwClient(ts.endpoint, ts.credentials.project_id, await projectToken(ts.endpoint, ts.credentials));
    fw = (await startAgent(ts, `fw-sec-${process.pid}`)).hostId;
    tasks.a = await capture(cfw, fw, 'sec-a', 3);
    tasks.b = await capture(cfw, fw, 'sec-b', 2);
  });

  after(async () => {
    await teardown(
      () => Promise.all(agents.map((a) => a.stop(5000))),
      () => pair?.destroy(),
      () => ts && closeTestServer(ts),
      () => fileListServer && closeTestServer(fileListServer),
      () => work && fs.rmSync(work, { recursive: true, force: true }),
    );
  });

  it('a wrong or missing access code is refused with 401 and wrong ones are counted; the right one downloads', async () => {
    const l = await link(tasks.a!);
    assert.match(l.url, new RegExp(`^${ts!.endpoint}/capture-downloads/[0-9a-f]{32}$`));
    const missing = await download(l.url);
    assert.equal(missing.status, 401);
    assert.equal(errorOf(missing.json).error_code, 'GP.CAPTURE.0401');
    assert.equal((await linkRow(l.id)).failed_attempts, 0, 'a missing code is not an attempt');

    const wrong = await download(l.url, { code: wrongCode(l.captcha) });
    assert.equal(wrong.status, 401);
    assert.equal(errorOf(wrong.json).error_code, 'GP.CAPTURE.0401');
    assert.match(errorOf(wrong.json).error_msg, new RegExp(`${MAX_WRONG_CODES - 1} attempt\\(s\\) left`));
    assert.ok(!wrong.body.toString().includes(l.captcha), 'the error does not reveal the code');
    assert.equal((await linkRow(l.id)).failed_attempts, 1);
    const wrongHeader = await download(l.url, { code: `${l.captcha}0`, via: 'header' });
    assert.equal(wrongHeader.status, 401);
    assert.equal((await linkRow(l.id)).failed_attempts, 2);

    // Another link's code does not open this one.
    const other = await link(tasks.a!);
    assert.notEqual(other.id, l.id);
    if (other.captcha !== l.captcha) assert.equal((await download(l.url, { code: other.captcha })).status, 401);

    const ok = await download(l.url, { code: l.captcha, via: 'header' });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('cache-control'), 'no-store');
    assert.equal(parsePcap(ok.body).packets.length, 3);
    assert.equal(await tcpdumpCount(ok.body, work), 3);
    // The code is stored hashed only.
    const row = await linkRow(l.id);
    assert.match(row.code_hash, /^[0-9a-f]{64}$/);
  });

  it(`${MAX_WRONG_CODES} wrong codes lock the link (423), even for the right code; a new link works`, async () => {
    const l = await link(tasks.a!);
    for (let i = 1; i <= MAX_WRONG_CODES; i++) {
      const res = await download(l.url, { code: wrongCode(l.captcha) });
      assert.equal(res.status, 401, `attempt ${i}`);
    }
    const row = await linkRow(l.id);
    assert.equal(row.failed_attempts, MAX_WRONG_CODES);
    assert.notEqual(row.locked_at, null);
    const locked = await download(l.url, { code: l.captcha });
    assert.equal(locked.status, 423);
    assert.equal(errorOf(locked.json).error_code, 'GP.CAPTURE.0423');
    assert.equal((await download(l.url, { code: l.captcha, via: 'header' })).status, 423);
    const fresh = await link(tasks.a!);
    assert.equal((await download(fresh.url, { code: fresh.captcha })).status, 200);
  });

  it('wrong codes sent at once are all counted (no lost updates) and lock the link', async () => {
    const l = await link(tasks.a!);
    const results = await Promise.all(Array.from({ length: MAX_WRONG_CODES + 3 }, () => download(l.url, { code: wrongCode(l.captcha) })));
    for (const r of results) assert.ok(r.status === 401 || r.status === 423, String(r.status));
    assert.ok((await linkRow(l.id)).failed_attempts >= MAX_WRONG_CODES);
    assert.equal((await download(l.url, { code: l.captcha })).status, 423);
  });

  it('an expired link is refused with 410', async () => {
    const l = await link(tasks.a!);
    const row = await linkRow(l.id);
    assert.ok(Math.abs(row.expires_at - (Date.now() + 30 * 60_000)) < 60_000, 'expires after 30 minutes');
    await db().updateTable('capture_links').set({ expires_at: Date.now() - 1000 }).where('id', '=', l.id).execute();
    const res = await download(l.url, { code: l.captcha });
    assert.equal(res.status, 410);
    assert.equal(errorOf(res.json).error_code, 'GP.CAPTURE.0410');
  });

  it('type=1 restricts downloads to the given IPs: 403 from elsewhere (not counted), allowed from a listed one', async () => {
    const elsewhere = await link(tasks.a!, { type: 1, ip: [pair!.v4A] });
    assert.deepEqual(JSON.parse((await linkRow(elsewhere.id)).allowed_ips), [pair!.v4A]);
    const refused = await download(elsewhere.url, { code: elsewhere.captcha });
    assert.equal(refused.status, 403);
    assert.equal(errorOf(refused.json).error_code, 'GP.CAPTURE.0403');
    assert.match(errorOf(refused.json).error_msg, /127\.0\.0\.1/);
    assert.equal((await download(elsewhere.url, { code: wrongCode(elsewhere.captcha) })).status, 403);
    assert.equal((await linkRow(elsewhere.id)).failed_attempts, 0, 'refused before the code is looked at');
    const spoofed = await download(elsewhere.url, { code: elsewhere.captcha, headers: { 'X-Forwarded-For': pair!.v4A, 'X-Real-IP': pair!.v4A } });
    assert.equal(spoofed.status, 403, 'forwarding headers are not trusted unless GUARDPOST_TRUST_PROXY is set');

    const loopback = await link(tasks.a!, { type: 1, ip: ['127.0.0.1'] });
    assert.equal((await download(loopback.url, { code: loopback.captcha })).status, 200);
    const several = await link(tasks.a!, { type: 1, ip: [pair!.v4A, '127.0.0.1', pair!.v6A] });
    assert.equal((await download(several.url, { code: several.captcha })).status, 200);
    // Addresses are compared in one spelling: upper-case / uncompressed IPv6 and IPv4-mapped IPv6 match too.
    const spelled = await link(tasks.a!, { type: 1, ip: ['FD00:200:0:0:0:0:0:1', '::FFFF:127.0.0.1'] });
    assert.deepEqual(JSON.parse((await linkRow(spelled.id)).allowed_ips), ['fd00:200::1', '127.0.0.1']);
    assert.equal((await download(spelled.url, { code: spelled.captcha })).status, 200);
    // type=0 ignores ip: no restriction.
    const open = await link(tasks.a!, { type: 0, ip: [pair!.v4A] });
    assert.deepEqual(JSON.parse((await linkRow(open.id)).allowed_ips), []);
    assert.equal((await download(open.url, { code: open.captcha })).status, 200);
  });

  it("another project's token cannot use this project's capture APIs (403), nor see its firewall from its own project", async () => {
    const outsider = await createUserWithRole(ts!, { name: `outsider${process.pid}`, role: 'admin' });
    const token = await tokenFor(ts!, outsider.userId, { projectId: outsider.projectId });
    const asOutsider = new CfwClient(ts!.endpoint, ts!.credentials.project_id, token);
    const calls = [
      asOutsider.result(fw, tasks.a!), asOutsider.list(fw), asOutsider.stop(fw, tasks.a!), asOutsider.remove(fw, [tasks.a!]),
      asOutsider.create(fw, captureBody({ name: 'intruder', protocol: 1, maxPackets: 1 })),
    ];
    for (const res of await Promise.all(calls)) {
      assert.equal(res.status, 403, res.text);
      assert.equal((res.body as unknown as ErrorBody).error_code, 'APIGW.0302');
    }
    const ownProject = new CfwClient(ts!.endpoint, outsider.projectId, token);
    for (const res of await Promise.all([ownProject.result(fw, tasks.a!), ownProject.list(fw)])) {
      assert.equal(res.status, 400, res.text);
      assert.equal((res.body as unknown as ErrorBody).error_code, 'CFW.00200005');
    }
    assert.equal((await ownProject.firewalls()).body.data.total, 0);
    // A read-only user of this project may read results but not create or stop captures.
    const reader = await createUserWithRole(ts!, { name: `reader${process.pid}`, role: 'readonly', projectId: ts!.credentials.project_id });
    const asReader = new CfwClient(ts!.endpoint, ts!.credentials.project_id, await tokenFor(ts!, reader.userId, { projectId: reader.projectId }));
    assert.equal((await asReader.list(fw)).status, 200);
    assert.equal((await asReader.result(fw, tasks.a!)).status, 200);
    assert.equal((await asReader.create(fw, captureBody({ name: 'reader', protocol: 1, maxPackets: 1 }))).status, 403);
    assert.equal((await asReader.remove(fw, [tasks.a!])).status, 403);
  });

  it('retention expiry: files removed, remaining_days 0, status 4, results refused, old links 410', async () => {
    const taskId = tasks.b!;
    const l = await link(taskId);
    const blobKeys = (await db().selectFrom('artifacts').select('blob_key').where('task_id', '=', taskId).execute()).map((a) => a.blob_key);
    assert.equal(blobKeys.length, 1);
    const blobFile = path.join(ts!.server.ctx.config.blobDir, ...blobKeys[0]!.split('/'));
    assert.ok(fs.existsSync(blobFile));

    await db().updateTable('capture_tasks').set({ retention_until: Date.now() - 1000 }).where('task_id', '=', taskId).execute();
    const early = await cfw.result(fw, taskId);
    assert.equal(early.status, 400, 'refused as soon as retention has passed, before any sweep');
    assert.equal((early.body as unknown as ErrorBody).error_code, 'CFW.00200005');

    await captureStoreOf(ts!.server.ctx).sweep();
    assert.ok(!fs.existsSync(blobFile), 'the pcap is gone from the blob store');
    assert.deepEqual(await db().selectFrom('artifacts').select('id').where('task_id', '=', taskId).execute(), []);
    const record = (await cfw.record(fw, 'sec-b'))!;
    assert.equal(record.status, 4);
    assert.equal(record.remaining_days, 0);
    assert.equal(record.capture_size, '--');
    assert.equal(record.stop_reason, 'packet_limit');
    const result = await cfw.result(fw, taskId);
    assert.equal(result.status, 400);
    assert.equal((result.body as unknown as ErrorBody).error_code, 'CFW.00200005');
    const old = await download(l.url, { code: l.captcha });
    assert.equal(old.status, 410);
  });

  it('a link replayed after DeleteCaptureTask is 404', async () => {
    const l = await link(tasks.a!);
    assert.equal((await download(l.url, { code: l.captcha })).status, 200);
    const removed = await cfw.remove(fw, [tasks.a!]);
    assert.equal(removed.status, 200, removed.text);
    const replay = await download(l.url, { code: l.captcha });
    assert.equal(replay.status, 404);
    assert.equal(errorOf(replay.json).error_code, 'CFW.00200005');
    assert.equal((await cfw.result(fw, tasks.a!)).status, 400);
  });

  it('file_list mode: file_list + request_header.Host (the public URL), and its url downloads with that Host', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const publicHost = `capture.guardpost.test:${port}`;
    fileListServer = await startTestServer({
      env: { GUARDPOST_CAPTURE_RESULT_MODE: 'file_list', GUARDPOST_LISTEN: `127.0.0.1:${port}`, GUARDPOST_PUBLIC_URL: `http://${publicHost}` },
    });
    const client = new CfwClient(fileListServer.endpoint, fileListServer.credentials.project_id,
      await projectToken(fileListServer.endpoint, fileListServer.credentials));
    const firewall = (await startAgent(fileListServer, `fw-filelist-${process.pid}`)).hostId;
    const taskId = await capture(client, firewall, 'file list/test', 2);

    const result = await client.result(firewall, taskId);
    assert.equal(result.status, 200, result.text);
    const { data } = result.body;
    assert.deepEqual(Object.keys(data).sort(), ['file_list', 'request_header']);
    assert.deepEqual(data.request_header, { Host: publicHost });
    assert.equal(data.file_list!.length, 1);
    const file = data.file_list![0]!;
    assert.equal(file.file_name, 'file_list_test.pcap');
    assert.equal(file.file_path, `/${taskId}/file_list_test.pcap`);
    const url = new URL(file.url);
    assert.equal(url.host, publicHost);
    assert.match(url.pathname, /^\/capture-downloads\/[0-9a-f]{32}$/);
    assert.match(url.searchParams.get('code') ?? '', /^[A-Za-z0-9_-]{32}$/);

    // What a client does with file_list: connect to the service and send the given Host header.
    const get = (target: URL) => new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
      const req = nodeHttp.get({ host: '127.0.0.1', port, path: `${target.pathname}${target.search}`, headers: { Host: data.request_header!.Host } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    });
    const ok = await get(url);
    assert.equal(ok.status, 200, ok.body.toString());
    assert.deepEqual(parsePcap(ok.body).packets.map((x) => `${x.icmpType}/${x.icmpSeq}`), ['8/1', '8/2']);
    assert.equal(await tcpdumpCount(ok.body, work), 2);
    const tampered = new URL(url);
    tampered.searchParams.set('code', `${url.searchParams.get('code')!.slice(0, -1)}A`);
    if (tampered.searchParams.get('code') === url.searchParams.get('code')) tampered.searchParams.set('code', 'B'.repeat(32));
    assert.equal((await get(tampered)).status, 401);
  });
});
