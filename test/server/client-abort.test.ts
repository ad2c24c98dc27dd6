import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { enrollAgent, hostFacts, type EnrolledAgent } from '../api/support.js';
import { projectToken } from '../helpers/http.js';
import { startLoggedServer, type LoggedTestServer } from './support.js';
import { TaskStore } from '../../src/store/task-store.js';

/** Issue #7 item 11: a client that hangs up mid-body is a client abort (info), never an `unhandled error` 500. */

let ts: LoggedTestServer;
let agent: EnrolledAgent;
before(async () => {
  ts = await startLoggedServer();
  agent = await enrollAgent(ts, hostFacts());
});
after(async () => {
  await ts?.close();
});

/** Sends the headers (Content-Length: 1000) and half the body, then destroys the socket. */
async function abortMidBody(method: string, target: string, headers: Record<string, string>): Promise<void> {
  const url = new URL(ts.endpoint);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const head = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Length: 1000',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  await new Promise<void>((resolve) => socket.write(`${head}\r\n\r\n${'{"a":"'.padEnd(500, 'x')}`, () => resolve()));
  await new Promise((resolve) => setTimeout(resolve, 200));
  socket.destroy();
}

async function logsOfNextRequest(send: () => Promise<void>): Promise<typeof ts.logs> {
  const from = ts.logs.length;
  await send();
  const deadline = Date.now() + 5000;
  while (!ts.logs.slice(from).some((l) => /client abort/i.test(l.msg)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return ts.logs.slice(from);
}

function assertLoggedAsClientAbort(lines: typeof ts.logs, label: string): void {
  const errors = lines.filter((l) => l.level >= 50);
  assert.deepEqual(errors, [], `${label}: nothing at error level`);
  const abort = lines.find((l) => /client abort/i.test(l.msg));
  assert.ok(abort, `${label}: logged as a client abort; got ${JSON.stringify(lines)}`);
  assert.ok(abort.level === 30 || abort.level === 40, `${label}: at info or warn, got ${abort.level}`);
  assert.ok(!lines.some((l) => (l.res as { statusCode?: number } | undefined)?.statusCode === 500), `${label}: no 500`);
}

describe('client aborts with a partial body', () => {
  test('a JSON body (POST /v3/auth/tokens)', async () => {
    const lines = await logsOfNextRequest(() => abortMidBody('POST', '/v3/auth/tokens', { 'Content-Type': 'application/json' }));
    assertLoggedAsClientAbort(lines, 'POST /v3/auth/tokens');
  });

  test('a signed GET whose body the server reads for the signature (GET /v5/…/host-management/hosts)', async () => {
    const token = await projectToken(ts.endpoint, ts.credentials);
    const lines = await logsOfNextRequest(() => abortMidBody('GET', `/v5/${ts.credentials.project_id}/host-management/hosts`, {
      'Content-Type': 'application/json', 'X-Auth-Token': token,
    }));
    assertLoggedAsClientAbort(lines, 'GET with a body');
  });

  test('a streamed artifact upload (PUT /agent/v1/jobs/…/artifacts/…)', async () => {
    // A job of no registered kind, through a store without the kind registry: only the upload path matters here.
    const { jobs } = await new TaskStore(ts.server.ctx.store.db, ts.server.ctx.store.dialect).createTask({
      projectId: agent.projectId, enterpriseProjectId: '0', family: 'test', kind: 'noop', name: 'abort', params: {}, createdBy: 'test',
      jobs: [{ agentId: agent.agentId, kind: 'noop', payload: {} }],
    });
    const job = jobs[0]!;
    assert.ok(await ts.server.ctx.tasks.claim(job.id, agent.agentId, 60_000));
    const lines = await logsOfNextRequest(() => abortMidBody('PUT', `/agent/v1/jobs/${job.id}/artifacts/out.bin`, {
      'Content-Type': 'application/octet-stream', Authorization: agent.authorization,
    }));
    assertLoggedAsClientAbort(lines, 'artifact upload');
    const res = await fetch(`${ts.endpoint}/v3/projects`);
    assert.equal(res.status, 401, 'the server still serves');
  });
});
