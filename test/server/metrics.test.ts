import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { enrollAgent, hostFacts } from '../api/support.js';
import { startLoggedServer, type LoggedTestServer } from './support.js';
import { TaskStore } from '../../src/store/task-store.js';

/** Issue #7 item 15: /metrics behind GUARDPOST_METRICS (off | on | bearer token), Prometheus text format. */

const TOKEN = 'metrics-token-0123456789abcdef';

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function scrape(ts: LoggedTestServer, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(`${ts.endpoint}/metrics`, { headers });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return res.text();
}

async function wrongLogin(ts: LoggedTestServer): Promise<void> {
  const res = await fetch(`${ts.endpoint}/v3/auth/tokens`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: ts.credentials.user_name, password: 'wrong', domain: { name: ts.credentials.domain_name } } } } } }),
  });
  assert.equal(res.status, 401);
}

test('metrics are off by default: /metrics is the gateway 404', async () => {
  const ts = await startLoggedServer();
  try {
    const res = await fetch(`${ts.endpoint}/metrics`);
    assert.equal(res.status, 404);
    assert.equal((await res.json() as { error_code: string }).error_code, 'APIGW.0101');
  } finally {
    await ts.close();
  }
});

describe('GUARDPOST_METRICS=on', () => {
  let ts: LoggedTestServer;
  before(async () => {
    ts = await startLoggedServer({ GUARDPOST_METRICS: 'on' });
  });
  after(async () => {
    await ts?.close();
  });

  test('requests by route pattern (never the raw URL) and status, with a latency histogram', async () => {
    await fetch(`${ts.endpoint}/healthz`);
    await fetch(`${ts.endpoint}/no/such/path-1234`);
    await fetch(`${ts.endpoint}/v5/${ts.credentials.project_id}/host-management/hosts`);
    const text = await scrape(ts);
    assert.ok(sample(text, 'guardpost_http_requests_total{route="/healthz",method="GET",status="200"}')! >= 1, text);
    assert.equal(sample(text, 'guardpost_http_requests_total{route="unmatched",method="GET",status="404"}'), 1);
    assert.equal(sample(text, 'guardpost_http_requests_total{route="/v5/:project_id/host-management/hosts",method="GET",status="401"}'), 1);
    assert.ok(!text.includes('path-1234') && !text.includes(ts.credentials.project_id), 'raw URLs never become label values');
    assert.ok(sample(text, 'guardpost_http_request_duration_seconds_count{route="/healthz",method="GET"}')! >= 1);
    assert.match(text, /guardpost_http_request_duration_seconds_bucket\{le="0\.005",route="\/healthz",method="GET"\} \d+/);
    assert.match(text, /# HELP guardpost_agents_online .*same on every replica/);
  });

  test('login failures count 401s of POST /v3/auth/tokens', async () => {
    const before = sample(await scrape(ts), 'guardpost_login_failures_total');
    await wrongLogin(ts);
    await wrongLogin(ts);
    assert.equal(sample(await scrape(ts), 'guardpost_login_failures_total'), (before ?? 0) + 2);
  });

  test('agents online and jobs by state come from the database; a lost lease is counted by the reaper', async () => {
    const agent = await enrollAgent(ts, hostFacts());
    // Jobs of no registered kind, through a store without the kind registry: only their states matter here.
    const tasks = new TaskStore(ts.server.ctx.store.db, ts.server.ctx.store.dialect);
    const { jobs } = await tasks.createTask({
      projectId: agent.projectId, enterpriseProjectId: '0', family: 'test', kind: 'noop', name: 'm', params: {}, createdBy: 'test',
      jobs: [{ agentId: agent.agentId, kind: 'noop', payload: {} }, { agentId: agent.agentId, kind: 'noop', payload: {} }],
    });
    let text = await scrape(ts);
    assert.equal(sample(text, 'guardpost_agents_online'), 1);
    assert.equal(sample(text, 'guardpost_jobs{state="queued"}'), 2);
    assert.equal(sample(text, 'guardpost_jobs{state="running"}'), 0);
    assert.equal(sample(text, 'guardpost_store_up'), 1);
    assert.equal(sample(text, 'guardpost_job_lease_expiries_total'), 0);

    assert.ok(await tasks.claim(jobs[0]!.id, agent.agentId, 1));
    // The lease-reaper worker runs every 5 s; wait (bounded) until it has reaped the 1 ms lease.
    const deadline = Date.now() + 20_000;
    while (sample(text, 'guardpost_job_lease_expiries_total') === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      text = await scrape(ts);
    }
    assert.equal(sample(text, 'guardpost_job_lease_expiries_total'), 1);
    assert.equal(sample(text, 'guardpost_jobs{state="failed"}'), 1, 'a single-attempt job fails when its lease is lost');
    assert.equal(sample(text, 'guardpost_jobs{state="queued"}'), 1);
  });
});

describe('GUARDPOST_METRICS=<token>', () => {
  let ts: LoggedTestServer;
  before(async () => {
    ts = await startLoggedServer({ GUARDPOST_METRICS: TOKEN });
  });
  after(async () => {
    await ts?.close();
  });

  test('needs Authorization: Bearer <token>', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Bearer ${TOKEN}x`, TOKEN, `Basic ${TOKEN}`]) {
      const res = await fetch(`${ts.endpoint}/metrics`, { headers: authorization ? { authorization } : {} });
      assert.equal(res.status, 401, String(authorization));
      assert.equal((await res.json() as { error_code: string }).error_code, 'APIGW.0301');
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    }
    assert.match(await scrape(ts, { authorization: `Bearer ${TOKEN}` }), /guardpost_http_requests_total\{route="\/metrics",method="GET",status="401"\} 5/);
  });
});

test('GUARDPOST_METRICS parses to off, open or token; a short token is refused at start-up', () => {
  assert.deepEqual(loadConfig({}).metrics, { mode: 'off' });
  assert.deepEqual(loadConfig({ GUARDPOST_METRICS: 'off' }).metrics, { mode: 'off' });
  assert.deepEqual(loadConfig({ GUARDPOST_METRICS: 'on' }).metrics, { mode: 'open' });
  assert.deepEqual(loadConfig({ GUARDPOST_METRICS: TOKEN }).metrics, { mode: 'token', token: TOKEN });
  assert.throws(() => loadConfig({ GUARDPOST_METRICS: 'short' }), /GUARDPOST_METRICS/);
});
