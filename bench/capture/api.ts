import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { ApiCallError, type HuaweiApiClient } from '../../src/cli/api-client.js';
import type { CaptureTool } from '../../src/engines/capture/runner.js';
import { CAPTURE_PCAP_ARTIFACT, type CaptureJobResult } from '../../src/families/capture/domain.js';
import type { Store } from '../../src/store/database.js';
import type { JobsTable } from '../../src/store/schema.js';
import type { BenchProc } from '../support/capture-procs.js';
import type { Options } from './options.js';

export const epochNow = (): number => performance.timeOrigin + performance.now();

export interface Bench {
  client: HuaweiApiClient;
  fw: string;
  store: Store;
  /** TMPDIR of the agent: its job work dirs (gp-job-<id>-…/capture.pcap) appear here. */
  agentTmp: string;
  workDir: string;
  env: NodeJS.ProcessEnv;
  options: Options;
  tool: CaptureTool;
  agent: BenchProc;
}

// --------------------------------------------------------------------------------------- API helpers

export interface TaskRecord { task_id: string; status: number; stop_reason: string | null; packets: number | null; stop_detail?: string }

export async function createCapture(b: Bench, name: string, port: number, maxPackets: number): Promise<string> {
  const created = await b.client.call<{ data: { task_id: string } }>('POST', '/v1/{project_id}/capture-task', { fw_instance_id: b.fw }, {
    name, duration: 1, max_packets: maxPackets,
    source: { address: '127.0.0.1', address_type: 0, type: 0 }, destination: { address: '127.0.0.1', address_type: 0, type: 0 },
    service: { protocol: 17, source_port: '', dest_port: String(port) },
  });
  return created.data.task_id;
}

export async function taskRecord(b: Bench, taskId: string): Promise<TaskRecord> {
  const page = await b.client.call<{ data: { records: TaskRecord[] } }>('GET', '/v1/{project_id}/capture-task', { fw_instance_id: b.fw, limit: 1024, offset: 0 });
  const record = page.data.records.find((r) => r.task_id === taskId);
  if (!record) throw new Error(`capture task ${taskId} is missing from ListCaptureTask`);
  return record;
}

export const finalStatus = (status: number) => status !== 2 && status !== 5;

/** Polls ListCaptureTask until the task has ended; sends CancelCaptureTask once `cancelAt` (epoch ms) has passed. */
export async function waitForEnd(b: Bench, taskId: string, cancelAt: number, pollMs: number, timeoutMs: number): Promise<{ record: TaskRecord; cancelled: boolean; endedSeenAt: number }> {
  const deadline = Date.now() + timeoutMs;
  let cancelled = false;
  for (;;) {
    const record = await taskRecord(b, taskId);
    if (finalStatus(record.status)) return { record, cancelled, endedSeenAt: epochNow() };
    if (!cancelled && Date.now() >= cancelAt) {
      cancelled = true;
      try {
        await b.client.call('POST', '/v1/{project_id}/capture-task/stop', { fw_instance_id: b.fw }, { task_id: taskId });
      } catch (error) {
        if (!(error instanceof ApiCallError && error.code === 'CFW.0020016')) throw error; // it ended meanwhile
      }
    }
    if (Date.now() > deadline) throw new Error(`capture task ${taskId} still running after ${timeoutMs} ms (status ${record.status})`);
    await sleep(pollMs);
  }
}

/** ListCaptureResult, then the download itself; the pcap is written to `file`. */
export async function downloadResult(b: Bench, taskId: string, file: string): Promise<void> {
  const result = await b.client.call<{ data: { url?: string; captcha?: string; file_list?: Array<{ url: string }> } }>(
    'GET', '/v1/{project_id}/capture-task/capture-result', { fw_instance_id: b.fw, task_id: taskId });
  const url = result.data.url ? `${result.data.url}?code=${result.data.captcha}` : result.data.file_list?.[0]?.url;
  if (!url) throw new Error('ListCaptureResult returned no download URL');
  const response = await fetch(url);
  if (!response.ok) throw new Error(`pcap download failed: HTTP ${response.status} ${await response.text()}`);
  fs.writeFileSync(file, Buffer.from(await response.arrayBuffer()));
}

export async function jobOf(b: Bench, taskId: string): Promise<JobsTable> {
  const job = await b.store.db.selectFrom('jobs').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  if (!job) throw new Error(`no job for capture task ${taskId}`);
  return job;
}

export const jobResult = (job: JobsTable): Partial<CaptureJobResult> => (job.result ? JSON.parse(job.result) as Partial<CaptureJobResult> : {});

/**
 * Epoch ms at which the agent's capture file for `jobId` has its pcap header — the runner's own
 * definition of "capturing" (both tools write it only after the interface is open and the filter set).
 */
export async function waitForAgentPcap(b: Bench, jobId: string, timeoutMs: number): Promise<number> {
  const prefix = `gp-job-${jobId.slice(0, 8)}-`;
  const deadline = Date.now() + timeoutMs;
  let dir: string | undefined;
  for (;;) {
    if (!dir) dir = fs.readdirSync(b.agentTmp).find((name) => name.startsWith(prefix));
    if (dir) {
      try {
        if (fs.statSync(path.join(b.agentTmp, dir, CAPTURE_PCAP_ARTIFACT)).size >= 24) return epochNow();
      } catch {
        // not created yet (or the job already ended and its dir is gone)
      }
    }
    if (Date.now() > deadline) throw new Error(`the agent's capture for job ${jobId} did not start within ${timeoutMs} ms`);
    if (!b.agent.isRunning()) throw new Error(`the agent exited\n${b.agent.stderrTail()}`);
    await sleep(2);
  }
}

