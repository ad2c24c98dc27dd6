import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { checkin, enrollAgent, hostFacts, tinyPcap, type EnrolledAgent } from '../api/support.js';
import { http } from '../helpers/http.js';
import { closeTestServer } from '../helpers/netns.js';
import { guardpostBin, startTestServer, type TestServer } from '../helpers/server.js';
import { runCli, type CliResult } from './run-cli.js';

const until = async <T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 30_000): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/**
 * `guardpost capture` output against a real server, with a fake capture agent speaking the real agent protocol:
 * tables and --json, empty lines, progress as plain lines when stderr is a pipe and as a bar on a terminal.
 */
describe('guardpost capture output (built CLI, fake capture agent)', () => {
  let ts: TestServer;
  let env: Record<string, string>;
  let sensor: EnrolledAgent;
  const capture = (...args: string[]) => runCli(['capture', ...args], env);
  const ok = async (...args: string[]): Promise<CliResult> => {
    const result = await capture(...args);
    assert.equal(result.code, 0, `guardpost capture ${args.join(' ')}: ${result.stderr}`);
    return result;
  };
  const agentCall = (method: string, pathname: string, body?: unknown, raw?: Buffer) => http(ts.endpoint, {
    method, path: pathname, headers: {
      authorization: sensor.authorization,
      ...(raw ? { 'content-type': 'application/octet-stream', 'x-artifact-content-type': 'application/vnd.tcpdump.pcap' } : {}),
    },
    ...(body === undefined ? {} : { body }), ...(raw ? { rawBody: raw } : {}),
  });

  /** Starts `capture create --wait` as a child process; resolves when it printed the task id. */
  async function createWaiting(name: string) {
    const child = spawn(process.execPath, [guardpostBin, 'capture', 'create', '--name', name, '--src', '10.0.0.1', '--dst', '10.0.0.2',
      '--proto', 'tcp', '--dport', '80', '--max-packets', '3', '--wait'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = { stdout: '', stderr: '' };
    child.stdout.on('data', (c: Buffer) => { out.stdout += c.toString(); });
    child.stderr.on('data', (c: Buffer) => { out.stderr += c.toString(); });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const taskId = await until('the task id', () => (out.stdout.includes('\n') ? out.stdout.trim() : undefined));
    return { child, out, exited, taskId };
  }

  async function claimJob(): Promise<string> {
    const job = await until('the capture job', async () =>
      ((await checkin(ts, sensor)).body as { jobs: Array<{ id: string }> }).jobs[0]?.id);
    assert.equal((await agentCall('POST', `/agent/v1/jobs/${job}/claim`)).status, 200);
    return job;
  }

  before(async () => {
    ts = await startTestServer();
    env = { GUARDPOST_HOME: ts.db.dir };
  });

  after(async () => {
    if (ts) await closeTestServer(ts);
  });

  it('no sensor yet: a clear line, [] with --json', async () => {
    assert.equal((await ok('firewalls')).stdout, `no capture sensors in project ${ts.credentials.project_id} (start an agent with --interfaces)\n`);
    assert.equal((await ok('firewalls', '--json')).stdout, '[]\n');
  });

  it('firewalls and an empty task list', async () => {
    sensor = await enrollAgent(ts, hostFacts({ host_name: 'sensor-1', capabilities: { job_kinds: ['capture'], kinds: { capture: { interfaces: ['lo'] } } } }));
    const [header, row] = (await ok('firewalls')).stdout.trimEnd().split('\n');
    assert.deepEqual(header!.split(/ {2,}/), ['FW INSTANCE ID', 'NAME', 'STATUS', 'INTERFACES']);
    assert.match(row!, new RegExp(`^${sensor.hostId} +sensor-1 +online +lo$`));
    const firewalls = JSON.parse((await ok('firewalls', '--json')).stdout) as Array<{ fw_instance_id: string }>;
    assert.deepEqual(firewalls.map((f) => f.fw_instance_id), [sensor.hostId]);
    assert.equal((await ok('list')).stdout, `no capture tasks on firewall ${sensor.hostId}\n`);
    assert.equal((await ok('list', '--json')).stdout, '[]\n');
  });

  it('create --wait with stderr a pipe: plain progress lines, then how it ended; list and download', async () => {
    const waiting = await createWaiting('cli-progress');
    const job = await claimJob();
    assert.equal((await agentCall('POST', `/agent/v1/jobs/${job}/progress`, { progress: 40, detail: { packets: 2 } })).status, 200);
    await until('a 40% progress line', () => (waiting.out.stderr.includes('40% running\n') ? true : undefined));
    const pcap = tinyPcap(3);
    assert.equal((await agentCall('PUT', `/agent/v1/jobs/${job}/artifacts/capture.pcap`, undefined, pcap)).status, 200);
    const now = Date.now();
    const finish = await agentCall('POST', `/agent/v1/jobs/${job}/finish`, { outcome: 'succeeded', result: {
      stop_reason: 'packet_limit', packets: 3, bytes: 162, file_bytes: pcap.length, started_at: now - 1000, ended_at: now, first_packet_at: now - 900, tool: 'fake',
    } });
    assert.equal(finish.status, 200, finish.text);
    assert.equal(await waiting.exited, 0, waiting.out.stderr);
    assert.equal(waiting.out.stdout, `${waiting.taskId}\n`);
    const lines = waiting.out.stderr.trimEnd().split('\n');
    assert.ok(!waiting.out.stderr.includes('\r') && !waiting.out.stderr.includes('\u001b'), JSON.stringify(waiting.out.stderr));
    assert.ok(lines.every((line) => /^\d{1,3}% (\d+ packets? )?(running|stopping|success)( \(.+\))?$/.test(line)), lines.join('\n'));
    assert.equal(lines.at(-1), '100% 3 packets success (packet_limit)');
    assert.equal(new Set(lines).size, lines.length, 'a line is printed only when something changed');

    const [header, row] = (await ok('list')).stdout.trimEnd().split('\n');
    assert.deepEqual(header!.split(/ {2,}/), ['TASK ID', 'NAME', 'STATUS', 'PROGRESS', 'PACKETS', 'SIZE', 'STOP REASON', 'CREATED']);
    assert.match(row!, new RegExp(`^${waiting.taskId} +cli-progress +success +100% +3 +\\S+ +packet_limit +\\S+`));
    const listed = JSON.parse((await ok('list', '--json')).stdout) as Array<{ task_id: string; status: number; packets: number }>;
    assert.deepEqual(listed.map((r) => [r.task_id, r.status, r.packets]), [[waiting.taskId, 1, 3]]);

    // Download to a pipe: no progress, one summary line; the file is the uploaded pcap.
    const file = path.join(ts.db.dir, 'plain.pcap');
    const saved = await ok('download', waiting.taskId, '-o', file);
    assert.equal(saved.stderr, '');
    assert.match(saved.stdout, new RegExp(`^${file.replace(/[.\\/]/g, '\\$&')}: ${pcap.length} bytes in \\d+\\.\\d s\\n$`));
    assert.ok(fs.readFileSync(file).equals(pcap));
    assert.ok(!fs.existsSync(`${file}.part`));

    // On a terminal (a pseudo-terminal from script(1)): a bar of bytes out of Content-Length, redrawn in place.
    const ttyFile = path.join(ts.db.dir, 'tty.pcap');
    const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    const command = [process.execPath, guardpostBin, 'capture', 'download', waiting.taskId, '-o', ttyFile].map(quote).join(' ');
    const tty = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (c: Buffer) => { output += c.toString(); });
      child.once('exit', (code) => resolve({ code, output }));
    });
    assert.equal(tty.code, 0, tty.output);
    assert.match(tty.output, new RegExp(`\\r\\u001b\\[2K\\[#{30}\\] 100% ${pcap.length} B / ${pcap.length} B`));
    assert.match(tty.output, /downloaded \d+ B/);
    assert.ok(fs.readFileSync(ttyFile).equals(pcap));
  });

  it('create --wait exits 1 when the capture ends abnormally', async () => {
    const waiting = await createWaiting('cli-abnormal');
    const job = await claimJob();
    assert.equal((await agentCall('POST', `/agent/v1/jobs/${job}/finish`, { outcome: 'failed', reason: 'tcpdump exited with status 1' })).status, 200);
    assert.equal(await waiting.exited, 1, waiting.out.stderr);
    assert.match(waiting.out.stderr.trimEnd().split('\n').at(-1)!, /^\d+% abnormal \(tool_error/);
  });
});
