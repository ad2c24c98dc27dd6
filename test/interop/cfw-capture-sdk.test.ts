/**
 * The CFW capture family driven by the official `@huaweicloud/huaweicloud-sdk-core` exactly as the generated
 * CfwClient builds its requests (project_id as a path parameter, fw_instance_id and arrays in the query), against
 * the real server and a real agent process capturing on loopback.
 */
// First: points HOME at a temporary directory before anything below can load an SDK module.
import { sdkHome } from './sdk-home.js';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseCaptureBuffer } from '../../src/engines/capture/pcap-reader.js';
import { startTestServer, spawnGuardpost, type GuardpostProcess, type TestServer } from '../helpers/server.js';

assert.equal(process.env.HOME, sdkHome);
const { ClientBuilder } = await import('@huaweicloud/huaweicloud-sdk-core/ClientBuilder.js');
const { BasicCredentials } = await import('@huaweicloud/huaweicloud-sdk-core/auth/BasicCredentials.js');
const { Logger4jInstance } = await import('@huaweicloud/huaweicloud-sdk-core/logger/log4jLogger.js');
type HcClient = import('@huaweicloud/huaweicloud-sdk-core/HcClient.js').HcClient;
type ServiceResponseException = import('@huaweicloud/huaweicloud-sdk-core/exception/ServiceResponseException.js').ServiceResponseException;
Logger4jInstance.level = 'off';

let ts: TestServer;
let agent: GuardpostProcess | undefined;
let cfw: HcClient;
let fw = '';

interface Sent { method: string; url: string; query?: Record<string, unknown>; body?: Record<string, unknown> }

/** What a generated CfwClient method hands to HcClient.sendRequest. */
function call<T>(request: Sent): Promise<T & { httpStatusCode: number }> {
  return cfw.sendRequest({
    method: request.method, url: request.url, contentType: 'application/json',
    pathParams: { project_id: ts.credentials.project_id }, queryParams: request.query ?? {}, headers: {},
    ...(request.body === undefined ? {} : { data: request.body }),
  }) as Promise<T & { httpStatusCode: number }>;
}

interface Record_ { task_id: string; name: string; status: number; capture_size: string; stop_reason: string | null }
const list = () => call<{ data: { total: number; records: Record_[] } }>({
  method: 'GET', url: '/v1/{project_id}/capture-task', query: { fw_instance_id: fw, limit: 100, offset: 0 },
});

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const icmpTask = (name: string, maxPackets: number, duration: number) => ({
  destination: { address: '127.0.0.1', address_type: 0, type: 0 }, duration, max_packets: maxPackets, name,
  service: { protocol: 1, source_port: '', dest_port: '' }, source: { address: '127.0.0.1', address_type: 0, type: 0 },
});

before(async () => {
  ts = await startTestServer();
  const { token } = await ts.server.ctx.agents.createEnrollmentToken({ projectId: ts.credentials.project_id, maxUses: 1 });
  const stateDir = path.join(ts.db.dir, 'agent');
  agent = await spawnGuardpost(['agent', '--server', ts.endpoint, '--enroll-token', token, '--state-dir', stateDir, '--interfaces', 'lo', '--name', 'sdk-sensor'], {
    env: {}, ready: () => fs.existsSync(path.join(stateDir, 'agent.json')),
  });
  cfw = new ClientBuilder<HcClient>((hc) => hc)
    .withCredential(new BasicCredentials().withAk(ts.credentials.ak).withSk(ts.credentials.sk).withProjectId(ts.credentials.project_id))
    .withEndpoint(ts.endpoint).build();
});

after(async () => {
  await agent?.stop(10_000);
  await ts?.close();
  fs.rmSync(sdkHome, { recursive: true, force: true });
});

