import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { promisify } from 'node:util';
import { signRequest } from '../../src/server/auth/aksk-signature.js';
import { freshDatabase, type FreshDatabase } from '../helpers/db.js';
import { http, projectToken } from '../helpers/http.js';
import { freePort, guardpostBin, readCredentials, spawnGuardpost, type GuardpostProcess } from '../helpers/server.js';

const run = promisify(execFile);

interface HostList { total_num: number; data_list: Array<{ host_id: string; host_name: string; agent_status: string; agent_id: string }> }

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('guardpost start (all-in-one, real processes)', () => {
  let db: FreshDatabase;
  let env: Record<string, string>;
  let endpoint: string;
  const running: GuardpostProcess[] = [];

  before(async () => {
    db = await freshDatabase();
    const port = await freePort();
    endpoint = `http://127.0.0.1:${port}`;
    env = {
      GUARDPOST_HOME: db.dir, GUARDPOST_LISTEN: `127.0.0.1:${port}`, GUARDPOST_ADMIN_PASSWORD: 'e2e-Admin-Password-1',
      ...(db.databaseUrl ? { GUARDPOST_DATABASE_URL: db.databaseUrl } : {}),
    };
  });

  after(async () => {
    for (const p of running) await p.stop(5000);
    await db.drop();
  });

  async function start(): Promise<GuardpostProcess> {
    const proc = await spawnGuardpost(['start'], { env, endpoint, ready: async () => fs.existsSync(path.join(db.dir, 'credentials.json'))
      && (await fetch(`${endpoint}/openapi.json`)).status === 200 });
    running.push(proc);
    return proc;
  }

  async function onlineHosts(token: string, projectId: string, count: number): Promise<HostList> {
    return waitFor(`${count} online host(s)`, async () => {
      const res = await http<HostList>(endpoint, { path: `/v5/${projectId}/host-management/hosts?limit=10&offset=0`, headers: { 'X-Auth-Token': token } });
      const online = res.body.data_list?.filter((h) => h.agent_status === 'online') ?? [];
      return online.length === count ? res.body : undefined;
    });
  }

  let firstHostId = '';

  it('bootstraps credentials, serves ListHostStatus with the local agent online', async () => {
    await start();
    const file = path.join(db.dir, 'credentials.json');
    assert.equal(fs.statSync(file).mode & 0o777, 0o600);
    const creds = readCredentials(db.dir);
    assert.match(creds.project_id, /^[0-9a-f]{32}$/);
    assert.equal(creds.password, 'e2e-Admin-Password-1');
    assert.equal(creds.endpoint, endpoint);
    for (const key of ['domain_name', 'user_name', 'project_name', 'ak', 'sk'] as const) assert.ok(creds[key], key);

    const token = await projectToken(endpoint, creds);
    const hosts = await onlineHosts(token, creds.project_id, 1);
    assert.equal(hosts.total_num, 1);
    firstHostId = hosts.data_list[0]!.host_id;

    // The same call signed with the bootstrap AK/SK, as the SDKs send it.
    const pathname = `/v5/${creds.project_id}/host-management/hosts`;
    const host = new URL(endpoint).host;
    const headers = signRequest({ method: 'GET', path: pathname, query: 'offset=0&limit=10', accessKey: creds.ak, secretKey: creds.sk,
      headers: { 'content-type': 'application/json', host, 'x-project-id': creds.project_id } });
    const signed = await http<HostList>(endpoint, { path: `${pathname}?offset=0&limit=10`, headers });
    assert.equal(signed.status, 200, signed.text);
    assert.equal(signed.body.data_list[0]?.host_id, firstHostId);
  });

  it('stops cleanly on SIGTERM, server and agent', async () => {
    const proc = running.pop()!;
    const started = Date.now();
    assert.equal(await proc.stop(20_000), 0, proc.output());
    assert.ok(Date.now() - started < 15_000, 'shutdown took too long');
    await assert.rejects(fetch(`${endpoint}/openapi.json`));
    const { stdout } = await run('pgrep', ['-f', `--state-dir ${path.join(db.dir, 'agent')}`]).catch(() => ({ stdout: '' }));
    assert.equal(stdout.trim(), '', 'the local agent process must be gone');
  });

  it('restarts with the same project, keys, password and host', async () => {
    const before = readCredentials(db.dir);
    await start();
    const creds = readCredentials(db.dir);
    assert.deepEqual(creds, before);
    const token = await projectToken(endpoint, creds);
    const hosts = await onlineHosts(token, creds.project_id, 1);
    assert.equal(hosts.total_num, 1);
    assert.equal(hosts.data_list[0]!.host_id, firstHostId);
  });

  it('admin CLI: readonly user, access keys, enrollment of a second agent process', async () => {
    const cli = (args: string[]) => run(process.execPath, [guardpostBin, 'admin', ...args], { env: { ...process.env, ...env } });
    const creds = readCredentials(db.dir);
    const user = JSON.parse((await cli(['user', 'create', 'viewer', '--role', 'readonly', '--password', 'viewer-Password-1'])).stdout) as { project_id: string };
    assert.equal(user.project_id, creds.project_id);
    const viewerToken = await projectToken(endpoint, { ...creds, user_name: 'viewer', password: 'viewer-Password-1' });
    const listed = await http(endpoint, { path: `/v5/${creds.project_id}/host-management/hosts`, headers: { 'X-Auth-Token': viewerToken } });
    assert.equal(listed.status, 200);

    const key = JSON.parse((await cli(['key', 'create', '--user', 'viewer'])).stdout) as { ak: string; sk: string };
    const keys = JSON.parse((await cli(['key', 'list', '--json'])).stdout) as Array<{ ak: string; user: string }>;
    assert.ok(keys.some((k) => k.ak === key.ak && k.user === 'viewer'));
    assert.ok(!JSON.stringify(keys).includes(key.sk), 'key list must not reveal secret keys');
    await cli(['key', 'delete', key.ak]);
    assert.ok(!(JSON.parse((await cli(['key', 'list', '--json'])).stdout) as Array<{ ak: string }>).some((k) => k.ak === key.ak));

    const enrollment = JSON.parse((await cli(['enroll-token', 'create', '--max-uses', '1'])).stdout) as { token: string };
    const agentState = path.join(db.dir, 'second-agent');
    const agent = await spawnGuardpost(['agent', '--server', endpoint, '--enroll-token', enrollment.token, '--state-dir', agentState, '--name', 'second-host'], {
      env: {}, ready: () => fs.existsSync(path.join(agentState, 'agent.json')),
    });
    running.push(agent);
    const token = await projectToken(endpoint, creds);
    const hosts = await onlineHosts(token, creds.project_id, 2);
    assert.ok(hosts.data_list.some((h) => h.host_name === 'second-host'));
    assert.equal(fs.statSync(path.join(agentState, 'agent.json')).mode & 0o777, 0o600);

    // Revoking the agent makes the server refuse it; the agent process exits with code 3.
    const second = hosts.data_list.find((h) => h.host_name === 'second-host')!;
    await cli(['agent', 'revoke', second.agent_id]);
    const code = await waitFor('the revoked agent to exit', async () => (agent.child.exitCode ?? undefined), 40_000);
    assert.equal(code, 3, agent.output());
  });
  it('admin CLI: projects, enterprise projects, scoped roles, quotas, enrollment token revocation, disabled users', async () => {
    const cli = (args: string[]) => run(process.execPath, [guardpostBin, 'admin', ...args], { env: { ...process.env, ...env } });
    const json = async <T>(args: string[]) => JSON.parse((await cli(args)).stdout) as T;
    const creds = readCredentials(db.dir);

    const project = await json<{ id: string; name: string }>(['project', 'create', 'second-project']);
    assert.match(project.id, /^[0-9a-f]{32}$/);
    assert.ok((await json<Array<{ id: string }>>(['project', 'list', '--json'])).some((p) => p.id === project.id));
    const ep = await json<{ id: string }>(['enterprise-project', 'create', 'team-a']);
    assert.ok((await json<Array<{ id: string }>>(['enterprise-project', 'list', '--json'])).some((e) => e.id === ep.id));

    // A user limited to one enterprise project of the second project: sees it, not the default one, not project 1.
    await cli(['user', 'create', 'scoped', '--password', 'scoped-Password-1', '--project', 'second-project', '--role', 'admin',
      '--enterprise-projects', ep.id]);
    const scoped = await projectToken(endpoint, { ...creds, user_name: 'scoped', password: 'scoped-Password-1', project_id: project.id });
    const hosts = (query: string, token = scoped, pid = project.id) =>
      http(endpoint, { path: `/v5/${pid}/host-management/hosts?${query}`, headers: { 'X-Auth-Token': token } });
    assert.equal((await hosts(`enterprise_project_id=${ep.id}`)).status, 200);
    assert.equal((await hosts('enterprise_project_id=all_granted_eps')).status, 200);
    assert.equal((await hosts('enterprise_project_id=0')).status, 403);
    assert.equal((await hosts('', scoped, creds.project_id)).status, 403);
    await cli(['role', 'grant', '--user', 'scoped', '--project', 'second-project', '--role', 'readonly']);
    assert.equal((await hosts('enterprise_project_id=0')).status, 200, 'a grant without --enterprise-projects covers all of them');

    // Quotas: listed with defaults, overridden per project.
    const quotas = await json<Array<{ name: string; limit: number }>>(['quota', 'list', '--project', project.id, '--json']);
    assert.equal(quotas.find((q) => q.name === 'capture.tasks_per_firewall_per_day')?.limit, 20);
    await cli(['quota', 'set', 'capture.tasks_per_firewall_per_day', '5', '--project', project.id]);
    assert.equal((await json<Array<{ name: string; limit: number }>>(['quota', 'list', '--project', project.id, '--json']))
      .find((q) => q.name === 'capture.tasks_per_firewall_per_day')?.limit, 5);
    await assert.rejects(cli(['quota', 'set', 'no.such.quota', '5']), /unknown quota/);

    // A revoked enrollment token enrolls nothing.
    const enrollment = await json<{ id: string; token: string }>(['enroll-token', 'create']);
    await cli(['enroll-token', 'revoke', enrollment.id]);
    assert.ok((await json<Array<{ id: string; revoked_at: number | null }>>(['enroll-token', 'list', '--json'])).find((t) => t.id === enrollment.id)?.revoked_at);
    const refused = await http(endpoint, { method: 'POST', path: '/agent/v1/enroll', body: { enrollment_token: enrollment.token, facts: {
      host_name: 'x', os_name: 'Linux', os_version: '1', os_type: 'Linux', kernel_version: '6', os_bit: '64', private_ips: [], public_ips: [],
      agent_version: '0', capabilities: { job_kinds: [] } } } });
    assert.equal(refused.status, 401);

    // Disabling a user ends its tokens at once and blocks new ones.
    await cli(['user', 'disable', 'scoped']);
    assert.equal((await hosts(`enterprise_project_id=${ep.id}`)).status, 401);
    await assert.rejects(projectToken(endpoint, { ...creds, user_name: 'scoped', password: 'scoped-Password-1', project_id: project.id }), /401/);
    await assert.rejects(cli(['user', 'disable', 'nobody']), /no user "nobody"/);
  });
});
