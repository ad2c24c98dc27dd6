/**
 * `guardpost av …` (the built CLI as a child process) against a real server and a real `guardpost agent` with its
 * own clamd on Guardpost's signatures: custom scans through CreateAntiVirusPaidTask with --wait (progress on
 * stderr, a TTY bar under `script`, one line per host, exit 0 clean / 3 detections), results of a task as a table
 * and as JSON, isolate and restore of a detection (the file leaves the disk and comes back byte- and mode-exact),
 * and the usage errors (exit 2).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, guardpostBin, type TestServer } from '../../helpers/server.js';
import { runCli } from '../../cli/run-cli.js';
import { cleanBytes, cleanTree, eicar, guardpostMarker, put, SIG_EICAR, SIG_MARKER, tempRoot } from '../../engines/antivirus/av-helpers.js';
import { startAvAgent, type AvAgent } from './av-agent.js';

const CLEAN = 400;

interface HostLine { host_name: string; host_task_status: string; scan_file_num: number; virus_num: number }
interface ResultJson { result_id: string; malware_name: string; task_id: string; isolate_status: string; file_info: { file_path: string } }

describe('guardpost av with a real server and agent', () => {
  let ts: TestServer;
  let agent: AvAgent;
  let env: Record<string, string>;
  const { root: base, cleanup } = tempRoot('gp-av-cli-');
  const tree = path.join(base, 'tree');
  const expected = new Map<string, string>();
  let detectTask = '';

  before(async () => {
    ts = await startTestServer();
    env = { GUARDPOST_ENDPOINT: ts.endpoint, GUARDPOST_AK: ts.credentials.ak, GUARDPOST_SK: ts.credentials.sk, GUARDPOST_PROJECT_ID: ts.credentials.project_id };
    cleanTree(tree, 'clean', 20, CLEAN / 20);
    expected.set(put(tree, 'web/shell.php', Buffer.concat([Buffer.from('<?php\n'), eicar()])), SIG_EICAR);
    expected.set(put(tree, 'home/notes.txt', Buffer.concat([cleanBytes(4, 500), guardpostMarker()])), SIG_MARKER);
    put(tree, 'skip/eicar.com', eicar());
    fs.chmodSync(path.join(tree, 'web/shell.php'), 0o750);
    agent = await startAvAgent(ts, base, 'av-cli-host');
    assert.equal(agent.capability.available, true, agent.capability.reason);
  });

  after(async () => {
    await agent?.proc.stop(10_000);
    await ts?.close();
    cleanup();
  });

  const av = (...args: string[]) => runCli(['av', ...args], env);

  test('usage errors are exit 2 with the problem on stderr', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['scan'], /required option '--type <type>' not specified/],
      [['scan', '--type', 'custom'], /--type custom needs at least one --dir/],
      [['scan', '--type', 'quick', '--dir', '/tmp'], /--dir is only for --type custom/],
      [['scan', '--type', 'custom', '--dir', 'relative/dir'], /not an absolute path/],
      [['scan', '--type', 'custom', '--dir', '/a/../b'], /contains "\.\."/],
      [['scan', '--type', 'custom', '--dir', '/tmp', '--file-types', 'pictures'], /unknown file type pictures/],
      [['scan', '--type', 'weekly'], /Allowed choices are quick, full, custom/],
      [['isolate'], /missing required argument 'result-id'/],
    ];
    for (const [args, message] of cases) {
      const result = await av(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
    }
  });

  test('a clean custom scan with --wait --json: exit 0, true counts, progress lines on stderr', { timeout: 120_000 }, async () => {
    const result = await av('scan', '--type', 'custom', '--dir', path.join(tree, 'clean'), '--host', 'av-cli-host', '--wait', '--json');
    assert.equal(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { task_id: string; task: { task_status: string; whether_paid_task: boolean; host_info_list: HostLine[] } };
    assert.equal(out.task.task_status, 'finish');
    assert.equal(out.task.whether_paid_task, true, 'custom directories go through CreateAntiVirusPaidTask');
    assert.deepEqual(out.task.host_info_list.map((h) => [h.host_name, h.host_task_status, h.scan_file_num, h.virus_num]), [['av-cli-host', 'success', CLEAN, 0]]);
    assert.match(result.stderr, new RegExp(`${CLEAN} files, [0-9.]+ KiB, 0 detection\\(s\\), 1/1 hosts done; task finish`));
    assert.ok(!result.stderr.includes('\u001b['), 'no terminal control codes on a pipe');
  });

  test('detections: exit 3 and a host table; results of the task as a table and JSON', { timeout: 120_000 }, async () => {
    const result = await av('scan', '--type', 'custom', '--dir', tree, '--ignore-dir', path.join(tree, 'skip'), '--name', 'cli detect', '--wait');
    assert.equal(result.code, 3, result.stderr);
    detectTask = /^task ([0-9a-f-]{36})$/m.exec(result.stderr)?.[1] ?? '';
    assert.ok(detectTask, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.match(lines[0] ?? '', /^HOST\s+HOST ID\s+STATUS\s+FILES\s+DETECTIONS\s+SECONDS\s+REASON$/);
    assert.match(lines[1] ?? '', new RegExp(`^av-cli-host\\s+${agent.hostId}\\s+success\\s+${CLEAN + 2}\\s+2\\s+\\d+\\s+-$`));

    const json = await av('results', '--task', detectTask, '--json');
    assert.equal(json.code, 0, json.stderr);
    const rows = JSON.parse(json.stdout) as ResultJson[];
    assert.deepEqual(rows.map((r) => [r.file_info.file_path, r.malware_name]).sort(), [...expected].sort());
    assert.ok(rows.every((r) => r.task_id === detectTask && r.isolate_status === 'none'));
    const byName = await av('results', '--task', 'cli detect', '--json');
    assert.equal((JSON.parse(byName.stdout) as ResultJson[]).length, 2, 'a task is also found by its exact name');
    const table = await av('results', '--task', detectTask);
    assert.match(table.stdout.split('\n')[0] ?? '', /^RESULT ID\s+MALWARE\s+SEVERITY\s+HOST\s+PATH\s+STATE\s+FOUND$/);
    assert.match(table.stdout, new RegExp(`${SIG_EICAR.replace(/\./g, '\\.')}.*av-cli-host.*web/shell\\.php\\s+unhandled\\s+\\d{4}-`));
    const none = await av('results', '--task', '00000000-0000-4000-8000-000000000000');
    assert.equal(none.stdout, 'no detections in task 00000000-0000-4000-8000-000000000000\n');
  });

  test('isolate then restore: the file leaves the disk and comes back with the same bytes and mode', { timeout: 120_000 }, async () => {
    const rows = JSON.parse((await av('results', '--task', detectTask, '--json')).stdout) as ResultJson[];
    const shell = rows.find((r) => r.file_info.file_path.endsWith('web/shell.php'))!;
    const file = shell.file_info.file_path;
    const bytes = fs.readFileSync(file);
    const mode = fs.statSync(file).mode;
    const isolated = await av('isolate', shell.result_id);
    assert.equal(isolated.code, 0, isolated.stderr);
    assert.equal(isolated.stdout, `isolated ${file} on av-cli-host (result ${shell.result_id})\n`);
    assert.equal(fs.existsSync(file), false, 'the file is in the vault, not on disk');
    const again = await av('isolate', shell.result_id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /does not apply to result/);
    const restored = await av('restore', shell.result_id, '--json');
    assert.equal(restored.code, 0, restored.stderr);
    assert.equal((JSON.parse(restored.stdout) as ResultJson).isolate_status, 'restored');
    assert.deepEqual(fs.readFileSync(file), bytes);
    assert.equal(fs.statSync(file).mode, mode);
    const unknown = await av('restore', '00000000-0000-4000-8000-000000000000');
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /no antivirus result 00000000-0000-4000-8000-000000000000/);
  });

  test('without --wait the task id is printed at once; on a terminal --wait draws a bar', { timeout: 120_000 }, async () => {
    const plain = await av('scan', '--type', 'custom', '--dir', path.join(tree, 'home'));
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /^[0-9a-f-]{36}\n$/);
    // `script` gives the CLI a pseudo-terminal: the bar is redrawn in place (\r, erase line, [###---]).
    const cli = [process.execPath, guardpostBin, 'av', 'scan', '--type', 'custom', '--dir', path.join(tree, 'clean'), '--wait'].map((a) => `'${a}'`).join(' ');
    const typescript = await new Promise<string>((resolve, reject) => {
      execFile('script', ['-qec', cli, '/dev/null'], { env: { ...process.env, ...env }, timeout: 90_000 }, (error, stdout) => {
        if (error && typeof error.code !== 'number') reject(error);
        else resolve(stdout);
      });
    });
    assert.ok(typescript.includes('\r\u001b[2K'), 'the bar is redrawn in place');
    assert.match(typescript, new RegExp(`${CLEAN} files, .*1/1 hosts done; task finish`));
  });
});
