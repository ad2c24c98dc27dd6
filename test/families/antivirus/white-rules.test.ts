/**
 * HandleAntiVirusResult `event_white_rules` on a real server with real scans: rules stored with
 * add_to_alarm_whitelist keep later detections of their event type whose path equals / contains the value out of
 * the results (results stored before are left alone); remove_from_alarm_whitelist deletes them; rules apply
 * atomically with the named results; bad or unknown rules → 400 HSS.* with nothing changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertHuaweiError, rowCounts, type EnrolledAgent } from '../../api/support.js';
import { hss, ok } from '../../api/vul-scan-tasks-support.js';
import type { TestServer } from '../../helpers/server.js';
import { avTableCounts, isolatingAgent, listResults, operateItem, scanWith, startAvServer, sweeps, type WireResult } from './ops-support.js';

let ts: TestServer;
let agent: EnrolledAgent;
let run: ReturnType<typeof sweeps>;

const TROJAN = 'Unix.Trojan.Mirai-1';
const WORM = 'Unix.Worm.Generic-1';
let trojanType: number;
const rule = (judge: 'equal' | 'contain', value: string, eventType = trojanType) => ({ event_type: eventType, field_key: 'file_path', judge_type: judge, field_value: value });
const operate = (body: Record<string, unknown>) => hss(ts, 'POST', '/antivirus/result/operate', { body });
let n = 0;
const sha = () => (++n).toString(16).padStart(64, '0');

async function scan(paths: Array<[string, string]>): Promise<WireResult[]> {
  const name = `rules-${++n}`;
  await scanWith(ts, agent, paths.map(([path, signature]) => ({ path, signature, sha256: sha() })), { name });
  await run.progress.run();
  return (await listResults(ts, { task_name: name })).data_list;
}

before(async () => {
  ts = await startAvServer();
  run = sweeps(ts);
  agent = await isolatingAgent(ts, 'rules-host');
  const [first] = await scan([['/tmp/drop/old', TROJAN]]);
  assert.ok(first);
  trojanType = first.event_type;
});

after(async () => {
  await ts?.close();
});

describe('alarm whitelist rules', () => {
  test('added rules keep matching later detections out; earlier results stay; removed rules let them back', async () => {
    ok(await operate({ operate_type: 'add_to_alarm_whitelist', event_white_rules: [rule('contain', '/tmp/drop/'), rule('equal', '/srv/exact')] }), 'add rules');
    const stored = await scan([['/tmp/drop/new', TROJAN], ['/tmp/drop/worm', WORM], ['/srv/exact', TROJAN], ['/srv/exact2', TROJAN]]);
    assert.deepEqual(stored.map((r) => r.file_info.file_path).sort(), ['/srv/exact2', '/tmp/drop/worm'], 'another event type or no equal match is still reported');
    const old = (await listResults(ts, { file_path: '/tmp/drop/old' })).data_list;
    assert.deepEqual(old.map((r) => r.handle_status), ['unhandled'], 'a result stored before the rule is left as it is');

    ok(await operate({ operate_type: 'remove_from_alarm_whitelist', event_white_rules: [rule('contain', '/tmp/drop/')] }), 'remove one rule');
    const again = await scan([['/tmp/drop/new', TROJAN], ['/srv/exact', TROJAN]]);
    assert.deepEqual(again.map((r) => r.file_info.file_path), ['/tmp/drop/new'], 'the removed rule no longer applies, the other still does');
    ok(await operate({ operate_type: 'remove_from_alarm_whitelist', event_white_rules: [rule('equal', '/srv/exact')] }), 'remove the other');
  });

  test('rules go with the named results, all or nothing', async () => {
    const [r] = await scan([['/var/lib/x', TROJAN]]);
    assert.ok(r);
    ok(await operate({ operate_type: 'ignore', operate_results: [operateItem(r)] }), 'ignore');
    const before = await avTableCounts(ts);
    // The result is ignored, so whitelisting it is refused: the rule is not stored either.
    assertHuaweiError(await operate({ operate_type: 'add_to_alarm_whitelist', operate_results: [operateItem(r)], event_white_rules: [rule('contain', '/var/lib/')] }),
      400, 'HSS.0001', 'wrong state');
    assert.deepEqual(await avTableCounts(ts), before);
    ok(await operate({ operate_type: 'do_not_ignore', operate_results: [operateItem(r)] }), 'undo');
    ok(await operate({ operate_type: 'add_to_alarm_whitelist', operate_results: [operateItem(r)], event_white_rules: [rule('contain', '/var/lib/')] }), 'both');
    assert.equal((await avTableCounts(ts)).av_white_rules, (before.av_white_rules ?? 0) + 1);
    assert.deepEqual(await scan([['/var/lib/y', TROJAN]]), []);
    ok(await operate({ operate_type: 'remove_from_alarm_whitelist', operate_results: [operateItem(r)], event_white_rules: [rule('contain', '/var/lib/')] }), 'remove both');
    assert.equal((await avTableCounts(ts)).av_white_rules, before.av_white_rules);
  });

  test('bad or unknown rules → 400 HSS.*, nothing changes; a project keeps at most 1000 rules', async () => {
    const before = { core: await rowCounts(ts), av: await avTableCounts(ts) };
    const add = (rules: unknown[], operateType = 'add_to_alarm_whitelist') => operate({ operate_type: operateType, event_white_rules: rules });
    const cases: Array<[string, unknown[], string, string, RegExp?]> = [
      ['field_key not file_path', [{ ...rule('equal', '/x'), field_key: 'file_hash' }], 'add_to_alarm_whitelist', 'HSS.0001'],
      ['judge_type regex', [{ ...rule('equal', '/x'), judge_type: 'regex' }], 'add_to_alarm_whitelist', 'HSS.0001'],
      ['event_type 999', [rule('equal', '/x', 999)], 'add_to_alarm_whitelist', 'HSS.0001'],
      ['empty field_value', [rule('equal', '')], 'add_to_alarm_whitelist', 'HSS.0001'],
      ['no field_value', [{ event_type: 1004, field_key: 'file_path', judge_type: 'equal' }], 'add_to_alarm_whitelist', 'HSS.0001'],
      ['101 rules', Array.from({ length: 101 }, (_, i) => rule('equal', `/x${i}`)), 'add_to_alarm_whitelist', 'HSS.0001'],
      ['rules with ignore', [rule('equal', '/x')], 'ignore', 'HSS.0001', /event_white_rules apply only with/],
      ['removing a rule never stored', [rule('equal', '/never')], 'remove_from_alarm_whitelist', 'HSS.0011', /\/never/],
    ];
    for (const [label, rules, operateType, code, message] of cases) {
      const err = assertHuaweiError(await add(rules, operateType), 400, code, label);
      if (message) assert.match(String(err.error_msg), message, label);
    }
    assertHuaweiError(await operate({ operate_type: 'add_to_alarm_whitelist', event_white_rules: [] }), 400, 'HSS.0001', 'neither results nor rules');
    assert.deepEqual({ core: await rowCounts(ts), av: await avTableCounts(ts) }, before);

    for (let i = 0; i < 10; i++) ok(await add(Array.from({ length: 100 }, (_, j) => rule('equal', `/limit/${i}/${j}`))), `batch ${i}`);
    const full = await avTableCounts(ts);
    assert.equal(full.av_white_rules, 1000);
    ok(await add([rule('equal', '/limit/0/0')]), 'a stored rule again is no new rule');
    assertHuaweiError(await add([rule('equal', '/limit/one-more')]), 400, 'HSS.0001', 'the 1001st');
    assert.deepEqual(await avTableCounts(ts), full);
  });
});