describe('CFW capture through the official SDK core (AK/SK signed)', () => {
  test('ListFirewallDetail finds the sensor', async () => {
    const found = await until('the sensor', async () => {
      const res = await call<{ data: { records: Array<{ fw_instance_id: string; name: string; agent_status: string }> } }>({
        method: 'GET', url: '/v1/{project_id}/firewall/exist', query: { offset: 0, limit: 10, service_type: 0 },
      });
      return res.data.records.find((r) => r.name === 'sdk-sensor' && r.agent_status === 'online');
    });
    fw = found.fw_instance_id;
  });

  test('create → capture → list → result with an IP allow-list (array query) → download', async () => {
    const created = await call<{ data: { id: string; name: string } }>({
      method: 'POST', url: '/v1/{project_id}/capture-task', query: { fw_instance_id: fw }, body: icmpTask('sdk-icmp', 4, 1),
    });
    assert.equal(created.httpStatusCode, 200);
    assert.deepEqual([created.data.id, created.data.name], [fw, 'sdk-sensor']);
    await new Promise((r) => setTimeout(r, 1500));
    const ping = spawn('ping', ['-c', '4', '-i', '0.2', '-W', '1', '127.0.0.1'], { stdio: 'ignore' });
    await new Promise((r) => ping.once('exit', r));
    const done = await until('the capture to finish', async () => (await list()).data.records.find((r) => r.name === 'sdk-icmp' && r.status === 1));
    assert.equal(done.stop_reason, 'packet_limit');
    assert.notEqual(done.capture_size, '--');

    const result = await call<{ data: { url: string; captcha: string; expires: number } }>({
      method: 'GET', url: '/v1/{project_id}/capture-task/capture-result',
      // Mixed address families, as Terraform sends them: the SDK sorts the values before encoding them.
      query: { fw_instance_id: fw, task_id: done.task_id, type: 1, ip: ['::1', '127.0.0.1', '10.200.9.9'] },
    });
    assert.match(result.data.captcha, /^\d{6}$/);
    assert.equal(result.data.expires, 30);
    const download = await fetch(`${result.data.url}?code=${result.data.captcha}`);
    assert.equal(download.status, 200);
    assert.equal(download.headers.get('content-type'), 'application/vnd.tcpdump.pcap');
    assert.equal(parseCaptureBuffer(new Uint8Array(await download.arrayBuffer())).packets.length, 4);
  });

  test('CancelCaptureTask stops a running capture; DeleteCaptureTask removes both', async () => {
    await call({ method: 'POST', url: '/v1/{project_id}/capture-task', query: { fw_instance_id: fw }, body: icmpTask('sdk-long', 1000, 5) });
    const running = await until('the long capture', async () => (await list()).data.records.find((r) => r.name === 'sdk-long' && r.status === 2));
    const stopped = await call<{ data: { id: string } }>({
      method: 'POST', url: '/v1/{project_id}/capture-task/stop', query: { fw_instance_id: fw }, body: { task_id: running.task_id },
    });
    assert.equal(stopped.data.id, fw);
    const final = await until('the stop', async () => (await list()).data.records.find((r) => r.task_id === running.task_id && r.status === 4));
    assert.equal(final.stop_reason, 'user_stop');

    const ids = (await list()).data.records.map((r) => r.task_id);
    await call({ method: 'POST', url: '/v1/{project_id}/capture-task/batch-delete', query: { fw_instance_id: fw }, body: { task_ids: ids } });
    assert.equal((await list()).data.total, 0);
  });

  test('errors arrive as ClientRequestException with the CFW code and the request id', async () => {
    let error: ServiceResponseException | undefined;
    try {
      await call({ method: 'GET', url: '/v1/{project_id}/capture-task/capture-result', query: { fw_instance_id: fw, task_id: 'no-such-task' } });
    } catch (e) {
      error = e as ServiceResponseException;
    }
    assert.ok(error, 'the call must fail');
    assert.equal(error.constructor.name, 'ClientRequestException');
    assert.equal(error.httpStatusCode, 400);
    assert.equal(error.errorCode, 'CFW.00200005');
    assert.match(String(error.requestId), /^[0-9a-f]{32}$/);
  });
});
