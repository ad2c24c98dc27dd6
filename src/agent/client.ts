import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { HostFacts } from '../core/host-facts.js';

/** The agent side of `/agent/v1/…`: plain HTTP, the agent id and secret in every request. */

export interface OfferedJob { id: string; task_id: string; kind: string; payload: unknown; attempt: number }
export interface CheckinResponse { jobs: OfferedJob[]; cancel_job_ids: string[]; server_time: number; lease_seconds: number }

export class AgentHttpError extends Error {
  constructor(public readonly status: number, public readonly code: string, message: string) {
    super(message);
  }
}

export interface AgentIdentity { agent_id: string; agent_secret: string; host_id: string; project_id: string }

export class AgentClient {
  private readonly base: string;

  constructor(server: string, private identity: AgentIdentity | null = null) {
    this.base = server.replace(/\/+$/, '');
  }

  setIdentity(identity: AgentIdentity): void {
    this.identity = identity;
  }

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal, raw?: { stream: Readable; contentType: string; size?: number }): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.identity) headers.authorization = `GuardpostAgent ${this.identity.agent_id}:${this.identity.agent_secret}`;
    let payload: string | Readable | undefined;
    if (raw) {
      headers['content-type'] = 'application/octet-stream';
      headers['x-artifact-content-type'] = raw.contentType;
      if (raw.size !== undefined) headers['content-length'] = String(raw.size);
      payload = raw.stream;
    } else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const response = await fetch(`${this.base}${path}`, {
      method, headers, body: payload as never, signal, ...(raw ? { duplex: 'half' } : {}),
    } as RequestInit);
    const text = await response.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      // non-JSON error pages are reported by status below
    }
    if (!response.ok) {
      throw new AgentHttpError(response.status, String(parsed.error_code ?? response.status), String(parsed.error_msg ?? text.slice(0, 200)));
    }
    return parsed as T;
  }

  enroll(enrollmentToken: string, facts: HostFacts): Promise<AgentIdentity> {
    return this.call('POST', '/agent/v1/enroll', { enrollment_token: enrollmentToken, facts });
  }

  checkin(facts: HostFacts | undefined, waitSeconds: number, signal?: AbortSignal): Promise<CheckinResponse> {
    return this.call('POST', '/agent/v1/checkin', { ...(facts ? { facts } : {}), wait_seconds: waitSeconds }, signal);
  }

  claim(jobId: string): Promise<{ job: OfferedJob; lease_seconds: number }> {
    return this.call('POST', `/agent/v1/jobs/${jobId}/claim`);
  }

  progress(jobId: string, progress: number, detail?: unknown): Promise<{ cancel_requested: boolean }> {
    return this.call('POST', `/agent/v1/jobs/${jobId}/progress`, { progress, ...(detail === undefined ? {} : { detail }) });
  }

  finish(jobId: string, outcome: 'succeeded' | 'failed' | 'cancelled', result: unknown, reason?: string, kindVersion?: number): Promise<unknown> {
    return this.call('POST', `/agent/v1/jobs/${jobId}/finish`, {
      outcome, ...(result === undefined ? {} : { result }), ...(reason ? { reason: reason.slice(0, 2000) } : {}),
      ...(kindVersion === undefined ? {} : { kind_version: kindVersion }),
    });
  }

  async uploadFile(jobId: string, name: string, file: string, contentType: string): Promise<{ artifact_id: string; size: number; sha256: string }> {
    // The file may still be growing (partial capture snapshots): send exactly the bytes present now.
    const size = fs.statSync(file).size;
    const stream = size > 0 ? fs.createReadStream(file, { start: 0, end: size - 1 }) : fs.createReadStream(file, { start: 0, end: -1 });
    return this.call('PUT', `/agent/v1/jobs/${jobId}/artifacts/${encodeURIComponent(name)}`, undefined, undefined,
      { stream, contentType, size });
  }
}
