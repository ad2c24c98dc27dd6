import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { hss } from '../../test/api/vul-scan-tasks-support.js';
import type { AntivirusTables } from '../../src/families/antivirus/tables.js';
import { guardpostBin, type TestServer } from '../../test/helpers/server.js';
import { cpuSecondsOf, memoryOf } from '../support/proc.js';

/** The two measured scans of the benchmark: clamdscan (the baseline) and a Guardpost custom task through a real agent. */

export interface ScanRun {
  seconds: number;
  /** Detected path → signature. */
  found: Map<string, string>;
  note: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `clamdscan --multiscan --fdpass` over `root` against the clamd configured in `configFile`. */
export async function runClamdscan(configFile: string, root: string): Promise<ScanRun> {
  const started = performance.now();
  const child = spawn('clamdscan', [`--config-file=${configFile}`, '--multiscan', '--fdpass', '--infected', '--no-summary', root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (t: string) => { out += t; });
  child.stderr.setEncoding('utf8').on('data', (t: string) => { err = (err + t).slice(-4000); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0 && code !== 1) throw new Error(`clamdscan exited ${code}: ${err}`);
  const found = new Map<string, string>();
  for (const line of out.split('\n')) {
    const m = /^(.*): (.+) FOUND$/.exec(line);
    if (m) found.set(m[1] as string, m[2] as string);
  }
  return { seconds, found, note: `exit ${code}` };
}

export interface AgentProcess {
  pid: number;
  hostId: string;
  output(): string;
  stop(): Promise<void>;
}

/** A real `guardpost agent` process enrolled with `server`, using the clamd on `socket`. */
export async function startAgent(server: TestServer, stateDir: string, socket: string): Promise<AgentProcess> {
  const { token } = await server.server.ctx.agents.createEnrollmentToken({ projectId: server.credentials.project_id, maxUses: 1 });
  const child = spawn(process.execPath, [guardpostBin, 'agent', '--server', server.endpoint, '--enroll-token', token, '--state-dir', stateDir,
    '--name', 'av-bench', '--av-socket', socket], { env: { ...process.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (c: Buffer) => { output = (output + c.toString()).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  };
  try {
    const identity = path.join(stateDir, 'agent.json');
    for (let i = 0; !fs.existsSync(identity); i++) {
      if (i > 600 || child.exitCode !== null) throw new Error(`the agent did not enroll:\n${output}`);
      await sleep(100);
    }
    const hostId = (JSON.parse(fs.readFileSync(identity, 'utf8')) as { host_id: string }).host_id;
    for (let i = 0; ; i++) {
      const row = await server.server.ctx.store.db.selectFrom('agents').select('capabilities').where('host_id', '=', hostId).executeTakeFirstOrThrow();
      if (/"av-scan":\{[^}]*"available":true/.test(row.capabilities)) break;
      if (i > 600) throw new Error(`the agent advertises no usable av-scan capability: ${row.capabilities}\n${output}`);
      await sleep(100);
    }
    return { pid: child.pid as number, hostId, output: () => output, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface TaskRun extends ScanRun {
  scanFileNum: number;
  virusNum: number;
  agentCpuSeconds: number;
  agentPeakRssMiB: number;
}

/** CreateAntiVirusTask (custom, `root`) on the agent's host, timed until the host row leaves `scanning`. */
export async function runGuardpostTask(server: TestServer, agent: AgentProcess, root: string, name: string): Promise<TaskRun> {
  const db = server.server.ctx.store.db.withTables<AntivirusTables>();
  const cpuBefore = cpuSecondsOf(agent.pid);
  const started = performance.now();
  const created = await hss<{ result: boolean; task_id: string; fail_reasons: unknown[] }>(server, 'POST', '/antivirus/task', {
    body: { task_name: name, scan_type: 'custom', action: 'manual', host_ids: [agent.hostId], scan_dir: root },
  });
  if (created.status !== 200 || !created.body.result) throw new Error(`CreateAntiVirusTask: ${created.text}`);
  const taskId = created.body.task_id;
  let host;
  for (;;) {
    host = await db.selectFrom('av_task_hosts').select(['host_task_status', 'scan_file_num', 'virus_num', 'fail_reason'])
      .where('task_id', '=', taskId).executeTakeFirstOrThrow();
    if (host.host_task_status !== 'scanning') break;
    await sleep(50);
  }
  const seconds = (performance.now() - started) / 1000;
  const agentCpuSeconds = cpuSecondsOf(agent.pid) - cpuBefore;
  const agentPeakRssMiB = memoryOf(agent.pid).peakRssMiB;
  if (host.host_task_status !== 'success') throw new Error(`the host ended ${host.host_task_status}: ${host.fail_reason}\n${agent.output()}`);
  const found = new Map<string, string>();
  const results = await hss<{ total_num: number; data_list: Array<{ malware_name: string; file_info: { file_path: string } }> }>(server, 'GET', '/antivirus/result', {
    query: { offset: 0, limit: 200, task_name: name },
  });
  if (results.status !== 200) throw new Error(`ListAntiVirusResult: ${results.text}`);
  for (const r of results.body.data_list) found.set(r.file_info.file_path, r.malware_name);
  return { seconds, found, note: `task ${taskId}`, scanFileNum: Number(host.scan_file_num), virusNum: host.virus_num, agentCpuSeconds, agentPeakRssMiB };
}
