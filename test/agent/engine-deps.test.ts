/**
 * The agent's engine packages (src/agent/engine-deps.ts): which declared tools are missing with which options, the
 * install decision (root, GUARDPOST_NO_INSTALL, apt-get), the sentence that names what to install; and a real
 * `guardpost agent` with GUARDPOST_NO_INSTALL=1 whose configured clamd does not exist: it prints what to install,
 * reports antivirus unavailable with that reason, and a CreateAntiVirusTask on its host fails with it. Nothing is
 * installed or removed here.
 */
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import type { EngineRequirement } from '../../src/core/family.js';
import {
  ensureEngineDeps, installDecision, missingTools, packagesFor, unmetReason,
} from '../../src/agent/engine-deps.js';
import { antivirusRequirement } from '../../src/families/antivirus/requirements.js';
import { agentFamilies } from '../../src/families/agent.js';
import { hss, ok } from '../api/vul-scan-tasks-support.js';
import { startTestServer } from '../helpers/server.js';
import { tempRoot } from '../engines/antivirus/av-helpers.js';
import { startAvAgent } from '../families/antivirus/av-agent.js';
import { waitFor } from '../helpers/wait.js';

const ABSENT = 'gp-no-such-tool-7f3a';

const both: EngineRequirement = { engine: 'demo', tools: [{ command: 'sh', package: 'dash' }, { command: ABSENT, package: 'gp-absent-pkg' }] };
const either: EngineRequirement = { ...both, engine: 'either', anyOf: true };
const neither: EngineRequirement = {
  engine: 'neither', anyOf: true, tools: [{ command: ABSENT, package: 'gp-first' }, { command: `${ABSENT}-2`, package: 'gp-second' }],
  needed: (o) => o.enabled === 'yes',
};

describe('engine requirements', () => {
  test('missing tools, packages and the reason sentence', () => {
    assert.deepEqual(missingTools(both, {}).map((t) => t.command), [ABSENT]);
    assert.deepEqual(packagesFor(both, missingTools(both, {})), ['gp-absent-pkg']);
    assert.deepEqual(missingTools(either, {}), [], 'one of anyOf is enough');
    assert.deepEqual(missingTools(neither, {}), [], 'not needed with these options');
    assert.deepEqual(packagesFor(neither, missingTools(neither, { enabled: 'yes' })), ['gp-first'], 'anyOf installs the first');
    assert.equal(unmetReason(neither, { enabled: 'yes' }), `missing ${ABSENT} or ${ABSENT}-2; run: apt-get install gp-first`);
    assert.equal(unmetReason(either, {}), null);
  });

  test('antivirus: clamd at a configured path that does not exist; nothing needed with an existing socket', () => {
    assert.equal(unmetReason(antivirusRequirement, {}), null, 'this machine has clamd and clamscan');
    assert.equal(unmetReason(antivirusRequirement, { 'av-clamd': '/nonexistent/clamd' }),
      'missing clamd (not at its configured path; /usr/sbin/clamd exists); run: apt-get install clamav-daemon');
    assert.equal(unmetReason(antivirusRequirement, { 'av-clamd': '/nonexistent/clamd', 'av-socket': '/run/clamd.sock' }), null);
    const declared = agentFamilies.all.flatMap((f) => f.requirements ?? []).map((r) => r.engine);
    assert.deepEqual(declared.sort(), ['antivirus', 'capture'], 'each family declares its own');
  });

  test('install decision: only as root, with apt-get, unless GUARDPOST_NO_INSTALL=1', () => {
    assert.deepEqual(installDecision({}, true, '/usr/bin/apt-get'), { install: true, why: '' });
    assert.match(installDecision({ GUARDPOST_NO_INSTALL: '1' }, true, '/usr/bin/apt-get').why, /GUARDPOST_NO_INSTALL=1/);
    assert.match(installDecision({}, false, '/usr/bin/apt-get').why, /does not run as root/);
    assert.match(installDecision({}, true, null).why, /apt-get is not available/);
    assert.equal(installDecision({ GUARDPOST_NO_INSTALL: '0' }, true, '/usr/bin/apt-get').install, true);
  });

  test('ensureEngineDeps without install: prints what to install; the reason carries why it was not installed', async () => {
    const lines: string[] = [];
    await ensureEngineDeps([both, either], {}, { env: {}, isRoot: false, log: (l) => lines.push(l) });
    assert.deepEqual(lines, ['demo is unavailable: missing gp-no-such-tool-7f3a; run: apt-get install gp-absent-pkg; not installed automatically: the agent does not run as root']);
    assert.match(unmetReason(both, {}) ?? '', /; not installed automatically: the agent does not run as root$/);
    lines.length = 0;
    await ensureEngineDeps([either], {}, { env: {}, isRoot: true, log: (l) => lines.push(l) });
    assert.deepEqual(lines, [], 'nothing missing: nothing printed, nothing run');
  });
});

describe('a real agent whose clamd is missing, with GUARDPOST_NO_INSTALL=1', () => {
  const { root: base, cleanup } = tempRoot('gp-engine-deps-');
  after(() => cleanup());

  test('antivirus unavailable with the reason; CreateAntiVirusTask fails that host with it', { timeout: 120_000 }, async () => {
    const ts = await startTestServer();
    const agent = await startAvAgent(ts, base, 'no-clamd', { GUARDPOST_NO_INSTALL: '1', GUARDPOST_AV_CLAMD: '/nonexistent/clamd' });
    try {
      const reason = 'missing clamd (not at its configured path; /usr/sbin/clamd exists); run: apt-get install clamav-daemon; ' +
        'not installed automatically: GUARDPOST_NO_INSTALL=1';
      assert.deepEqual(agent.capability, { engine: 'clamd', available: false, reason });
      assert.ok(agent.proc.output().includes(`guardpost agent: antivirus is unavailable: ${reason}`), agent.proc.output());
      const created = ok(await hss<{ result: boolean; task_id: string; fail_reasons: Array<{ host_id: string; reason: string }> }>(ts, 'POST',
        '/antivirus/task', { body: { task_name: 'no engine', scan_type: 'quick', action: 'manual', host_ids: [agent.hostId] } }), 'create');
      assert.equal(created.result, false);
      assert.deepEqual(created.fail_reasons, [{ host_id: agent.hostId, reason: `antivirus engine unavailable: ${reason}`.slice(0, 100) }]);
      const host = await waitFor('the failed host', async () => {
        const list = ok(await hss<{ data_list: Array<{ task_id: string; task_status: string; host_info_list: Array<{ host_task_status: string; fail_reason: string }> }> }>(
          ts, 'GET', '/antivirus/task', { query: { offset: 0, limit: 10, whether_paid_task: 'false' } }), 'list');
        return list.data_list.find((t) => t.task_id === created.task_id);
      }, 10_000);
      assert.equal(host.task_status, 'fail');
      assert.deepEqual(host.host_info_list.map((h) => [h.host_task_status, h.fail_reason]), [['fail', `antivirus engine unavailable: ${reason}`]]);
    } finally {
      await agent.proc.stop(10_000);
      await ts.close();
    }
  });
});
