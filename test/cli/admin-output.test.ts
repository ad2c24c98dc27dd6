import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { enrollAgent, hostFacts } from '../api/support.js';
import { tempDir } from '../helpers/db.js';
import { closeTestServer } from '../helpers/netns.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { runCli, type CliResult } from './run-cli.js';

/** `guardpost admin` listing verbs against a real store (the home a real server bootstrapped): JSON, tables, empty lines. */
describe('guardpost admin output (built CLI on a fresh home)', () => {
  let ts: TestServer;
  let env: Record<string, string>;
  const admin = (...args: string[]) => runCli(['admin', ...args], env);
  const ok = async (...args: string[]): Promise<CliResult> => {
    const result = await admin(...args);
    assert.equal(result.code, 0, `guardpost admin ${args.join(' ')}: ${result.stderr}`);
    return result;
  };
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse((await ok(...args, '--json')).stdout) as T;
  /** The table's header line split into column names (two or more spaces apart), and its data lines. */
  const table = async (...args: string[]) => {
    const [header, ...rows] = (await ok(...args)).stdout.trimEnd().split('\n');
    return { headers: header!.split(/ {2,}/), rows };
  };

  before(async () => {
    ts = await startTestServer();
    env = { GUARDPOST_HOME: ts.db.dir, ...(ts.db.databaseUrl ? { GUARDPOST_DATABASE_URL: ts.db.databaseUrl } : {}) };
  });

  after(async () => {
    if (ts) await closeTestServer(ts);
  });

  it('empty listings print one clear line, or [] with --json', async () => {
    for (const [noun, line] of [['enterprise-project', 'no enterprise projects'], ['enroll-token', 'no enrollment tokens'], ['agent', 'no agents enrolled']]) {
      assert.equal((await ok(noun!, 'list')).stdout, `${line}\n`);
      assert.deepEqual(await json(noun!, 'list'), []);
    }
  });

  it('every listing verb: --json parses, the table has headers and the rows', async () => {
    const projectId = ts.credentials.project_id;
    await ok('enterprise-project', 'create', 'team-a');
    const token = JSON.parse((await ok('enroll-token', 'create', '--max-uses', '2', '--description', 'for cli test')).stdout) as { id: string; token: string };
    assert.match(token.token, /^gpe_/);
    const agent = await enrollAgent(ts, hostFacts({ host_name: 'cli-host' }));

    const users = await json<Array<{ name: string; disabled: boolean; roles: Array<{ project_id: string; role: string; enterprise_project_ids: unknown }> }>>('user', 'list');
    assert.deepEqual(users.map((u) => [u.name, u.disabled, u.roles]), [['admin', false, [{ project_id: projectId, role: 'admin', enterprise_project_ids: 'all' }]]]);
    let t = await table('user', 'list');
    assert.deepEqual(t.headers, ['NAME', 'ID', 'DISABLED', 'ROLES (PROJECT:ROLE)', 'CREATED']);
    assert.match(t.rows[0]!, new RegExp(`^admin +[0-9a-f]{32} +no +${projectId}:admin +\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));

    assert.deepEqual((await json<Array<{ id: string; name: string }>>('project', 'list')).map((p) => [p.id, p.name]), [[projectId, 'local-1']]);
    t = await table('project', 'list');
    assert.deepEqual(t.headers, ['NAME', 'ID', 'CREATED']);
    assert.match(t.rows[0]!, new RegExp(`^local-1 +${projectId} `));

    assert.deepEqual((await json<Array<{ name: string }>>('enterprise-project', 'list')).map((e) => e.name), ['team-a']);
    assert.deepEqual((await table('enterprise-project', 'list')).headers, ['NAME', 'ID', 'CREATED']);

    const keys = await json<Array<{ ak: string; user: string }>>('key', 'list');
    assert.deepEqual(keys.map((k) => [k.ak, k.user]), [[ts.credentials.ak, 'admin']]);
    t = await table('key', 'list');
    assert.deepEqual(t.headers, ['AK', 'USER', 'STATUS', 'DESCRIPTION', 'CREATED']);
    assert.match(t.rows[0]!, new RegExp(`^${ts.credentials.ak} +admin +active +bootstrap key `));
    assert.ok(!(await admin('key', 'list')).stdout.includes(ts.credentials.sk), 'no secret key in the table');

    const tokens = await json<Array<{ id: string; uses: number; max_uses: number }>>('enroll-token', 'list');
    assert.ok(tokens.some((x) => x.id === token.id && x.max_uses === 2));
    assert.ok(!JSON.stringify(tokens).includes(token.token), 'no token secret in the listing');
    t = await table('enroll-token', 'list');
    assert.deepEqual(t.headers, ['ID', 'STATE', 'PROJECT', 'ENTERPRISE PROJECT', 'USES', 'EXPIRES', 'DESCRIPTION']);
    assert.ok(t.rows.some((row) => new RegExp(`^${token.id} +active +${projectId} +0 +0/2 +\\S+ +for cli test$`).test(row)), t.rows.join('\n'));

    const agents = await json<Array<{ id: string; host_name: string; capabilities: { job_kinds: string[] } }>>('agent', 'list');
    assert.deepEqual(agents.map((a) => [a.id, a.host_name, a.capabilities.job_kinds]), [[agent.agentId, 'cli-host', ['inventory']]]);
    t = await table('agent', 'list');
    assert.deepEqual(t.headers, ['HOST', 'AGENT ID', 'HOST ID', 'PROJECT', 'VERSION', 'LAST SEEN', 'REVOKED']);
    assert.match(t.rows[0]!, new RegExp(`^cli-host +${agent.agentId} +${agent.hostId} +${projectId} +0\\.1\\.0 +\\S+ +-$`));

    // Quotas of every family, the capture ones included (they are defined by the capture module).
    const quotas = await json<Array<{ name: string; limit: number; project_id: string }>>('quota', 'list');
    assert.deepEqual(quotas.map((q) => q.name), ['agents', 'capture.running_per_firewall', 'capture.tasks_per_firewall_per_day', 'tasks.active']);
    assert.ok(quotas.every((q) => q.project_id === projectId));
    await ok('quota', 'set', 'capture.running_per_firewall', '3');
    t = await table('quota', 'list');
    assert.deepEqual(t.headers, ['NAME', 'LIMIT', 'DEFAULT', 'DESCRIPTION']);
    assert.ok(t.rows.some((row) => /^capture\.running_per_firewall +3 +1 +capture tasks running/.test(row)), t.rows.join('\n'));
  });

  it('state changes go through the stores: token revocation, disabling a user ends its tokens, unknown ids fail with exit 1', async () => {
    const token = JSON.parse((await ok('enroll-token', 'create')).stdout) as { id: string };
    assert.deepEqual(JSON.parse((await ok('enroll-token', 'revoke', token.id)).stdout), { id: token.id, revoked: true });
    const listed = (await table('enroll-token', 'list')).rows.find((row) => row.startsWith(token.id));
    assert.match(listed ?? '', new RegExp(`^${token.id} +revoked `));

    await ok('user', 'create', 'viewer', '--role', 'readonly', '--password', 'viewer-Password-1');
    const viewer = (await json<Array<{ id: string; name: string }>>('user', 'list')).find((u) => u.name === 'viewer')!;
    const issued = await ts.server.ctx.identity.issueToken(viewer.id, { projectId: ts.credentials.project_id }, ['password']);
    assert.ok(await ts.server.ctx.identity.lookupToken(issued.token));
    await ok('user', 'disable', 'viewer');
    assert.equal(await ts.server.ctx.identity.lookupToken(issued.token), null, 'disabling ends the tokens');
    assert.equal((await json<Array<{ name: string; disabled: boolean }>>('user', 'list')).find((u) => u.name === 'viewer')?.disabled, true);
    await ok('user', 'enable', 'viewer');
    assert.equal((await json<Array<{ name: string; disabled: boolean }>>('user', 'list')).find((u) => u.name === 'viewer')?.disabled, false);
    assert.deepEqual(JSON.parse((await ok('role', 'revoke', '--user', 'viewer')).stdout).revoked, true);
    assert.deepEqual((await json<Array<{ name: string; roles: unknown[] }>>('user', 'list')).find((u) => u.name === 'viewer')?.roles, []);

    for (const [args, message] of [
      [['enroll-token', 'revoke', 'nope'], 'guardpost: no enrollment token "nope"'],
      [['key', 'delete', 'NOPE'], 'guardpost: no access key "NOPE"'],
      [['user', 'disable', 'nobody'], 'guardpost: no user "nobody"'],
      [['quota', 'list', '--project', 'nope'], 'guardpost: no project "nope"'],
    ] as const) {
      const result = await admin(...args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr, `${message}\n`);
    }
  });

  it('before the first start: a clear message, exit code 1', async () => {
    const home = tempDir('gp-cli-home-');
    try {
      const result = await runCli(['admin', 'user', 'list'], { GUARDPOST_HOME: home, GUARDPOST_DATABASE_URL: '' });
      assert.equal(result.code, 1);
      assert.match(result.stderr, /^guardpost: this Guardpost has not been started yet: run "guardpost start"/);
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
