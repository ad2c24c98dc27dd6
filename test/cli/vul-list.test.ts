/**
 * `guardpost vul list` as a real process against a real server with seeded findings: the table, --json,
 * --host (id or name), --type, an empty host, ignored pairs marked, and clear errors.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminUserId, enrollAgent, tokenFor } from '../api/support.js';
import { ALSA, GHSA, PYSEC, REQUESTS_PATHS, RPMDB, scanCapable, seedFindings, type Seeded } from '../api/vul-findings-seed.js';
import { http } from '../helpers/http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { runCli, type CliResult } from './run-cli.js';

describe('guardpost vul list (built CLI, real server)', () => {
  let ts: TestServer;
  let seeded: Seeded;
  let env: Record<string, string>;
  const vul = (...args: string[]) => runCli(['vul', 'list', ...args], env);
  const ok = async (...args: string[]): Promise<CliResult> => {
    const result = await vul(...args);
    assert.equal(result.code, 0, `guardpost vul list ${args.join(' ')}: ${result.stderr}`);
    return result;
  };
  const table = (stdout: string) => stdout.trimEnd().split('\n').map((line) => line.split(/ {2,}/));

  before(async () => {
    ts = await startTestServer();
    env = { GUARDPOST_HOME: ts.db.dir };
    seeded = await seedFindings(ts);
    await enrollAgent(ts, scanCapable('clean-1'));
  });

  after(async () => {
    await ts?.close();
  });

  it('a table: one row per vulnerability and package location, most severe first, hosts of every enterprise project', async () => {
    const [header, ...rows] = table((await ok()).stdout);
    assert.deepEqual(header, ['VUL ID', 'SEVERITY', 'PACKAGE', 'VERSION', 'FIXED', 'PATH', 'HOSTS']);
    assert.deepEqual(rows, [
      [ALSA, 'Critical', 'openssl', '1:3.0.7-24.el9', '1:3.0.7-27.el9', RPMDB, 'web-1'],
      [ALSA, 'Critical', 'openssl', '1:3.0.7-25.el9', '1:3.0.7-27.el9', RPMDB, 'ep-host, web-2'],
      [ALSA, 'Critical', 'openssl-libs', '1:3.0.7-24.el9', '1:3.0.7-27.el9', RPMDB, 'web-1'],
      [PYSEC, 'Medium', 'requests', '2.0.0', '2.31.0', REQUESTS_PATHS[0], 'web-1'],
      [PYSEC, 'Medium', 'requests', '2.0.0', '2.31.0', REQUESTS_PATHS[1], 'web-1'],
      [GHSA, 'Unknown', 'left-pad', '1.0.0', '-', 'srv/web/package-lock.json', 'web-1'],
    ]);
  });

  it('--json with --type app_vul: ecosystem, type and per-host status', async () => {
    const rows = JSON.parse((await ok('--type', 'app_vul', '--json')).stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(rows.map((r) => [r.vul_id, r.type, r.ecosystem, r.path]), [
      [PYSEC, 'app_vul', 'PyPI', REQUESTS_PATHS[0]], [PYSEC, 'app_vul', 'PyPI', REQUESTS_PATHS[1]], [GHSA, 'app_vul', 'npm', 'srv/web/package-lock.json'],
    ]);
    assert.deepEqual(rows[0]?.hosts, [{ host_id: seeded.web1.hostId, host_name: 'web-1', status: 'vul_status_unfix' }]);
  });

  it('--host by name or id; an ignored pair is marked; a clean host says so', async () => {
    assert.deepEqual(table((await ok('--host', 'web-2')).stdout).slice(1).map((r) => [r[0], r[6]]), [[ALSA, 'web-2']]);
    assert.deepEqual(table((await ok('--host', seeded.web2.hostId, '--type', 'app_vul')).stdout), [['no vulnerabilities found on ' + seeded.web2.hostId]]);
    assert.equal((await ok('--host', 'clean-1')).stdout, 'no vulnerabilities found on clean-1\n');
    assert.equal((await ok('--host', 'clean-1', '--json')).stdout, '[]\n');
    const token = await tokenFor(ts, await adminUserId(ts), { projectId: ts.credentials.project_id });
    const ignored = await http(ts.endpoint, {
      method: 'PUT', path: `/v5/${ts.credentials.project_id}/vulnerability/status`, headers: { 'x-auth-token': token },
      body: { operate_type: 'ignore', data_list: [{ vul_id: ALSA, host_id_list: [seeded.web2.hostId] }] },
    });
    assert.equal(ignored.status, 200, ignored.text);
    assert.deepEqual(table((await ok('--host', 'web-2')).stdout).slice(1).map((r) => r[6]), ['web-2 (ignored)']);
  });

  it('clear errors: an unknown host, an unknown type', async () => {
    const unknown = await vul('--host', 'nope');
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no host nope in project/);
    const badType = await vul('--type', 'windows_vul');
    assert.notEqual(badType.code, 0);
    assert.match(badType.stderr, /windows_vul/);
  });
});
