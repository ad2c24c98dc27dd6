import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isProcessAlive } from '../agent/process-identity.js';
import { liveLockOwner, type LockOwner } from '../agent/state-lock.js';
import type { GuardpostConfig } from '../config.js';
import type { RunningServer } from '../server/server.js';

const binPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../bin/guardpost.js');
const ADOPTED_POLL_MS = 1000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Keeps the local agent of `guardpost start` running next to the server; restarts it with backoff if it
 * dies. An agent of this home that outlived a previous server (killed with -9) is adopted, not replaced:
 * it keeps its live captures, reconnects to this server on its own, and is stopped by PID at shutdown.
 */
export class LocalAgentSupervisor {
  private child: ChildProcess | null = null;
  private adopted: LockOwner | null = null;
  private adoptedWatch: NodeJS.Timeout | null = null;
  private stopping = false;
  private restarts = 0;

  constructor(private readonly server: RunningServer, private readonly config: GuardpostConfig, private readonly agentArgs: readonly string[]) {}

  private get stateDir(): string {
    return path.join(this.config.home, 'agent');
  }

  /** The PID of the agent being supervised (own child or adopted), if any. */
  get agentPid(): number | null {
    return this.child?.pid ?? this.adopted?.pid ?? null;
  }

  async start(): Promise<void> {
    const survivor = liveLockOwner(this.stateDir);
    if (survivor && survivor.server === this.server.endpoint) {
      this.adopt(survivor);
      return;
    }
    if (survivor) {
      console.error(`guardpost: the local agent left running (pid ${survivor.pid}) talks to ${survivor.server}; stopping it`);
      await this.stopProcess(survivor, 25_000);
    }
    await this.spawnChild();
  }

  private adopt(owner: LockOwner): void {
    this.adopted = owner;
    console.log(`guardpost: adopted the local agent left running by a previous start (pid ${owner.pid}); its captures go on`);
    this.adoptedWatch = setInterval(() => {
      if (this.stopping || isProcessAlive(owner)) return;
      clearInterval(this.adoptedWatch ?? undefined);
      this.adoptedWatch = null;
      this.adopted = null;
      console.error(`guardpost: the adopted local agent (pid ${owner.pid}) exited; starting a new one`);
      void this.start().catch((e: Error) => console.error(`guardpost: ${e.message}`));
    }, ADOPTED_POLL_MS);
    this.adoptedWatch.unref();
  }

  private async spawnChild(): Promise<void> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.GUARDPOST_ENROLL_TOKEN;
    if (!fs.existsSync(path.join(this.stateDir, 'agent.json'))) {
      const projectId = this.server.credentials?.project_id
        ?? (await this.server.ctx.identity.firstProject())?.id;
      if (!projectId) throw new Error('no project exists to enroll the local agent in');
      const { token } = await this.server.ctx.agents.createEnrollmentToken({
        projectId, description: 'local agent of guardpost start', ttlMs: 10 * 60_000, maxUses: 1,
      });
      env.GUARDPOST_ENROLL_TOKEN = token; // by environment, never argv: argv is visible to every user
    }
    const child = spawn(process.execPath, [binPath, 'agent', '--server', this.server.endpoint, '--state-dir', this.stateDir,
      ...this.agentArgs], { env, stdio: ['ignore', 'inherit', 'inherit'] });
    this.child = child;
    child.once('exit', (code, signal) => {
      this.child = null;
      if (this.stopping) return;
      if (code === 3) {
        console.error('guardpost: the local agent was revoked; not restarting it (remove $GUARDPOST_HOME/agent to enroll again)');
        return;
      }
      const delay = Math.min(30_000, 1000 * 2 ** Math.min(this.restarts++, 5));
      console.error(`guardpost: local agent exited (${code ?? signal}); restarting in ${delay / 1000} s`);
      setTimeout(() => { if (!this.stopping) void this.start().catch((e: Error) => console.error(`guardpost: ${e.message}`)); }, delay).unref();
    });
  }

  /** SIGTERM (the agent winds its jobs down and reports them), SIGKILL after the grace period. */
  private async stopProcess(owner: LockOwner, graceMs: number): Promise<void> {
    const signal = (name: NodeJS.Signals) => {
      try {
        if (isProcessAlive(owner)) process.kill(owner.pid, name);
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isProcessAlive(owner) && Date.now() < deadline) await sleep(200);
    signal('SIGKILL');
    for (let i = 0; i < 25 && isProcessAlive(owner); i++) await sleep(200);
  }

  async stop(graceMs = 25_000): Promise<void> {
    this.stopping = true;
    if (this.adoptedWatch) clearInterval(this.adoptedWatch);
    if (this.adopted) {
      await this.stopProcess(this.adopted, graceMs);
      this.adopted = null;
    }
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
